// Fork-join over a batch (see parallel.hpp).
#include "pairkit/ca/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace pairkit::ca {

unsigned worker_count(size_t n, unsigned threads) {
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  return static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(threads, n)));
}

void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned threads) {
  parallel_for_workers(n, [&](unsigned, size_t i) { fn(i); }, threads);
}

void parallel_for_workers(size_t n, const std::function<void(unsigned, size_t)>& fn, unsigned threads) {
  threads = worker_count(n, threads);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(0, i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](unsigned w) {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(w, i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

KeystreamRng::KeystreamRng(Botan::RandomNumberGenerator& parent)
    : cipher_(Botan::StreamCipher::create_or_throw("ChaCha(20)")) {
  cipher_->set_key(parent.random_vec(32));
  const uint8_t nonce[8] = {};
  cipher_->set_iv(nonce, sizeof nonce);
}

}  // namespace pairkit::ca
