// Pin store: TOML read/write, fingerprint forms, locked read-modify-write.
#include "pairkit/pairing/pin_store.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <botan/base64.h>
#include <toml++/toml.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/toml_file.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/fingerprint.hpp"

namespace pairkit::pairing {

namespace {

bool is_spki_pin(const std::string& fp) { return fp.rfind("sha256//", 0) == 0; }

std::string quoted(const std::string& s) {
  std::ostringstream os;
  os << toml::value<std::string>(s);
  return os.str();
}

std::string render(const std::vector<Pin>& pins) {
  std::string out =
      "# pairkit pin store: the servers this device trusts, one [[pin]] each.\n"
      "# fingerprint: certificate SHA-256 (colon hex) or SPKI pin (sha256//base64).\n";
  for (const auto& p : pins) {
    out += "\n[[pin]]\nname = " + quoted(p.name) + "\n";
    if (!p.address.empty()) out += "address = " + quoted(p.address) + "\n";
    out += "fingerprint = " + quoted(p.fingerprint) + "\n";
    out += "added = " + quoted(format_time(p.added)) + "\n";
    out += "how = " + quoted(p.how) + "\n";
  }
  return out;
}

void save(const std::string& path, std::vector<Pin> pins) {
  std::sort(pins.begin(), pins.end(), [](const Pin& a, const Pin& b) { return a.name < b.name; });
  write_file_atomic(path, render(pins), {kPublicFileMode, true});
}

std::string lock_path(const std::string& path) { return path + ".lock"; }

}  // namespace

std::string normalize_pin_fingerprint(const std::string& text) {
  if (is_spki_pin(text)) {
    const std::string b64 = text.substr(8);
    try {
      if (Botan::base64_decode(b64).size() == 32 && b64.size() == 44) return text;
    } catch (const std::exception&) {
    }
    throw UsageError("'" + text + "' is not an SPKI pin (sha256// and the base64 of 32 bytes)");
  }
  std::string out = crypto::normalize_sha256_colon(text);
  if (out.empty())
    throw UsageError("'" + text + "' is neither a SHA-256 certificate fingerprint (64 hex digits) nor an SPKI pin "
                     "(sha256//...)");
  return out;
}

std::string fingerprint_like(const std::string& like, const Botan::X509_Certificate& cert) {
  if (is_spki_pin(like)) return crypto::spki_pin(cert.subject_public_key_info());
  return crypto::fingerprint(cert.BER_encode(), crypto::HashAlg::sha256, crypto::FpFormat::colon);
}

bool pin_matches(const std::string& fingerprint, const Botan::X509_Certificate& cert) {
  return fingerprint_like(fingerprint, cert) == fingerprint;
}

void require_pin_match(const Pin& pin, const Botan::X509_Certificate& cert, const std::string& source) {
  if (pin_matches(pin.fingerprint, cert)) return;
  const bool spki = is_spki_pin(pin.fingerprint);
  const std::string prefix = spki ? "" : "SHA256:";
  throw CheckFailed(std::string(spki ? "SPKI pin" : "fingerprint") + " of " + source + " is " + prefix +
                    fingerprint_like(pin.fingerprint, cert) + ", pin '" + pin.name + "' expects " + prefix +
                    pin.fingerprint);
}

void check_pin_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!ok) throw UsageError("pin name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
}

void check_address(const std::string& address) {
  const auto colon = address.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < address.size();
  if (ok) {
    const std::string port = address.substr(colon + 1);
    ok = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
         std::stoi(port) > 0 && std::stoi(port) < 65536;
    const std::string host = address.substr(0, colon);
    if (host.find(':') != std::string::npos) ok = ok && host.front() == '[' && host.back() == ']';
  }
  if (!ok) throw UsageError("address '" + address + "' is not HOST:PORT (IPv6: [ADDR]:PORT)");
}

