// A bounded block queue between two threads, and the sink and source built on it.
#include "pairkit/backup/pipeline.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include <sys/mman.h>

#include <botan/mem_ops.h>

#include "pairkit/core/error.hpp"

namespace pairkit::backup {

namespace detail {

BlockQueue::BlockQueue() {
  map_blocks();  // only reserves address space: pages come when touched
  for (auto& b : blocks_) free_.push_back(&b);
}

BlockQueue::~BlockQueue() {
  for (auto& b : blocks_) Botan::secure_scrub_memory(b.bytes_, std::max(b.high_, b.size));
  ::munmap(map_, map_len_);
}

void BlockQueue::map_blocks() {
  constexpr size_t kHuge = size_t{2} << 20;
  constexpr size_t kNeed = kPipeBlocks * kPipeBlockSize;
  static_assert(kNeed <= kHuge);
  // Twice a huge page, so that an aligned one lies inside; the rest is unmapped.
  const size_t len = 2 * kHuge;
  void* raw = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  if (aligned + kHuge < start + len) ::munmap(reinterpret_cast<void*>(aligned + kHuge), start + len - aligned - kHuge);
  map_ = reinterpret_cast<void*>(aligned);
  map_len_ = kHuge;
  ::madvise(map_, map_len_, MADV_HUGEPAGE);  // only advice: without it, 4 KiB pages as touched
  for (size_t i = 0; i < kPipeBlocks; ++i) blocks_[i].bytes_ = static_cast<uint8_t*>(map_) + i * kPipeBlockSize;
}

template <class F>
void BlockQueue::change(F f) {
  {
    std::lock_guard lock(mu_);
    f();
  }
  cv_.notify_all();
}

BlockQueue::Block* BlockQueue::take_free() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty() || stopped_; });
  if (stopped_) return nullptr;
  Block* b = free_.front();
  free_.pop_front();
  b->high_ = std::max(b->high_, b->size);  // what its last use filled, wiped at the end
  return b;
}

void BlockQueue::put_full(Block* b) {
  change([&] { full_.push_back(b); });
}

void BlockQueue::put_end(std::exception_ptr error) {
  change([&] {
    if (!error_) error_ = error;
    full_.push_back(nullptr);
  });
}

BlockQueue::Block* BlockQueue::take_full() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !full_.empty() || stopped_; });
  if (stopped_) return nullptr;
  Block* b = full_.front();
  full_.pop_front();
  if (b) ++in_use_;
  return b;
}

void BlockQueue::put_free(Block* b) {
  change([&] {
    --in_use_;
    free_.push_back(b);
  });
}

void BlockQueue::give_back(Block* b) {
  change([&] { free_.push_back(b); });
}

void BlockQueue::stop(std::exception_ptr error) {
  change([&] {
    if (!error_) error_ = error;
    stopped_ = true;
  });
}

void BlockQueue::wait_empty() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return (full_.empty() && in_use_ == 0) || stopped_; });
}

std::exception_ptr BlockQueue::error() {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace detail

namespace {

[[noreturn]] void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
  throw InputError("the backup stream was stopped");  // not reached: only a destructor stops without an error
}

}  // namespace

ThreadedSink::ThreadedSink(ByteSink& out) : out_(out), thread_([this] { run(); }) {}

ThreadedSink::~ThreadedSink() {
  queue_.stop(nullptr);
  if (thread_.joinable()) thread_.join();
}

void ThreadedSink::run() {
  try {
    while (auto* b = queue_.take_full()) {
      out_.write({b->data(), b->size});
      queue_.put_free(b);
    }
  } catch (...) {
    queue_.stop(std::current_exception());
  }
}

void ThreadedSink::hand_on() {
  queue_.put_full(cur_);
  cur_ = nullptr;
}

void ThreadedSink::take_block() {
  cur_ = queue_.take_free();
  if (!cur_) rethrow(queue_.error());
  cur_->size = 0;
}

void ThreadedSink::write(std::span<const uint8_t> data) {
  while (!data.empty()) {
    if (!cur_) take_block();
    const size_t n = std::min(kPipeBlockSize - cur_->size, data.size());
    std::memcpy(cur_->data() + cur_->size, data.data(), n);
    cur_->size += n;
    data = data.subspan(n);
    if (cur_->size == kPipeBlockSize) hand_on();
  }
}

std::span<uint8_t> ThreadedSink::space(size_t max) {
  if (!cur_) take_block();
  return {cur_->data() + cur_->size, std::min(max, kPipeBlockSize - cur_->size)};
}

void ThreadedSink::commit(size_t n) {
  cur_->size += n;
  if (cur_->size == kPipeBlockSize) hand_on();
}

void ThreadedSink::drain() {
  if (cur_ && cur_->size > 0) hand_on();
  queue_.wait_empty();
  if (auto e = queue_.error()) std::rethrow_exception(e);
}

void ThreadedSink::rewrite(uint64_t offset, std::span<const uint8_t> data) {
  drain();
  out_.rewrite(offset, data);  // the thread waits for the next block meanwhile
}

void ThreadedSink::finish() {
  drain();
  queue_.put_end(nullptr);
  thread_.join();
  if (auto e = queue_.error()) std::rethrow_exception(e);
  out_.finish();
}

ThreadedSource::ThreadedSource(ByteSource& in) : in_(in), thread_([this] { run(); }) {}

ThreadedSource::~ThreadedSource() {
  queue_.stop(nullptr);
  if (thread_.joinable()) thread_.join();
}

void ThreadedSource::run() {
  for (;;) {
    auto* b = queue_.take_free();
    if (!b) return;
    // Whatever was read before an error is passed on first, as a direct reader would see it.
    std::exception_ptr error;
    size_t got = 0;
    try {
      while (got < kPipeBlockSize) {
        const size_t n = in_.read({b->data() + got, kPipeBlockSize - got});
        if (n == 0) break;
        got += n;
      }
    } catch (...) {
      error = std::current_exception();
    }
    b->size = got;
    if (got > 0)
      queue_.put_full(b);
    else
      queue_.give_back(b);
    if (error || got < kPipeBlockSize) {
      queue_.put_end(error);
      return;
    }
  }
}

bool ThreadedSource::next_block() {
  while (!cur_ || pos_ == cur_->size) {
    if (ended_) {
      if (auto e = queue_.error()) std::rethrow_exception(e);
      return false;
    }
    if (cur_) queue_.put_free(cur_);
    cur_ = queue_.take_full();
    pos_ = 0;
    if (!cur_) ended_ = true;
  }
  return true;
}

size_t ThreadedSource::read(std::span<uint8_t> buf) {
  if (!next_block()) return 0;
  const size_t n = std::min(buf.size(), cur_->size - pos_);
  std::memcpy(buf.data(), cur_->data() + pos_, n);
  pos_ += n;
  return n;
}

std::span<const uint8_t> ThreadedSource::view(size_t max) {
  if (!next_block()) return {};
  const size_t n = std::min(max, cur_->size - pos_);
  const std::span<const uint8_t> v(cur_->data() + pos_, n);
  pos_ += n;
  return v;
}

}  // namespace pairkit::backup
