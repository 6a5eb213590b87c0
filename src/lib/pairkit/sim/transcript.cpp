// Transcript formatting. Byte-identical for the same script and seed: nothing
// here reads a clock or an address.
#include "pairkit/sim/transcript.hpp"

#include <sstream>

#include <botan/base64.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/sim/apdu.hpp"

namespace pairkit::sim {

namespace {

std::string yes(bool b) { return b ? "yes" : "no"; }

std::string response_comment(const Bytes& cmd, const Bytes& resp) {
  const uint16_t s = status_of(resp);
  std::string c = sw_meaning(s);
  const size_t n = resp.size() - 2;
  if (s == sw::ok && n && cmd.size() > 1) {
    switch (cmd[1]) {
      case ins::personalize_keys: case ins::exchange_keys: c += ": K_c"; break;
      case ins::exchange_meta:
        c += ": card " + std::to_string(get_u32(resp, 0)) + ", expires " +
             format_time(TimePoint(std::chrono::seconds(get_u32(resp, 4)))) + ", counter " +
             std::to_string(get_u32(resp, 8));
        break;
      case ins::exchange_sigs: c += ": S_c"; break;
      case ins::active_auth: c += ": S2"; break;
      case ins::reload_auth: case ins::pay_debit: c += ": S4"; break;
      case ins::block: c += ": Sb'"; break;
      default: break;
    }
  }
  return c;
}

std::string command_comment(const Bytes& cmd) {
  if (cmd.size() < 2) return "short APDU";
  std::string c = ins_name(cmd[1]);
  const auto p = parse_command(cmd);
  if (p && p->ins == ins::send_amount && p->data.size() == 4) c += " " + std::to_string(get_u32(p->data, 0));
  if (p && p->ins == ins::exchange_meta && p->data.size() == 16)
    c += ": terminal " + std::to_string(get_u32(p->data, 0)) + ", counter " + std::to_string(get_u32(p->data, 8)) +
         ", time " + format_time(TimePoint(std::chrono::seconds(get_u32(p->data, 12))));
  if (p && p->ins == ins::exchange_sigs) c += p->p2 == 0x02 ? " (POS)" : p->p2 == 0x03 ? " (reload)" : "";
  return c;
}

std::string result_line(const StepReport& s) {
  std::string line = "-- outcome " + outcome_name(s.outcome);
  line += "; sw " + (s.last_sw ? sw_hex(*s.last_sw) : std::string("none"));
  if (s.balance) line += "; balance " + std::to_string(*s.balance);
  if (s.counter) line += "; counter " + std::to_string(*s.counter);
  if (s.blocked) line += "; blocked " + yes(*s.blocked);
  line += "; logged " + yes(s.logged);
  return line;
}

}  // namespace

std::string text_transcript(const ScriptReport& rep) {
  std::ostringstream o;
  o << "# pairkit sim: " << rep.file << " (profile " << profile_name(rep.profile) << ", seed " << rep.seed << ")\n";
  for (const auto& s : rep.steps) {
    o << "\n== step " << s.index << " (line " << s.step.line << ", " << format_time(s.time) << "): " << s.title
      << "\n";
    for (const auto& ex : s.apdus) {
      for (const auto& f : ex.faults) o << "!! " << f << "\n";
      o << "> " << hex(ex.command) << "  # " << command_comment(ex.command) << "\n";
      if (ex.response) o << "< " << hex(*ex.response) << "  # " << response_comment(ex.command, *ex.response) << "\n";
      else if (ex.lost) o << "!! lost response: " << hex(*ex.lost) << " (" << sw_meaning(status_of(*ex.lost)) << ")\n";
    }
    for (const auto& n : s.notes) o << "-- " << n << "\n";
    if (!s.reason.empty()) o << "-- " << outcome_name(s.outcome) << ": " << s.reason << "\n";
    o << result_line(s) << "\n";
    for (const auto& f : s.failures) o << "-- EXPECTATION FAILED: " << f << "\n";
  }
  o << "\n# " << (rep.passed() ? "all expectations hold" : "expectations FAILED") << "\n";
  return o.str();
}

nlohmann::json json_transcript(const ScriptReport& rep) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : rep.steps) {
    nlohmann::json apdus = nlohmann::json::array();
    for (const auto& ex : s.apdus) {
      nlohmann::json a{{"command", hex(ex.command, false)},
                       {"ins", hex(Bytes{ex.command.size() > 1 ? ex.command[1] : uint8_t(0)}, false)},
                       {"meaning", command_comment(ex.command)},
                       {"delivered", ex.delivered},
                       {"response", ex.response ? nlohmann::json(hex(*ex.response, false)) : nlohmann::json()},
                       {"faults", ex.faults}};
      if (ex.response && ex.response->size() >= 2) a["sw"] = sw_hex(status_of(*ex.response));
      if (ex.lost) a["lost_response"] = hex(*ex.lost, false);
      apdus.push_back(std::move(a));
    }
    nlohmann::json j{{"index", s.index},
                     {"line", s.step.line},
                     {"do", s.step.action},
                     {"title", s.title},
                     {"time", format_time(s.time)},
                     {"apdus", std::move(apdus)},
                     {"notes", s.notes},
                     {"outcome", outcome_name(s.outcome)},
                     {"reason", s.reason},
                     {"sw", s.last_sw ? nlohmann::json(sw_hex(*s.last_sw)) : nlohmann::json()},
                     {"logged", s.logged},
                     {"failures", s.failures}};
    if (!s.step.name.empty()) j["name"] = s.step.name;
    if (s.balance) j["balance"] = *s.balance;
    if (s.counter) j["counter"] = *s.counter;
    if (s.blocked) j["blocked"] = *s.blocked;
    steps.push_back(std::move(j));
  }
  return {{"file", rep.file},
          {"profile", profile_name(rep.profile)},
          {"seed", rep.seed},
          {"backend_pub", hex(rep.backend_pub, false)},
          {"passed", rep.passed()},
          {"steps", std::move(steps)}};
}

nlohmann::json xfs4iot_transcript(const ScriptReport& rep, int& next_request_id) {
  nlohmann::json out = nlohmann::json::array();
  const auto b64 = [](const Bytes& b) { return Botan::base64_encode(b.data(), b.size()); };
  for (const auto& s : rep.steps) {
    for (const auto& ex : s.apdus) {
      const int id = next_request_id++;
      out.push_back({{"header", {{"type", "command"}, {"name", "CardReader.ChipIO"}, {"version", "2.0"}, {"requestId", id}}},
                     {"payload", {{"timeout", 5000}, {"chipProtocol", "chipT1"}, {"chipData", b64(ex.command)}}}});
      // A torn card is a hardware error; a dropped response a time-out.
      const char* code = ex.response ? "success" : ex.dropped ? "timeOut" : "hardwareError";
      nlohmann::json completion{{"header",
                                 {{"type", "completion"}, {"name", "CardReader.ChipIO"}, {"version", "2.0"},
                                  {"requestId", id}, {"completionCode", code}}}};
      if (ex.response) completion["payload"] = {{"chipProtocol", "chipT1"}, {"chipData", b64(*ex.response)}};
      else completion["payload"] = {{"errorDescription", ex.faults.empty() ? "no response" : ex.faults.back()}};
      out.push_back(std::move(completion));
    }
  }
  return out;
}

}  // namespace pairkit::sim