namespace {

std::vector<Pin> pins_from_table(const toml::table& t, const std::string& path) {
  for (const auto& [key, value] : t)
    if (key != "pin") throw InputError(path + ": unknown key '" + std::string(key.str()) + "' (expected [[pin]] tables)");
  std::vector<Pin> pins;
  const auto* arr = t["pin"].as_array();
  if (t.contains("pin") && (!arr || !arr->is_array_of_tables()))
    throw InputError(path + ": 'pin' must be an array of tables ([[pin]])");
  if (!arr) return pins;
  FixedClock unused(TimePoint{});
  for (size_t i = 0; i < arr->size(); ++i) {
    const auto& pt = *arr->get(i)->as_table();
    const std::string where = path + ": pin #" + std::to_string(i + 1);
    auto str = [&](const char* key, bool required) -> std::string {
      const auto* node = pt.get(key);
      if (!node) {
        if (required) throw InputError(where + " lacks '" + key + "'");
        return {};
      }
      auto v = node->value<std::string>();
      if (!v) throw InputError(where + ": '" + key + "' must be a string");
      return *v;
    };
    Pin p;
    p.name = str("name", true);
    p.address = str("address", false);
    p.fingerprint = str("fingerprint", true);
    p.how = str("how", false);
    const std::string added = str("added", true);
    try {
      check_pin_name(p.name);
      if (!p.address.empty()) check_address(p.address);
      if (normalize_pin_fingerprint(p.fingerprint) != p.fingerprint)
        throw UsageError("fingerprint '" + p.fingerprint + "' is not in stored form");
      p.added = parse_time(added, unused);
    } catch (const UsageError& e) {
      throw InputError(where + ": " + e.what());
    }
    if (find_pin(pins, p.name)) throw InputError(where + ": name '" + p.name + "' appears twice");
    pins.push_back(p);
  }
  std::sort(pins.begin(), pins.end(), [](const Pin& a, const Pin& b) { return a.name < b.name; });
  return pins;
}

}  // namespace

std::vector<Pin> load_pins(const std::string& path) {
  if (!path_exists(path)) return {};
  const toml::table t = read_toml_file(path, limits::kPinStore);
  return pins_from_table(t, path);
}

std::vector<Pin> parse_pins(std::string_view text, const std::string& name) {
  return pins_from_table(parse_toml(text, name), name);
}

std::optional<Pin> find_pin(const std::vector<Pin>& pins, const std::string& name) {
  for (const auto& p : pins)
    if (p.name == name) return p;
  return std::nullopt;
}

AddResult add_pin(const std::string& path, const Pin& pin, bool force) {
  FileLock lock(lock_path(path));
  auto pins = load_pins(path);
  AddResult result;
  auto it = std::find_if(pins.begin(), pins.end(), [&](const Pin& p) { return p.name == pin.name; });
  if (it != pins.end()) {
    std::string change;
    if (it->fingerprint != pin.fingerprint) change += "fingerprint " + it->fingerprint + " -> " + pin.fingerprint;
    if (it->address != pin.address)
      change += (change.empty() ? "" : ", ") + std::string("address ") + (it->address.empty() ? "(none)" : it->address) +
                " -> " + (pin.address.empty() ? "(none)" : pin.address);
    if (change.empty()) return {AddResult::unchanged, {}};
    if (!force)
      throw InputError("pin '" + pin.name + "' in " + path + " exists; re-pinning would change " + change +
                       " (use --force if this server really changed)");
    *it = pin;
    result = {AddResult::replaced, change};
  } else {
    pins.push_back(pin);
  }
  save(path, pins);
  return result;
}

std::pair<Pin, bool> add_pin_if_absent(const std::string& path, const Pin& pin) {
  FileLock lock(lock_path(path));
  auto pins = load_pins(path);
  if (auto existing = find_pin(pins, pin.name)) return {*existing, false};
  pins.push_back(pin);
  save(path, pins);
  return {pin, true};
}

void remove_pin(const std::string& path, const std::string& name) {
  FileLock lock(lock_path(path));
  auto pins = load_pins(path);
  const auto before = pins.size();
  std::erase_if(pins, [&](const Pin& p) { return p.name == name; });
  if (pins.size() == before) throw InputError("no pin named '" + name + "' in " + path);
  save(path, pins);
}

}  // namespace pairkit::pairing
