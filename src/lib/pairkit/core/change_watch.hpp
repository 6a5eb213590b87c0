// Whether files changed since the last look: Linux inotify, read without
// waiting, so that a cache in front of them costs one system call to check.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pairkit {

/// Watches named files (through their folders, so that a file replaced or
/// made anew is still seen) and folder trees (a folder and the folders in
/// it). Every change made through write(), rename(), create or delete
/// before changed() is called is reported by that call: inotify queues the
/// event inside the writer's system call. Changes made through a shared
/// mapping are not seen; SQLite writes its database and WAL with pwrite().
/// Not thread-safe: one watch per thread.
class ChangeWatch {
public:
  ChangeWatch(std::vector<std::string> files, std::vector<std::string> trees);
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  /// True when something watched changed since the previous call, and also
  /// whenever the watch cannot tell: on the first call, when inotify is
  /// unavailable or its queue overflowed, when a watched folder went away.
  bool changed() noexcept;

private:
  void rebuild() noexcept;
  void add(const std::string& folder, const std::string& only_name) noexcept;

  std::vector<std::string> files_, trees_;
  int fd_ = -1;
  bool rebuild_ = true;
  /// Per watch descriptor: the names that count in it (empty: all of them).
  std::map<int, std::set<std::string>> filters_;
};

}  // namespace pairkit
