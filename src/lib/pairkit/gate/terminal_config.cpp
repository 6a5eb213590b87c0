// Reading a terminal's configuration folder on each request, so that an
// operator's edits reach the next poll without a reload.
#include "pairkit/gate/terminal_config.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <vector>

#include <openssl/evp.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::gate {

namespace {

bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::string base64(const std::vector<uint8_t>& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

nlohmann::json terminal_config(const GateConfig& config, const std::string& serial) {
  nlohmann::json doc = {{"serial", serial}, {"files", nlohmann::json::array()}};
  if (!config.master_address.empty())
    doc["master"] = {{"address", config.master_address}, {"fingerprint", config.master_fingerprint}};
  std::string dir = config.config_dir + "/" + serial;
  if (!is_dir(dir)) dir = config.config_dir + "/default";
  if (!is_dir(dir)) return doc;

  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) throw InputError("cannot read the configuration folder " + dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get()))
    if (plain_name(e->d_name)) names.emplace_back(e->d_name);
  std::sort(names.begin(), names.end());
  size_t total = 0, count = 0;
  for (const auto& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (++count > kMaxConfigFiles)
      throw InputError("the configuration folder " + dir + " has more than " + std::to_string(kMaxConfigFiles) + " files");
    auto data = read_file(path, kMaxConfigBytes + 1);
    total += data.size();
    if (total > kMaxConfigBytes)
      throw InputError("the configuration folder " + dir + " holds more than 1 MiB");
    doc["files"].push_back(
        {{"name", name}, {"mode", (st.st_mode & S_IROTH) ? "0644" : "0600"}, {"data_base64", base64(data)}});
  }
  return doc;
}

}  // namespace pairkit::gate
