// Writeback: gets a file that is still being written on its way to the disk,
// so that the fsync making it durable at the end only waits for the tail.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace pairkit {

/// The kernel's writeback starts every few MiB (sync_file_range), and once
/// the file passes kFlushStep a second thread flushes it (fdatasync) every
/// kFlushStep. The flush is what waits for the disk itself: on this
/// project's virtual machines, one final fsync of a 200 MB file still took
/// 0.1 s after all its pages had been written back; flushed every 32 MiB,
/// 16-40 ms; every 8 MiB, 4-9 ms.
class Writeback {
public:
  static constexpr uint64_t kFlushStep = uint64_t{8} << 20;
  explicit Writeback(int fd) : fd_(fd) {}
  /// Stops the flushing thread (after the flush it may be in).
  ~Writeback();
  Writeback(const Writeback&) = delete;
  Writeback& operator=(const Writeback&) = delete;
  /// Records that the file now has `end` bytes (called by one writer).
  void wrote_up_to(uint64_t end);
  /// fsync: everything written is durable. Returns 0, or the errno of the
  /// first failure, also of a flush on the other thread (the kernel reports
  /// a write-back error to one fsync caller only).
  int sync();

private:
  void flush_loop();
  void stop();
  int fd_;
  uint64_t started_ = 0;  // writeback started up to here
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t written_ = 0, flushed_ = 0;
  bool stopping_ = false;
  int error_ = 0;
  std::thread flusher_;
};

}  // namespace pairkit
