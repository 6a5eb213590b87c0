// gate.toml, parsed strictly: every key known, every value checked.
#include "pairkit/gate/gate_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>

#include <arpa/inet.h>

#include "pairkit/core/config_file.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/layout.hpp"

namespace pairkit::gate {

namespace {

std::string in_dir(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find(':') != std::string::npos) return path;  // absolute or a URL
  return dir + "/" + path;
}

/// [check] listen: a loopback address and port, or a unix socket, since
/// whoever reaches the listener may vouch for any certificate.
void check_local_listen(const std::string& name, const std::string& v) {
  const std::string key = name + ": check.listen";
  if (v.rfind("unix:", 0) == 0) {
    if (v.size() < 7 || v[5] != '/') throw InputError(key + " '" + v + "': a unix socket needs an absolute path (unix:/run/pairkit-gate/check.sock)");
    return;
  }
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) throw InputError(key + " '" + v + "' is not HOST:PORT or unix:PATH");
  std::string host = v.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  unsigned char addr[16];
  const bool v4 = !bracketed && inet_pton(AF_INET, host.c_str(), addr) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, host.c_str(), addr) == 1;
  const bool loopback = (v4 && addr[0] == 127) || (v6 && std::all_of(addr, addr + 15, [](unsigned char b) { return b == 0; }) && addr[15] == 1);
  if (!loopback)
    throw InputError(key + " '" + v + "': only a loopback address (127.0.0.1, [::1]) or a unix socket; a proxy that forwards certificates must be local");
}

