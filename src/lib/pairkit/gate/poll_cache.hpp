// The answers to GET /v1/pair/{id} as last read, per worker: a terminal that
// polls every few seconds, or a flood of polls, costs no registry read while
// nothing changed (pairkit-gate(1), LIMITS).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pairkit/core/change_watch.hpp"
#include "pairkit/gate/handler.hpp"

namespace pairkit::gate {

class PollCache {
public:
  /// An answer is kept this long at most: last_seen_at moves on by the
  /// second, and an expiry is noticed this late at most.
  static constexpr std::chrono::seconds kFresh{1};
  /// Entries at most; a full cache starts again empty.
  static constexpr size_t kMaxEntries = 4096;

  /// Watches the registry's files and the configuration folder (its files
  /// shape a paired terminal's answer); without registry files nothing is
  /// cached. Watching the same again changes nothing.
  void watch(const std::vector<std::string>& registry_files, const std::string& config_dir);
  /// The answer cached for this request and certificate, unless anything
  /// watched changed since it was read or it is older than kFresh.
  const HttpResponse* find(int64_t id, const std::string& fingerprint);
  /// Keeps an answer for at most `fresh_for` (capped at kFresh).
  void put(int64_t id, const std::string& fingerprint, const HttpResponse& answer,
           std::chrono::steady_clock::duration fresh_for);
  /// Drops every answer (a reload changed what they hold).
  void clear() { entries_.clear(); }

private:
  struct Entry {
    std::string fingerprint;
    HttpResponse answer;
    std::chrono::steady_clock::time_point until;
  };
  std::unique_ptr<ChangeWatch> watch_;
  std::vector<std::string> watched_;
  std::unordered_map<int64_t, Entry> entries_;
};

}  // namespace pairkit::gate
