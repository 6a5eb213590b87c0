// Batched atomic writes (see batch_write.hpp).
#include "pairkit/ca/batch_write.hpp"

#include <cerrno>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"

namespace pairkit::ca {

namespace {
std::string error_text(int err) { return std::strerror(err); }
}  // namespace

void write_files_batch(const std::vector<std::pair<std::string, std::string>>& files, const WriteOptions& opts) {
  if (files.empty()) return;
  std::random_device rd;
  const std::string tag = ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  std::vector<std::string> temps;
  int sync_fd = -1;
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  try {
    for (const auto& [path, content] : files) {
      const std::string dir = parent_dir(path);
      const auto slash = path.find_last_of('/');
      const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
      const std::string tmp = dir + "/." + base + tag;
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, opts.mode);
      if (fd < 0) throw InputError("cannot write " + path + ": " + error_text(errno));
      temps.push_back(tmp);
      if ((opts.mode & ~umask_now) != opts.mode) ::fchmod(fd, opts.mode);  // umask must not narrow the mode
      size_t done = 0;
      while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          const int err = errno;
          ::close(fd);
          throw InputError("cannot write " + path + ": " + error_text(err));
        }
        done += static_cast<size_t>(n);
      }
      if (sync_fd < 0)
        sync_fd = fd;
      else
        ::close(fd);
    }
    // One flush of the filesystem makes every temporary file durable before any rename.
    if (::syncfs(sync_fd) != 0) throw InputError("cannot write " + files.front().first + ": sync: " + error_text(errno));
    ::close(sync_fd);
    sync_fd = -1;
    std::set<std::string> dirs;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& path = files[i].first;
      // rename, or rename-unless-exists: one syscall either way.
      if (::renameat2(AT_FDCWD, temps[i].c_str(), AT_FDCWD, path.c_str(), opts.force ? 0 : RENAME_NOREPLACE) != 0) {
        const int err = errno;
        throw InputError(err == EEXIST ? path + " exists (use --force to replace it)"
                                       : "cannot write " + path + ": " + error_text(err));
      }
      temps[i].clear();
      dirs.insert(parent_dir(path));
    }
    for (const auto& d : dirs) sync_dir(d);
  } catch (...) {
    if (sync_fd >= 0) ::close(sync_fd);
    for (const auto& t : temps)
      if (!t.empty()) ::unlink(t.c_str());
    throw;
  }
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
    try {
      write_files_batch(round, opts_);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
      queued_.clear();
      return;
    }
  }
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
