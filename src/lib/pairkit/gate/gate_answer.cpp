// Strict parsing of a gate's JSON answers: every field typed and bounded,
// every file name checked, before anything reaches the device's disk.
#include "pairkit/gate/gate_answer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"

namespace pairkit::gate {

namespace {

using json = nlohmann::json;

// What a gate says ends up on a terminal's screen: one line, printable only.
std::string printable(std::string_view text, size_t max_len) {
  std::string out;
  for (const char ch : text.substr(0, text.find('\n'))) {
    if (out.size() >= max_len) break;
    if (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f) out += ch;
  }
  return out;
}

[[noreturn]] void bad(const std::string& why) { throw InputError("the gate's answer is malformed: " + why); }

json parse_object(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) bad("not JSON");
  if (!doc.is_object()) bad("not a JSON object");
  return doc;
}

std::string text_field(const json& obj, const char* key, bool required, size_t max_len = 256) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) bad(std::string("no \"") + key + "\"");
    return {};
  }
  if (!it->is_string()) bad(std::string("\"") + key + "\" is not a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_len) bad(std::string("\"") + key + "\" is longer than " + std::to_string(max_len));
  return s;
}

// Strict standard base64 (RFC 4648 section 4) with padding.
std::vector<uint8_t> decode_base64(const std::string& text, const std::string& what) {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  if (text.size() % 4) bad(what + " is not base64");
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad || (v[k] = table[static_cast<unsigned char>(c)]) < 0) {
        bad(what + " is not base64");
      }
    }
    const uint32_t n = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
    out.push_back(uint8_t(n >> 16));
    if (pad < 2) out.push_back(uint8_t(n >> 8));
    if (pad < 1) out.push_back(uint8_t(n));
  }
  return out;
}

TerminalConfig config_from(const json& obj) {
  if (!obj.is_object()) bad("\"config\" is not an object");
  TerminalConfig c;
  c.serial = text_field(obj, "serial", true, 64);
  if (const auto m = obj.find("master"); m != obj.end() && !m->is_null()) {
    if (!m->is_object()) bad("\"master\" is not an object");
    c.master_address = text_field(*m, "address", true);
    c.master_fingerprint = crypto::normalize_sha256_colon(text_field(*m, "fingerprint", true));
    if (c.master_fingerprint.empty()) bad("master's \"fingerprint\" is not a SHA-256 fingerprint");
  }
  const auto files = obj.find("files");
  if (files == obj.end() || files->is_null()) return c;
  if (!files->is_array()) bad("\"files\" is not an array");
  if (files->size() > kMaxConfigFiles) bad("more than " + std::to_string(kMaxConfigFiles) + " files");
  size_t total = 0;
  for (const auto& f : *files) {
    if (!f.is_object()) bad("a file is not an object");
    ConfigFile file;
    file.name = text_field(f, "name", true);
    try {
      check_config_file_name(file.name);
    } catch (const InputError& e) {
      bad(e.what());
    }
    for (const auto& seen : c.files)
      if (seen.name == file.name) bad("the file '" + file.name + "' comes twice");
    const std::string mode = text_field(f, "mode", true);
    if (mode != "0600" && mode != "0644") bad("the mode of '" + file.name + "' is '" + printable(mode, 8) + "', not 0600 or 0644");
    file.mode = mode == "0600" ? 0600 : 0644;
    file.data = decode_base64(text_field(f, "data_base64", true, kMaxConfigBytes * 4 / 3 + 4),
                              "the data of '" + file.name + "'");
    total += file.data.size();
    if (total > kMaxConfigBytes) bad("the files are larger than " + std::to_string(kMaxConfigBytes) + " bytes in all");
    c.files.push_back(std::move(file));
  }
  return c;
}

}  // namespace

void check_config_file_name(const std::string& name) {
  if (name.empty() || name.size() > 128)
    throw InputError("the file name '" + printable(name, 128) + "' is empty or longer than 128 characters");
  if (name.front() == '.') throw InputError("the file name '" + printable(name, 128) + "' starts with a dot");
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
      throw InputError("the file name '" + printable(name, 128) +
                       "' has a character other than letters, digits, '.', '_' and '-'");
  }
}

PairAnswer parse_pair_answer(std::string_view body) {
  const json doc = parse_object(body);
  PairAnswer a;
  const auto id = doc.find("id");
  if (id == doc.end() || !id->is_number_integer() || id->get<int64_t>() <= 0) bad("no positive integer \"id\"");
  a.id = id->get<int64_t>();
  a.state = text_field(doc, "state", true, 16);
  a.serial = text_field(doc, "serial", false, 64);
  if (a.state == "pending") {
    a.nonce = text_field(doc, "nonce", true, 64);
    if (a.nonce.size() != 32 || !std::all_of(a.nonce.begin(), a.nonce.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      bad("\"nonce\" is not 32 hex digits");
    a.expires_at = text_field(doc, "expires_at", false, 64);
  } else if (a.state == "paired") {
    a.approved_by = text_field(doc, "approved_by", false);
    const auto cfg = doc.find("config");
    if (cfg == doc.end()) bad("a paired answer without \"config\"");
    a.config = config_from(*cfg);
  } else if (a.state == "closed" || a.state == "unpaired") {
    a.message = text_field(doc, "message", false, 1024);
  } else {
    bad("unknown state \"" + printable(a.state, 16) + "\"");
  }
  return a;
}

TerminalConfig parse_terminal_config(std::string_view body) { return config_from(parse_object(body)); }

GateError parse_gate_error(std::string_view body) {
  GateError e;
  const json doc = json::parse(body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    const auto err = doc.find("error");
    if (err != doc.end() && err->is_object()) {
      const auto code = err->find("code");
      const auto message = err->find("message");
      if (code != err->end() && code->is_string()) e.code = code->get<std::string>().substr(0, 64);
      if (message != err->end() && message->is_string()) body = message->get_ref<const std::string&>();
    }
  }
  e.message = printable(body, 200);
  return e;
}

}  // namespace pairkit::gate
