// manifest.toml writing and strict reading.
#include "pairkit/backup/manifest.hpp"

#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/pkcs11_uri.hpp"
#include "pairkit/core/toml_file.hpp"

namespace pairkit::backup {

bool safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f || c == '\\') return false;
  size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

std::string Manifest::to_toml() const {
  toml::array files_arr;
  for (const auto& f : files) {
    toml::table t{{"path", f.path},
                  {"mode", static_cast<int64_t>(f.mode)},
                  {"size", static_cast<int64_t>(f.size)},
                  {"sha256", f.sha256}};
    if (f.sqlite_snapshot) t.insert("sqlite_snapshot", true);
    files_arr.push_back(std::move(t));
  }
  toml::table device{{"serial", serial},
                     {"role", role},
                     {"cert_sha256", cert_sha256},
                     {"spki_pin", spki_pin},
                     {"device_id", device_id}};
  if (!key_uri.empty()) device.insert("key_uri", key_uri);
  toml::table root{{"format", "pairkit-restore-point"},
                   {"format_version", format_version},
                   {"created", format_time(created)},
                   {"tool_version", tool_version},
                   {"device", std::move(device)},
                   {"file", std::move(files_arr)}};
  std::ostringstream os;
  os << "# pairkit restore point manifest\n" << root << "\n";
  return os.str();
}

Manifest Manifest::parse(const std::string& text, const std::string& name) {
  const toml::table t = parse_toml(text, name + ": manifest.toml");
  auto bad = [&](const std::string& why) { return InputError(name + ": manifest.toml " + why); };
  if (t["format"].value<std::string>() != "pairkit-restore-point") throw bad("is not a pairkit manifest");
  Manifest m;
  m.format_version = t["format_version"].value<int>().value_or(0);
  if (m.format_version != kFormatVersion)
    throw bad("has format version " + std::to_string(m.format_version) + "; this pairkit reads version " +
              std::to_string(kFormatVersion));
  auto str = [&](const toml::table* tb, const char* key) {
    if (!tb) throw bad("lacks its [device] table");
    auto s = (*tb)[key].value<std::string>();
    if (!s) throw bad(std::string("lacks '") + key + "'");
    return *s;
  };
  FixedClock unused(TimePoint{});
  try {
    m.created = parse_time(str(&t, "created"), unused);
  } catch (const UsageError& e) {
    throw bad(std::string("has a bad created time: ") + e.what());
  }
  m.tool_version = str(&t, "tool_version");
  const toml::table* dev = t["device"].as_table();
  m.serial = str(dev, "serial");
  m.role = str(dev, "role");
  m.cert_sha256 = str(dev, "cert_sha256");
  m.spki_pin = str(dev, "spki_pin");
  m.device_id = str(dev, "device_id");
  if (auto uri = (*dev)["key_uri"].value<std::string>()) {
    if (!crypto::is_pkcs11_uri(*uri)) throw bad("has a key_uri that is not a pkcs11: URI");
    m.key_uri = *uri;
  }
  const auto* arr = t["file"].as_array();
  if (!arr) throw bad("lists no files");
  std::set<std::string> seen;
  for (const auto& node : *arr) {
    const auto* ft = node.as_table();
    if (!ft) throw bad("has a malformed [[file]] entry");
    ManifestFile f;
    const toml::table& v = *ft;
    auto path = v["path"].value<std::string>();
    auto mode = v["mode"].value<int64_t>();
    auto size = v["size"].value<int64_t>();
    auto sha = v["sha256"].value<std::string>();
    if (!path || !mode || !size || !sha || *size < 0 || sha->size() != 64) throw bad("has a malformed [[file]] entry");
    if (!safe_relative_path(*path) || *path == kManifestName) throw bad("lists an unsafe path '" + *path + "'");
    if (!seen.insert(*path).second) throw bad("lists '" + *path + "' twice");
    f.path = *path;
    f.mode = static_cast<uint32_t>(*mode) & 07777;
    f.size = static_cast<uint64_t>(*size);
    f.sha256 = *sha;
    f.sqlite_snapshot = v["sqlite_snapshot"].value_or(false);
    m.files.push_back(std::move(f));
  }
  return m;
}

const ManifestFile* Manifest::find(const std::string& path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

}  // namespace pairkit::backup
