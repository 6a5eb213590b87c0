// Batched atomic writes (see batch_write.hpp).
#include "pairkit/ca/batch_write.hpp"

#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include <unistd.h>

#include "pairkit/core/atomic_file.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::ca {

void write_files_batch(const std::vector<std::pair<std::string, std::string>>& files, const WriteOptions& opts,
                       std::vector<std::string>* published) {
  std::vector<AtomicFile> temps;  // destroyed on failure: no temporary stays behind
  temps.reserve(files.size());
  std::exception_ptr failure;
  try {
    for (const auto& [path, content] : files) {
      AtomicFile f(path, opts);
      f.write({reinterpret_cast<const uint8_t*>(content.data()), content.size()});
      if (!temps.empty()) f.close();  // the first stays open for the syncfs
      temps.push_back(std::move(f));
    }
  } catch (const InputError&) {
    // The files before the one that failed are still written, as if written one by one.
    failure = std::current_exception();
  }
  if (!temps.empty()) {
    // One flush of the filesystem makes every temporary file durable before any is published.
    if (::syncfs(temps.front().fd()) != 0)
      throw InputError("cannot write " + files.front().first + ": sync: " + std::strerror(errno));
    std::set<std::string> dirs;
    for (auto& f : temps) {
      f.publish();
      if (published) published->push_back(f.path());
      dirs.insert(parent_dir(f.path()));
    }
    for (const auto& d : dirs) sync_dir(d);
  }
  if (failure) std::rethrow_exception(failure);
}

BackgroundWriter::BackgroundWriter(const WriteOptions& opts) : opts_(opts) {
  thread_ = std::thread([this] { run(); });
}

BackgroundWriter::~BackgroundWriter() { stop(); }

void BackgroundWriter::run() {
  for (;;) {
    std::vector<std::pair<std::string, std::string>> round;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !queued_.empty(); });
      if (queued_.empty()) return;  // closing, and all written
      round.swap(queued_);
    }
    std::vector<std::string> done;
    try {
      write_files_batch(round, opts_, &done);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      published_.insert(published_.end(), done.begin(), done.end());
      error_ = std::current_exception();
      queued_.clear();
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    published_.insert(published_.end(), done.begin(), done.end());
  }
}

std::vector<std::string> BackgroundWriter::take_published() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(published_, {});
}

void BackgroundWriter::add(std::vector<std::pair<std::string, std::string>> files) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_) std::rethrow_exception(error_);
    if (!thread_.joinable()) throw std::logic_error("BackgroundWriter::add after finish");
    for (auto& f : files) queued_.push_back(std::move(f));
  }
  wake_.notify_one();
}

void BackgroundWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void BackgroundWriter::finish() {
  stop();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace pairkit::ca
