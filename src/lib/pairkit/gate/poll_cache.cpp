// PollCache: entries dropped all at once on any change, checked with one
// non-blocking read of the worker's inotify queue.
#include "pairkit/gate/poll_cache.hpp"

#include <algorithm>

namespace pairkit::gate {

void PollCache::watch(const std::vector<std::string>& registry_files, const std::string& config_dir) {
  std::vector<std::string> key = registry_files;
  key.push_back(config_dir);
  if (watch_ && key == watched_) return;
  entries_.clear();
  watched_ = std::move(key);
  watch_ = registry_files.empty() ? nullptr : std::make_unique<ChangeWatch>(registry_files, std::vector{config_dir});
}

const HttpResponse* PollCache::find(int64_t id, const std::string& fingerprint) {
  if (!watch_) return nullptr;
  if (watch_->changed()) {
    entries_.clear();
    return nullptr;
  }
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.fingerprint != fingerprint) return nullptr;
  if (std::chrono::steady_clock::now() >= it->second.until) {
    entries_.erase(it);
    return nullptr;
  }
  return &it->second.answer;
}

void PollCache::put(int64_t id, const std::string& fingerprint, const HttpResponse& answer,
                    std::chrono::steady_clock::duration fresh_for) {
  if (!watch_ || fresh_for <= std::chrono::steady_clock::duration::zero()) return;
  if (entries_.size() >= kMaxEntries) entries_.clear();
  const auto until = std::chrono::steady_clock::now() +
                     std::min<std::chrono::steady_clock::duration>(fresh_for, kFresh);
  entries_.insert_or_assign(id, Entry{fingerprint, answer, until});
}

}  // namespace pairkit::gate
