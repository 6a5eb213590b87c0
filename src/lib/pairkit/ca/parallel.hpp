// A tiny fork-join helper for CPU-bound batch work (verifying and signing a
// batch of requests), and a keystream RNG so each request of a batch gets its
// own generator keyed from the command's (no lock between threads, no
// syscall per draw, and the same output for a seeded test RNG whatever the
// thread scheduling).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

#include <botan/stream_cipher.h>

#include <botan/rng.h>

namespace pairkit::ca {

/// Runs fn(i) for i in [0, n) on up to `threads` threads (0: one per core,
/// at most 8). The first exception a call throws is rethrown after all join.
void parallel_for(size_t n, const std::function<void(size_t)>& fn, unsigned threads = 0);

/// How many threads parallel_for uses for n items.
unsigned worker_count(size_t n, unsigned threads = 0);

/// parallel_for where fn(worker, i) also learns which thread runs it, a
/// number in [0, worker_count(n, threads)): per-thread state (a signer) can
/// live in a vector indexed by it.
void parallel_for_workers(size_t n, const std::function<void(unsigned, size_t)>& fn, unsigned threads = 0);

/// Serializes access to another generator.
class LockedRng final : public Botan::RandomNumberGenerator {
public:
  explicit LockedRng(Botan::RandomNumberGenerator& inner) : inner_(inner) {}
  void randomize(uint8_t output[], size_t length) override {
    std::lock_guard<std::mutex> lock(mutex_);
    inner_.randomize(output, length);
  }
  bool accepts_input() const override { return false; }
  void add_entropy(const uint8_t[], size_t) override {}
  std::string name() const override { return "locked(" + inner_.name() + ")"; }
  void clear() override {}
  bool is_seeded() const override { return inner_.is_seeded(); }

private:
  Botan::RandomNumberGenerator& inner_;
  std::mutex mutex_;
};

/// ChaCha20 keystream under a 256-bit key drawn from another generator.
class KeystreamRng final : public Botan::RandomNumberGenerator {
public:
  explicit KeystreamRng(Botan::RandomNumberGenerator& parent);
  void randomize(uint8_t output[], size_t length) override { cipher_->write_keystream(output, length); }
  bool accepts_input() const override { return false; }
  void add_entropy(const uint8_t[], size_t) override {}
  std::string name() const override { return "ChaCha20 keystream"; }
  void clear() override {}
  bool is_seeded() const override { return true; }

private:
  std::unique_ptr<Botan::StreamCipher> cipher_;
};

}  // namespace pairkit::ca
