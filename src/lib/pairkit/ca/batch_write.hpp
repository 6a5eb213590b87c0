// Writing many small files (a batch of certificates) with the guarantees of
// write_file_atomic - never a partial file, never an overwrite without force -
// but one filesystem sync for the whole batch instead of one fsync per file;
// and a writer thread that does it while the caller signs the next batch.
#pragma once
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pairkit/core/files.hpp"

namespace pairkit::ca {

/// Writes every (path, content) pair as an AtomicFile: temporary files beside
/// their targets, one syncfs (of the file system of the first: a batch goes
/// to one folder), then each put in place in order (AtomicFile::publish),
/// then one fsync per folder. Throws InputError naming the first path that
/// fails (one already there without force, say); the files before it are
/// written, it and those after it are not, and no temporary file stays behind.
/// Each file put in place is appended to `published` when given (also when
/// a later one fails).
void write_files_batch(const std::vector<std::pair<std::string, std::string>>& files, const WriteOptions& opts,
                       std::vector<std::string>* published = nullptr);

/// Runs write_files_batch on a thread of its own, so that waiting for the
/// disk overlaps the caller's work. Files handed over while a round is being
/// written go out together in the next round (one sync for all of them).
/// After a failed round nothing more is written.
class BackgroundWriter {
public:
  explicit BackgroundWriter(const WriteOptions& opts);
  /// Still writes everything handed over (the caller may be unwinding from
  /// an error of its own); a failure is then lost: call finish() to see it.
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  /// Queues files for writing; throws the failure of an earlier round.
  void add(std::vector<std::pair<std::string, std::string>> files);
  /// Waits until everything queued is written; throws the first failure.
  void finish();
  /// The paths put in place since the last call (a caller records delivery).
  std::vector<std::string> take_published();

private:
  void run();
  void stop();

  WriteOptions opts_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::pair<std::string, std::string>> queued_;
  std::vector<std::string> published_;
  bool closing_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace pairkit::ca
