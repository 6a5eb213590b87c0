// Terminal log verification (see log_verify.hpp).
#include "pairkit/sim/log_verify.hpp"

#include <nlohmann/json.hpp>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/sim/terminal.hpp"

namespace pairkit::sim {

BackendKey load_backend_key(const std::vector<uint8_t>& spki, const std::string& name) {
  const auto key = crypto::load_public_key(spki, name);
  const auto kind = profile_for_key(*key);
  if (!kind) throw InputError(name + " holds a " + key->algo_name() + " key; the back end uses RSA or Ed25519");
  const Profile profile(*kind);
  return {profile, profile.raw_public(*key)};
}

size_t verify_log(const BackendKey& key, std::string_view log, const std::string& name) {
  size_t line_no = 0, records = 0;
  while (!log.empty()) {
    const auto eol = log.find('\n');
    const std::string_view line = log.substr(0, eol);
    log.remove_prefix(eol == std::string_view::npos ? log.size() : eol + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = name + ":" + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(where + ": not JSON (" + std::string(e.what()) + ")");
    }
    const auto rec = log_record_from_json(j, where);
    ++records;
    const std::string why = verify_record(rec, key.profile, key.raw);
    if (!why.empty())
      throw CheckFailed(where + ": record " + std::to_string(records) + " (" + rec.kind + ", card " +
                        std::to_string(rec.card_id) + ", counter " + std::to_string(rec.card_counter) + ") is bad: " +
                        why);
  }
  return records;
}

}  // namespace pairkit::sim
