// The answers to GET /v1/pair/{id} as last read, per worker: a terminal that
// polls every few seconds, or a flood of polls, costs no registry read while
// nothing changed (pairkit-gate(1), LIMITS).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "pairkit/core/change_watch.hpp"
#include "pairkit/core/database.hpp"
#include "pairkit/gate/handler.hpp"

namespace pairkit::gate {

class PollCache {
public:
  /// An answer is kept this long at most: last_seen_at moves on by the
  /// second, and an expiry is noticed this late at most.
  static constexpr std::chrono::seconds kFresh{1};
  /// Entries at most; a full cache starts again empty.
  static constexpr size_t kMaxEntries = 4096;

  /// Watches the configuration folder (its files shape a paired terminal's
  /// answer). Watching the same again changes nothing.
  void watch(const std::string& config_dir);
  /// The answer cached for this request and certificate, unless the
  /// registry's stamp (Registry::change_stamp) moved or the configuration
  /// changed since it was read, or it is older than kFresh.
  const HttpResponse* find(int64_t id, const std::string& fingerprint, const db::ChangeStamp& registry);
  /// Keeps an answer read under the `registry` stamp for at most `fresh_for`
  /// (capped at kFresh).
  void put(int64_t id, const std::string& fingerprint, const HttpResponse& answer,
           std::chrono::steady_clock::duration fresh_for, const db::ChangeStamp& registry);
  /// Drops every answer (a reload changed what they hold).
  void clear() { entries_.clear(); }

private:
  struct Entry {
    std::string fingerprint;
    HttpResponse answer;
    std::chrono::steady_clock::time_point until;
  };
  /// Empties the cache when the registry moved past what it holds.
  void align(const db::ChangeStamp& registry);

  std::unique_ptr<ChangeWatch> watch_;
  std::string watched_;
  db::ChangeStamp stamp_;
  std::unordered_map<int64_t, Entry> entries_;
};

}  // namespace pairkit::gate
