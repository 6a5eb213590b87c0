// Fork-join over a batch (see parallel.hpp).
#include "pairkit/ca/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace pairkit::ca {

void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned threads) {
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  threads = static_cast<unsigned>(std::min<size_t>(threads, n));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
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
