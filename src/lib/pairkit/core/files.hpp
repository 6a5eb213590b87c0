// File helpers every command shares: whole-file reads with clear errors,
// whole-file atomic writes (built on AtomicFile, atomic_file.hpp), private
// folders, and advisory locks.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "pairkit/core/error.hpp"

namespace pairkit {

/// Mode for files that hold secrets (private keys, backups, identities).
inline constexpr mode_t kPrivateFileMode = 0600;
/// Mode for folders that hold secrets.
inline constexpr mode_t kPrivateDirMode = 0700;
/// Mode for public material (certificates, public keys).
inline constexpr mode_t kPublicFileMode = 0644;

/// Input longer than the limit its reader set (an InputError: exit 3).
class InputTooLarge : public InputError {
public:
  using InputError::InputError;
};

/// Reads a whole file, at most max_bytes of it (core/input_limits.hpp names
/// the limit for each kind of input). A regular file larger than that is
/// refused before any of it is read; anything else (a FIFO, /dev/zero) as soon
/// as one byte too many arrives, so memory never exceeds the limit much.
/// Throws InputTooLarge naming the path and the limit, or InputError naming
/// the path and the reason (missing, unreadable, a directory).
std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes);

/// Reads all of standard input, as read_file does a file.
std::vector<uint8_t> read_stdin(size_t max_bytes);

struct WriteOptions {
  mode_t mode = kPublicFileMode;
  bool force = false;  ///< replace an existing file
};

/// Writes data to path atomically with AtomicFile: a temporary file beside
/// it, fsync, then in place (replacing only with force, never a file that
/// appeared meanwhile), then the folder's fsync. Throws InputError "PATH exists
/// (use --force to replace it)" or naming the I/O failure; on failure nothing
/// is left behind.
void write_file_atomic(const std::string& path, std::span<const uint8_t> data, const WriteOptions& opts);
void write_file_atomic(const std::string& path, std::string_view text, const WriteOptions& opts);

/// Writes all of data to fd (retrying short writes); throws InputError
/// "cannot write NAME: REASON".
void write_all(int fd, std::span<const uint8_t> data, const std::string& name);

/// True if something (file, folder, link) exists at path.
bool path_exists(const std::string& path);

/// Creates a folder with the given mode (and its parents with 0755) unless it
/// exists; an existing folder keeps its mode. Throws InputError.
void make_dirs(const std::string& path, mode_t mode = kPrivateDirMode);

/// fsyncs a folder so a rename inside it is durable.
void sync_dir(const std::string& path);

/// The folder part of a path ("." for a bare name).
std::string parent_dir(const std::string& path);

/// An exclusive advisory lock (flock) on a lock file, held for the object's
/// life. Parallel provisioning scripts serialize their read-modify-write
/// cycles on the same store with it.
class FileLock {
public:
  explicit FileLock(const std::string& lock_path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  int fd_ = -1;
};

}  // namespace pairkit
