// Writeback: sync_file_range as a file grows, fdatasync on a second thread.
#include "pairkit/core/writeback.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace pairkit {

namespace {
// Writeback is started for every window this large.
constexpr uint64_t kWritebackWindow = 8 << 20;
}  // namespace

Writeback::~Writeback() { stop(); }

void Writeback::wrote_up_to(uint64_t end) {
  while (end - started_ >= kWritebackWindow) {
    // Only a hint: an error here (or a file system without it) shows up, if
    // it matters, in the fsync that follows.
    ::sync_file_range(fd_, static_cast<off_t>(started_), static_cast<off_t>(kWritebackWindow), SYNC_FILE_RANGE_WRITE);
    started_ += kWritebackWindow;
  }
  if (end < kFlushStep) return;  // small files never start the thread
  {
    std::lock_guard lock(mu_);
    written_ = end;
  }
  if (!flusher_.joinable()) flusher_ = std::thread([this] { flush_loop(); });
  cv_.notify_one();
}

void Writeback::flush_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || written_ - flushed_ >= kFlushStep; });
    if (stopping_) return;
    flushed_ = written_;
    lock.unlock();
    const int err = ::fdatasync(fd_) == 0 ? 0 : errno;
    lock.lock();
    if (err != 0 && error_ == 0) error_ = err;
  }
}

void Writeback::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (flusher_.joinable()) flusher_.join();
}

int Writeback::sync() {
  stop();
  const int err = ::fsync(fd_) == 0 ? 0 : errno;
  return error_ != 0 ? error_ : err;
}

}  // namespace pairkit
