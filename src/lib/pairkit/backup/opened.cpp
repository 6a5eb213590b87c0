// Opening a restore point for reading (see opened.hpp).
#include "pairkit/backup/opened.hpp"

#include <cstring>

#include "pairkit/core/files.hpp"

namespace pairkit::backup {

Identities read_identity_files(const std::vector<std::string>& paths) {
  Identities ids;
  for (const auto& p : paths) {
    const auto bytes = read_file(p, 1 << 20);
    for (auto& id : X25519Identity::parse_file(std::string(bytes.begin(), bytes.end()), p))
      ids.push_back(std::make_unique<X25519Identity>(std::move(id)));
  }
  return ids;
}

OpenedBackup::OpenedBackup(const std::string& path, std::string name, const std::function<Identities()>& identities)
    : name_(std::move(name)), file_(path), peek_(file_), ids_(identities()) {
  std::vector<const Identity*> ptrs;
  for (const auto& i : ids_) ptrs.push_back(i.get());
  const auto head = peek_.peek(std::strlen(kArmorHeader));
  ByteSource* src = &peek_;
  if (std::string(head.begin(), head.end()) == kArmorHeader) {
    armor_.emplace(peek_);
    src = &*armor_;
  }
  wrap([&] { reader_.emplace(*src, ptrs); });
}

OpenedBackup::~OpenedBackup() = default;

}  // namespace pairkit::backup