bool header_name(const std::string& v) {
  if (v.empty() || v.size() > 64) return false;
  for (const char c : v)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace

std::string crl_path(const GateConfig& config) {
  if (config.ca_dir.empty() && config.crl.file.front() != '/') return {};
  return in_dir(config.ca_dir, config.crl.file);
}

GateConfig parse_gate_config(std::string_view text, const std::string& name, const std::string& server_dir) {
  GateConfig c;
  c.server_dir = server_dir;
  c.registry = server_dir + "/" + device::kRegistryFile;
  c.config_dir = server_dir + "/config";
  std::string master_cert;

  using Setter = std::function<void(const std::string& key, const std::string& value)>;
  auto text_of = [](std::string* out) -> Setter { return [out](const std::string&, const std::string& v) { *out = v; }; };
  auto flag_of = [&name](bool* out) -> Setter {
    return [&name, out](const std::string& key, const std::string& v) {
      if (v != "true" && v != "false") throw InputError(name + ": " + key + " must be true or false, not '" + v + "'");
      *out = v == "true";
    };
  };
  auto seconds_of = [&name](std::chrono::seconds* out) -> Setter {
    return [&name, out](const std::string& key, const std::string& v) {
      try {
        *out = parse_duration(v);
      } catch (const UsageError& e) {
        throw InputError(name + ": " + key + ": " + e.what());
      }
    };
  };
  auto millis_of = [&name](std::chrono::milliseconds* out) -> Setter {
    return [&name, out](const std::string& key, const std::string& v) {
      try {
        *out = parse_duration(v);
      } catch (const UsageError& e) {
        throw InputError(name + ": " + key + ": " + e.what());
      }
    };
  };
  auto count_of = [&name](auto* out, long long lo, long long hi) -> Setter {
    return [&name, out, lo, hi](const std::string& key, const std::string& v) {
      long long n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi)
        throw InputError(name + ": " + key + " must be a whole number from " + std::to_string(lo) + " to " +
                         std::to_string(hi) + ", not '" + v + "'");
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(n);
    };
  };

  const std::map<std::string, Setter> keys = {
      {"gate.listen", text_of(&c.listen)},
      {"gate.public_address", text_of(&c.public_address)},
      {"gate.registry", [&](const std::string&, const std::string& v) { c.registry = in_dir(server_dir, v); }},
      {"gate.config_dir", [&](const std::string&, const std::string& v) { c.config_dir = in_dir(server_dir, v); }},
      {"gate.ca", [&](const std::string&, const std::string& v) { c.ca_dir = in_dir(server_dir, v); }},
      {"gate.require_expected", flag_of(&c.require_expected)},
      {"gate.auto_approve_expected", flag_of(&c.auto_approve_expected)},
      {"gate.keep_answers", flag_of(&c.keep_answers)},
      {"gate.log_format",
       [&](const std::string& key, const std::string& v) {
         if (v != "text" && v != "json") throw InputError(name + ": " + key + " must be \"text\" or \"json\", not '" + v + "'");
         c.log_format = v == "json" ? LogFormat::json : LogFormat::text;
       }},
      {"gate.request_lifetime", seconds_of(&c.request_lifetime)},
      {"gate.poll_interval", seconds_of(&c.poll_interval)},
      {"invites.valid_for", seconds_of(&c.invite_valid_for)},
      {"est.passphrase_file", [&](const std::string&, const std::string& v) { c.est.passphrase_file = in_dir(server_dir, v); }},
      {"est.valid_for",
       [&](const std::string& key, const std::string& v) {
         std::chrono::seconds d{0};
         seconds_of(&d)(key, v);
         if (d <= std::chrono::seconds(0)) throw InputError(name + ": " + key + " must be longer than 0s");
         c.est.valid_for = d;
       }},
      {"est.revoke_on_renew", flag_of(&c.est.revoke_on_renew)},
      {"est.expired_grace",
       [&](const std::string& key, const std::string& v) {
         // No grace is the default, and "0s" must say so (parse_duration takes positive durations only).
         const auto digits = v.substr(0, v.find_first_not_of("0123456789"));
         const auto unit = v.substr(digits.size());
         if (!digits.empty() && digits.find_first_not_of('0') == std::string::npos &&
             (unit.empty() || (unit.size() == 1 && std::string_view("smhdw").find(unit[0]) != std::string_view::npos)))
           c.est.expired_grace = std::chrono::seconds(0);
         else
           seconds_of(&c.est.expired_grace)(key, v);
       }},
      {"crl.file",
       [&](const std::string& key, const std::string& v) {
         if (v.empty()) throw InputError(name + ": " + key + " must name a file");
         c.crl.file = v;
       }},
      {"crl.refresh_before", seconds_of(&c.crl.refresh_before)},
      {"check.listen",
       [&](const std::string&, const std::string& v) {
         check_local_listen(name, v);
         c.check.listen = v;
       }},
      {"check.cert_header",
       [&](const std::string& key, const std::string& v) {
         if (!header_name(v)) throw InputError(name + ": " + key + " '" + v + "' is not a header name (X-SSL-Client-Cert)");
         c.check.cert_header = v;
       }},
      {"master.address", text_of(&c.master_address)},
      {"master.fingerprint",
       [&](const std::string& key, const std::string& v) {
         c.master_fingerprint = crypto::normalize_sha256_colon(v);
         if (c.master_fingerprint.empty())
           throw InputError(name + ": " + key + " is not a SHA-256 fingerprint: '" + v + "'");
       }},
      {"master.cert", [&](const std::string&, const std::string& v) { master_cert = in_dir(server_dir, v); }},
      {"limits.handshake_timeout", millis_of(&c.limits.handshake_timeout)},
      {"limits.idle_timeout", millis_of(&c.limits.idle_timeout)},
      {"limits.body_timeout", millis_of(&c.limits.body_timeout)},
      {"limits.shutdown_grace", millis_of(&c.limits.shutdown_grace)},
      {"limits.registry_timeout", millis_of(&c.limits.registry_timeout)},
      {"limits.max_header_bytes", count_of(&c.limits.max_header_bytes, 1024, 1 << 20)},
      {"limits.max_body_bytes", count_of(&c.limits.max_body_bytes, 1024, 16 << 20)},
      {"limits.max_pending_per_address", count_of(&c.limits.max_pending_per_address, 1, 1'000'000)},
      {"limits.max_pending", count_of(&c.limits.max_pending, 1, 10'000'000)},
      {"limits.max_connections", count_of(&c.limits.max_connections, 1, 1'000'000)},
  };
  for (const auto& [key, values] : parse_config(text, name)) {
    const auto it = keys.find(key);
    if (it == keys.end()) throw InputError(name + ": unknown key '" + key + "' (see pairkit-gate(1), THE SERVER FOLDER)");
    if (values.size() != 1) throw InputError(name + ": " + key + " takes one value, not an array");
    it->second(key, values.front());
  }
  if (!master_cert.empty()) {
    const auto der = crypto::load_certificate_der(read_file(master_cert, limits::kObject), master_cert);
    const std::string fp = crypto::colon_hex(crypto::digest(crypto::HashAlg::sha256, der));
    if (!c.master_fingerprint.empty() && c.master_fingerprint != fp)
      throw InputError(name + ": master.fingerprint " + c.master_fingerprint + " is not that of master.cert " +
                       master_cert + " (" + fp + ")");
    c.master_fingerprint = fp;
  }
  if (!c.master_fingerprint.empty() && c.master_address.empty())
    throw InputError(name + ": [master] needs an address with its fingerprint");
  return c;
}

GateConfig read_gate_config(const std::string& server_dir) {
  const std::string path = server_dir + "/" + kGateConfigFile;
  if (!path_exists(path)) return parse_gate_config("", path, server_dir);
  const auto bytes = read_file(path, limits::kToml);
  return parse_gate_config(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path, server_dir);
}

}  // namespace pairkit::gate
