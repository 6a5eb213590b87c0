// PollCache: entries dropped all at once on any change, checked against the
// registry's stamp and with one non-blocking read of the worker's inotify
// queue for the configuration folder.
#include "pairkit/gate/poll_cache.hpp"

#include <algorithm>

namespace pairkit::gate {

void PollCache::watch(const std::string& config_dir) {
  if (watch_ && config_dir == watched_) return;
  entries_.clear();
  watched_ = config_dir;
  watch_ = std::make_unique<ChangeWatch>(std::vector<std::string>{}, std::vector{config_dir});
}

void PollCache::align(const db::ChangeStamp& registry) {
  if (registry == stamp_) return;
  entries_.clear();
  stamp_ = registry;
}

const HttpResponse* PollCache::find(int64_t id, const std::string& fingerprint, const db::ChangeStamp& registry) {
  if (!watch_) return nullptr;
  align(registry);
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
                    std::chrono::steady_clock::duration fresh_for, const db::ChangeStamp& registry) {
  if (!watch_ || fresh_for <= std::chrono::steady_clock::duration::zero()) return;
  align(registry);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  const auto until = std::chrono::steady_clock::now() +
                     std::min<std::chrono::steady_clock::duration>(fresh_for, kFresh);
  entries_.insert_or_assign(id, Entry{fingerprint, answer, until});
}

}  // namespace pairkit::gate
