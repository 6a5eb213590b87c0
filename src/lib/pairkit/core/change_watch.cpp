// ChangeWatch: one inotify instance, non-blocking; the watches are made
// again after anything that may have moved them (a folder made, deleted or
// renamed, an overflow), and that moment always counts as a change.
#include "pairkit/core/change_watch.hpp"

#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace pairkit {

namespace {

constexpr uint32_t kEvents =
    IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

std::pair<std::string, std::string> split(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

bool is_folder(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

ChangeWatch::ChangeWatch(std::vector<std::string> files, std::vector<std::string> trees)
    : files_(std::move(files)), trees_(std::move(trees)), fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

ChangeWatch::~ChangeWatch() {
  if (fd_ >= 0) ::close(fd_);
}

void ChangeWatch::add(const std::string& folder, const std::string& only_name) noexcept {
  const int wd = ::inotify_add_watch(fd_, folder.c_str(), kEvents | IN_ONLYDIR);
  if (wd < 0) {
    // A folder that is not there yet is watched through its parent.
    if (errno == ENOENT && only_name.empty() && folder != "/" && folder != ".") {
      const auto [parent, name] = split(folder);
      return add(parent, name);
    }
    return;
  }
  // A folder watched whole stays whole; otherwise the names add up.
  auto& names = filters_[wd];
  if (only_name.empty()) names = {""};
  else if (!names.count("")) names.insert(only_name);
}

void ChangeWatch::rebuild() noexcept {
  // Adding a folder again keeps its descriptor; a watch left behind (its
  // folder moved) reports to no filter and is ignored.
  filters_.clear();
  for (const auto& file : files_) {
    const auto [folder, name] = split(file);
    add(folder, name);
  }
  for (const auto& tree : trees_) {
    add(tree, "");
    if (!is_folder(tree)) continue;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(tree.c_str()), ::closedir);
    if (!d) continue;
    while (const dirent* e = ::readdir(d.get())) {
      if (e->d_name[0] == '.') continue;
      const std::string sub = tree + "/" + e->d_name;
      if (is_folder(sub)) add(sub, "");
    }
  }
  rebuild_ = false;
}

bool ChangeWatch::changed() noexcept {
  if (fd_ < 0) return true;
  bool changed = false;
  alignas(inotify_event) char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // EAGAIN: nothing more queued
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if (e->mask & IN_Q_OVERFLOW) {
        changed = rebuild_ = true;
        continue;
      }
      const auto it = filters_.find(e->wd);
      if (it == filters_.end()) continue;
      if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        changed = rebuild_ = true;
        continue;
      }
      const std::string name = e->len ? std::string(e->name, ::strnlen(e->name, e->len)) : std::string();
      if (it->second.count("") || it->second.count(name)) {
        changed = true;
        // A folder made, deleted or renamed in a tree (or a tree's folder
        // appearing in its parent): the watches must follow.
        if (e->mask & IN_ISDIR) rebuild_ = true;
      }
    }
  }
  if (rebuild_) {
    rebuild();
    return true;
  }
  return changed;
}

}  // namespace pairkit
