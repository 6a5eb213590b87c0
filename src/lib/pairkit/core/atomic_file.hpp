// AtomicFile: the one way pairkit puts a file in place - written under a
// temporary name beside its target, then made to appear whole, never clobbering.
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit {

/// A file being written under a temporary name in its target's folder
/// (".NAME.tmp-RANDOM", created with O_EXCL and exactly opts.mode, whatever
/// the umask). commit() makes it appear at its path whole or not at all;
/// destroyed without commit() or publish(), it leaves nothing behind, nor
/// when a signal ends the process (the temporary file is tracked by
/// signal_cleanup.hpp from the moment it exists).
class AtomicFile {
public:
  /// Throws InputError "PATH exists (use --force to replace it)" if something
  /// is at path and opts.force is not set, or "cannot write PATH: REASON".
  AtomicFile(std::string path, const WriteOptions& opts);
  /// Removes the temporary file unless it was published.
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// The target path.
  const std::string& path() const { return path_; }
  /// The temporary file's descriptor, for writers that stream into it; -1 after close().
  int fd() const { return fd_; }

  /// Appends data. Throws InputError "cannot write PATH: REASON".
  void write(std::span<const uint8_t> data);
  /// Overwrites bytes already written, from offset on (a header whose
  /// contents are known only at the end). Throws as write() does.
  void write_at(uint64_t offset, std::span<const uint8_t> data);
  /// Closes the temporary file, keeping it for publish() (a batch of thousands
  /// must not hold as many descriptors). Throws InputError naming the path
  /// (NFS reports failed writes here).
  void close();

  /// fsyncs the file, puts it at its path (see publish()), then fsyncs the
  /// folder: once this returns, the whole file is there and survives a crash.
  /// A failed commit() or publish() removes the temporary file at once.
  void commit();
  /// Puts the file at its path without commit()'s fsyncs, for a writer that
  /// has made the contents durable its own way (one syncfs for a batch, a
  /// Writeback) and syncs the folder itself. With force an existing file is
  /// replaced; without, a file that appeared since the constructor's check
  /// is left alone and InputError "PATH exists (use --force to replace it)"
  /// is thrown.
  void publish();

private:
  void discard() noexcept;
  // Tells the signal cleanup the temporary name is gone (published or removed).
  void untrack() noexcept;
  // Discards the temporary file and returns "cannot write PATH: WHAT REASON".
  InputError fail(const char* what, int err);

  std::string path_, tmp_;  // tmp_ is empty once published (or moved from)
  bool force_;
  int fd_ = -1;
  uint64_t tracked_ = 0;  // the signal cleanup's handle; 0 when untracked
};

/// Puts `next_path` (a complete file written beside `path`, such as
/// PATH.next) in place of `path`, keeping what was there as `previous_path`:
/// a copy of the current file, with its mode, first replaces `previous_path`
/// (nothing when `path` is missing), then `next_path` is renamed over `path`
/// and the folder synced. `path` is never missing on the way, so a reader, or
/// a crash at any step, finds the old file or the new one; run again after a
/// crash, it finishes. Throws InputError naming the file.
void replace_keeping_previous(const std::string& path, const std::string& next_path, const std::string& previous_path);

}  // namespace pairkit
