// Two-stage pipelines for the backup streams: one side of a ByteSink or
// ByteSource runs on a second thread, joined by a small bounded queue of
// blocks, so that reading and hashing files overlaps encrypting and writing
// (create), and decrypting overlaps hashing and writing (restore). Memory
// stays bounded: kPipeBlocks blocks of kPipeBlockSize bytes.
#pragma once
#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "pairkit/core/byte_stream.hpp"

namespace pairkit::backup {

inline constexpr size_t kPipeBlockSize = 256 * 1024;
inline constexpr size_t kPipeBlocks = 4;

namespace detail {

/// Blocks moving between a producer and a consumer thread: free blocks go
/// to the producer, filled ones (in order) to the consumer. Either side may
/// fail (the other then sees the error) or stop.
class BlockQueue {
public:
  /// kPipeBlockSize bytes of the queue's memory, never zero-filled.
  /// Plaintext may pass: what was filled is wiped when the queue goes.
  class Block {
  public:
    uint8_t* data() { return bytes_; }
    size_t size = 0;  ///< bytes filled

  private:
    friend class BlockQueue;
    uint8_t* bytes_ = nullptr;
    size_t high_ = 0;  // the most bytes ever filled
  };
  BlockQueue();
  ~BlockQueue();
  BlockQueue(const BlockQueue&) = delete;
  BlockQueue& operator=(const BlockQueue&) = delete;
  /// Producer: an empty block to fill; nullptr once the consumer failed or stopped.
  Block* take_free();
  /// Producer: hands a filled block on.
  void put_full(Block* b);
  /// Producer: returns a block from take_free() unfilled.
  void give_back(Block* b);
  /// Producer: marks the end of the stream, with the error that ended it (or null).
  void put_end(std::exception_ptr error);
  /// Consumer: the next filled block; nullptr at the end of the stream or once stopped.
  Block* take_full();
  /// Consumer: gives a block back once used.
  void put_free(Block* b);
  /// Either side: stops the queue (blocks still queued are dropped),
  /// recording `error` (if any) for the other side.
  void stop(std::exception_ptr error);
  /// Producer: waits until the consumer has used every filled block (or failed).
  void wait_empty();
  /// The error recorded by stop() or put_end(), or null.
  std::exception_ptr error();

private:
  // The blocks' memory, in one transparent huge page where the system has
  // them: a fresh 4 KiB page costs about 12 us to fault in on this
  // project's VMs (256 per block), a huge page 0.2 ms.
  void map_blocks();
  // Runs f under the lock, then wakes the other side.
  template <class F>
  void change(F f);
  std::mutex mu_;
  std::condition_variable cv_;
  std::array<Block, kPipeBlocks> blocks_;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  std::deque<Block*> free_, full_;
  size_t in_use_ = 0;
  bool stopped_ = false;
  std::exception_ptr error_;
};

}  // namespace detail

/// Passes what is written to it on to `out` on a second thread. An error
/// thrown by `out` is rethrown by a later write(), drain() or finish().
class ThreadedSink final : public ByteSink {
public:
  explicit ThreadedSink(ByteSink& out);
  /// Stops the thread; what is still queued is dropped.
  ~ThreadedSink() override;
  ThreadedSink(const ThreadedSink&) = delete;
  ThreadedSink& operator=(const ThreadedSink&) = delete;
  void write(std::span<const uint8_t> data) override;
  /// Waits until `out` has taken everything written so far.
  void drain();
  /// drain(), then finishes `out` on the calling thread.
  void finish() override;
  /// As `out` (asked before anything is written, so `out` is idle).
  bool can_rewrite(uint64_t end) override { return out_.can_rewrite(end); }
  /// drain(), then rewrites `out` on the calling thread.
  void rewrite(uint64_t offset, std::span<const uint8_t> data) override;
  /// The free end of the block being filled.
  std::span<uint8_t> space(size_t max) override;
  void commit(size_t n) override;

private:
  void hand_on();
  void take_block();
  void run();
  ByteSink& out_;
  detail::BlockQueue queue_;
  detail::BlockQueue::Block* cur_ = nullptr;
  std::thread thread_;
};

/// Reads `in` ahead on a second thread. An error thrown by `in` is rethrown
/// by read() where the data ends, as if `in` had been read directly.
class ThreadedSource final : public ByteSource {
public:
  explicit ThreadedSource(ByteSource& in);
  /// Stops the thread; what was read ahead is dropped.
  ~ThreadedSource() override;
  ThreadedSource(const ThreadedSource&) = delete;
  ThreadedSource& operator=(const ThreadedSource&) = delete;
  size_t read(std::span<uint8_t> buf) override;
  /// A view into the block read ahead.
  std::span<const uint8_t> view(size_t max) override;

private:
  void run();
  /// Moves to a block with unread bytes; false at the end.
  bool next_block();
  ByteSource& in_;
  detail::BlockQueue queue_;
  detail::BlockQueue::Block* cur_ = nullptr;
  size_t pos_ = 0;
  bool ended_ = false;
  std::thread thread_;
};

}  // namespace pairkit::backup
