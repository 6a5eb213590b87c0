// Restore point creation (one pass into a rewritable output, else two:
// hash, then stream), verification and staged restore.
#include "pairkit/backup/restore_point.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <botan/hash.h>
#include <botan/hex.h>

#include "pairkit/backup/age.hpp"
#include "pairkit/backup/pipeline.hpp"
#include "pairkit/backup/tar.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/file_stream.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/signal_cleanup.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/identity.hpp"

namespace fs = std::filesystem;

namespace pairkit::backup {

namespace {

constexpr size_t kSmallFileMax = 1 << 20;  // key, cert, device.toml, manifest: kept in memory to check
constexpr size_t kIoBuf = 1 << 16;
// Restored files this large are written by a second thread: the write
// system calls cost as much as hashing, which the reading thread does.
constexpr uint64_t kThreadedWriteMin = uint64_t{4} << 20;

std::string errno_text() { return std::strerror(errno); }

bool is_sqlite(const std::string& path) {
  FileSource src(path);
  uint8_t head[16];
  return src.read_full(head) == 16 && std::memcmp(head, "SQLite format 3\0", 16) == 0;
}

// What changes when a file is written, replaced or truncated: compared
// before and after each read so the data archived is the data hashed.
struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

FileStamp stamp_of(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw InputError("cannot stat " + path + ": " + errno_text());
  return stamp_of(st);
}

struct Digest {
  uint64_t size = 0;
  std::string sha256;
  FileStamp stamp;
};

Digest hash_file(const std::string& path) {
  FileSource src(path);
  const FileStamp before = stamp_of(src.fd(), path);
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  std::vector<uint8_t> buf(kIoBuf);
  Digest d;
  size_t n;
  while ((n = src.read(buf)) > 0) {
    h->update(buf.data(), n);
    d.size += n;
  }
  d.sha256 = Botan::hex_encode(h->final(), false);
  d.stamp = stamp_of(src.fd(), path);
  if (!(d.stamp == before) || d.size != static_cast<uint64_t>(before.size))
    throw InputError(path + " changed while being backed up; try again");
  return d;
}

// Checks the key against the certificate; returns false when the key is
// encrypted (no passphrase is asked for).
bool check_key_matches_cert(const std::vector<uint8_t>& key, const std::vector<uint8_t>& cert,
                            const std::string& where) {
  const auto c = crypto::load_certificate(cert, where + device::kCertFile);
  if (crypto::is_encrypted_private_key(key)) return false;
  const auto k = crypto::load_private_key(key, where + device::kKeyFile, std::nullopt);
  const auto key_spki = k->subject_public_key();
  if (key_spki != c.subject_public_key_info())
    throw InputError(where + device::kKeyFile + " does not match " + where + device::kCertFile + ": key " +
                     crypto::spki_pin(key_spki) + ", certificate " + crypto::spki_pin(c.subject_public_key_info()));
  return true;
}

std::string cert_sha256(const std::vector<uint8_t>& cert, const std::string& name) {
  const auto c = crypto::load_certificate(cert, name);
  return crypto::fingerprint(c.BER_encode(), crypto::HashAlg::sha256, crypto::FpFormat::colon);
}

Manifest read_manifest_entry(TarReader& tar, const std::string& name) {
  const std::string not_rp = name + " is an age file but not a pairkit restore point";
  std::optional<TarEntry> e;
  try {
    e = tar.next();
  } catch (const AgeError&) {
    throw;
  } catch (const InputError&) {
    throw InputError(not_rp + " (no tar archive inside)");
  }
  if (!e || e->path != kManifestName || e->type != '0')
    throw InputError(not_rp + " (its first entry is not " + kManifestName + ")");
  if (e->size > kSmallFileMax)
    throw InputError(name + ": refused: " + kManifestName + " declares " + std::to_string(e->size) +
                     " bytes, more than the " + std::to_string(kSmallFileMax) + " a manifest may hold");
  std::string text(e->size, '\0');
  if (tar.read({reinterpret_cast<uint8_t*>(text.data()), text.size()}) != text.size() && e->size)
    throw InputError(name + ": the archive is truncated");
  return Manifest::parse(text, name);
}

std::string compact_time(TimePoint t) {
  std::string s;
  for (char c : format_time(t))
    if (c != '-' && c != ':') s += c;
  return s;
}

struct Source {
  std::string rel;   // path in the archive
  std::string path;  // where to read it now (a snapshot for SQLite files)
  ManifestFile entry;
  FileStamp stamp;   // as it was listed (or hashed)
};

// In two passes, files up to this size are hashed again while archived;
// larger ones are checked by their stamp (size, times, inode) instead:
// SHA-256 is most of the CPU time of a large backup, and restore verifies
// every hash in any case.
constexpr uint64_t kRehashMax = 1 << 20;

}  // namespace

Manifest create_restore_point(const CreateOptions& opts, ByteSink& out, const Clock& clock) {
  const std::string& dir = opts.from;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw InputError("cannot back up " + dir + ": not a folder");
  if (!path_exists(dir + "/" + device::kDeviceFile))
    throw InputError(dir + " holds no device identity (no " + device::kDeviceFile + "; see pairkit device init)");
  const auto id = device::read_identity(dir);
  const std::string where = dir + "/";
  const bool key_in_token = !id.key_uri.empty();
  const auto cert = read_file(where + device::kCertFile, kSmallFileMax);
  if (!key_in_token) check_key_matches_cert(read_file(where + device::kKeyFile, kSmallFileMax), cert, where);
  const std::string fp = cert_sha256(cert, where + device::kCertFile);
  if (fp != id.cert_sha256)
    throw InputError(where + device::kCertFile + " has fingerprint " + fp + ", " + where + device::kDeviceFile +
                     " records " + id.cert_sha256);

  // A key in a token cannot be backed up: device.toml carries its URI.
  std::vector<std::string> rels = {device::kCertFile, device::kDeviceFile};
  if (!key_in_token) rels.insert(rels.begin(), device::kKeyFile);
  for (const char* opt : {device::kPinStoreFile, device::kRegistryFile, device::kConfigFile})  // when present
    if (path_exists(where + opt)) rels.emplace_back(opt);
  for (const auto& inc : opts.includes) {
    std::string rel = inc;
    if (rel.rfind(where, 0) == 0) rel = rel.substr(where.size());
    if (!safe_relative_path(rel) || rel == kManifestName)
      throw UsageError("--include " + inc + ": give a path inside " + dir + " (relative, without '..')");
    if (std::find(rels.begin(), rels.end(), rel) == rels.end()) rels.push_back(rel);
  }

  const std::string scratch = opts.scratch_dir.empty() ? fs::temp_directory_path().string() : opts.scratch_dir;
  sweep_stale_temp_dirs(scratch, ".pairkit-backup-");  // what a SIGKILL left
  TempDir tmp(scratch + "/.pairkit-backup-XXXXXX");
  std::vector<Source> sources;
  int snap = 0;
  for (const auto& rel : rels) {
    Source s{rel, where + rel, {}, {}};
    if (::stat(s.path.c_str(), &st) != 0) throw InputError("cannot back up " + s.path + ": " + errno_text());
    if (!S_ISREG(st.st_mode)) throw InputError("cannot back up " + s.path + ": not a regular file");
    s.entry.path = rel;
    s.entry.mode = st.st_mode & 0777;
    if (is_sqlite(s.path)) {
      const std::string copy = tmp.path() + "/snapshot-" + std::to_string(snap++) + ".db";
      sqlite::snapshot(s.path, copy);
      s.path = copy;
      s.entry.sqlite_snapshot = true;
      if (::stat(s.path.c_str(), &st) != 0) throw InputError("cannot back up " + s.path + ": " + errno_text());
    }
    s.stamp = stamp_of(st);
    s.entry.size = static_cast<uint64_t>(st.st_size);
    s.entry.sha256 = std::string(64, '0');  // a placeholder of the final length
    sources.push_back(std::move(s));
  }

  Manifest m;
  m.created = clock.now();
  m.tool_version = opts.tool_version;
  m.serial = id.serial;
  m.role = device::role_name(id.role);
  m.cert_sha256 = id.cert_sha256;
  m.spki_pin = id.spki_pin;
  m.device_id = id.device_id;
  m.key_uri = id.key_uri;
  auto list_files = [&] {
    m.files.clear();
    for (const auto& s : sources) m.files.push_back(s.entry);
  };
  list_files();
  std::string text = m.to_toml();
  // One pass when the manifest (the first entry, right after its tar header)
  // can be rewritten once every file has been streamed and hashed: its
  // length is known now, as hashes are fixed-length hex. Otherwise (standard
  // output, armor) every file is hashed first.
  const bool one_pass = out.can_rewrite(kTarBlock + text.size());
  if (!one_pass) {
    for (auto& s : sources) {
      const auto d = hash_file(s.path);
      s.entry.size = d.size;
      s.entry.sha256 = d.sha256;
      s.stamp = d.stamp;
    }
    list_files();
    text = m.to_toml();
  }

  TarWriter tar(out);
  const int64_t mtime = m.created.time_since_epoch().count();
  tar.begin({kManifestName, 0600, text.size(), mtime, '0'});
  tar.write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  for (auto& s : sources) {
    tar.begin({s.rel, s.entry.mode, s.entry.size, mtime, '0'});
    FileSource src(s.path);
    const bool hash = one_pass || s.entry.size <= kRehashMax;
    const std::string changed = where + s.rel + " changed while being backed up; try again";
    // The same file (inode), size and times before and after reading: the
    // bytes archived (and hashed) are the file as it was listed.
    if (!(stamp_of(src.fd(), s.path) == s.stamp)) throw InputError(changed);
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    // Read straight into the pipeline's block, and hashed there.
    uint64_t total = 0;
    for (auto space = tar.space(kIoBuf); !space.empty(); space = tar.space(kIoBuf)) {
      const size_t n = src.read(space);
      if (hash) h->update(space.data(), n);
      tar.commit(n);  // hands the block on once full: hashed before that
      if (n == 0) break;
      total += n;
    }
    // One byte more than listed means the file grew.
    uint8_t more;
    if (total != s.entry.size || src.read({&more, 1}) != 0 || !(stamp_of(src.fd(), s.path) == s.stamp))
      throw InputError(changed);
    if (hash) {
      const std::string got = Botan::hex_encode(h->final(), false);
      if (one_pass)
        s.entry.sha256 = got;
      else if (got != s.entry.sha256)
        throw InputError(changed);
    }
  }
  tar.finish();
  if (one_pass) {
    list_files();
    const std::string final_text = m.to_toml();
    if (final_text.size() != text.size()) throw std::logic_error("manifest.toml changed length when its hashes were filled in");
    out.rewrite(kTarBlock, {reinterpret_cast<const uint8_t*>(final_text.data()), final_text.size()});
  }
  return m;
}

Manifest read_manifest(ByteSource& plain, const std::string& name) {
  TarReader tar(plain, name);
  return read_manifest_entry(tar, name);
}

VerifyReport verify_restore_point(ByteSource& plain, const std::string& name, const std::string* extract_dir) {
  TarReader tar(plain, name);
  VerifyReport report;
  report.manifest = read_manifest_entry(tar, name);
  const Manifest& m = report.manifest;
  for (const char* required : {device::kKeyFile, device::kCertFile, device::kDeviceFile})
    if (!m.find(required) && !(required == device::kKeyFile && !m.key_uri.empty()))
      throw InputError(name + ": the manifest lists no " + std::string(required));
  std::map<std::string, std::vector<uint8_t>> small;  // key, cert, device.toml
  std::map<std::string, bool> seen;
  while (auto e = tar.next()) {
    const std::string shown = "'" + e->path + "'";
    if (e->type != '0') throw InputError(name + ": refused: archive entry " + shown + " is not a regular file");
    if (!safe_relative_path(e->path))
      throw InputError(name + ": refused: archive entry " + shown + " has an absolute path or '..'");
    const ManifestFile* f = m.find(e->path);
    if (!f) throw InputError(name + ": refused: archive entry " + shown + " is not in the manifest");
    if (seen[e->path]) throw InputError(name + ": refused: archive entry " + shown + " appears twice");
    seen[e->path] = true;
    if (e->size != f->size)
      throw InputError(name + ": " + e->path + " is " + std::to_string(e->size) + " bytes, the manifest says " +
                       std::to_string(f->size));
    const bool keep = e->path == device::kKeyFile || e->path == device::kCertFile || e->path == device::kDeviceFile;
    if (keep && e->size > kSmallFileMax) throw InputError(name + ": " + e->path + " is too large");
    int fd = -1;
    std::string out_path;
    if (extract_dir) {
      out_path = *extract_dir + "/" + e->path;
      const auto slash = e->path.find_last_of('/');
      if (slash != std::string::npos) make_dirs(*extract_dir + "/" + e->path.substr(0, slash), kPrivateDirMode);
      fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kPrivateFileMode);
      if (fd < 0) throw InputError("cannot write " + out_path + ": " + errno_text());
    }
    struct Closer {
      int fd;
      ~Closer() {
        if (fd >= 0) ::close(fd);
      }
    } closer{fd};
    std::optional<FdSink> sink;
    std::optional<ThreadedSink> writer;  // a large file is written on a second thread while it is hashed
    ByteSink* out = nullptr;
    if (fd >= 0) {
      sink.emplace(fd, out_path, true);
      out = &*sink;
      if (e->size >= kThreadedWriteMin) out = &writer.emplace(*sink);
    }
    auto h = Botan::HashFunction::create_or_throw("SHA-256");
    std::vector<uint8_t>& kept = small[e->path];
    // Hashed and written from where the decrypting thread left it.
    for (auto v = tar.view(kIoBuf); !v.empty(); v = tar.view(kIoBuf)) {
      h->update(v.data(), v.size());
      if (keep) kept.insert(kept.end(), v.begin(), v.end());
      if (out) out->write(v);
    }
    const std::string got = Botan::hex_encode(h->final(), false);
    if (got != f->sha256)
      throw InputError(name + ": " + e->path + " has SHA-256 " + got + ", the manifest says " + f->sha256);
    if (fd >= 0) {
      if (writer) writer->finish();
      sink->sync();
      closer.fd = -1;
      if (::close(fd) != 0) throw InputError("cannot write " + out_path + ": " + errno_text());
    }
  }
  // Read to the end so the last age chunk is authenticated too (and nothing follows the archive).
  for (auto v = plain.view(kIoBuf); !v.empty(); v = plain.view(kIoBuf))
    if (std::any_of(v.begin(), v.end(), [](uint8_t b) { return b != 0; }))
      throw InputError(name + ": refused: data after the end of the archive");
  for (const auto& f : m.files)
    if (!seen[f.path]) throw InputError(name + ": " + f.path + " is in the manifest but not in the archive");
  const std::string where = name + ": ";
  if (m.key_uri.empty()) report.key_checked = check_key_matches_cert(small[device::kKeyFile], small[device::kCertFile], where);
  const std::string fp = cert_sha256(small[device::kCertFile], where + device::kCertFile);
  if (fp != m.cert_sha256)
    throw InputError(name + ": cert.pem has fingerprint " + fp + ", the manifest records " + m.cert_sha256);
  return report;
}

std::string restore_target_problem(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return "";
  if (!S_ISDIR(st.st_mode)) return dir + " exists and is not a folder (use --force to move it aside)";
  if (device::holds_identity(dir))
    return dir + " already holds a device identity (use --force to keep it as " + dir + ".previous-TIME)";
  std::error_code ec;
  if (!fs::is_empty(dir, ec)) return dir + " is not empty (use --force to move it aside)";
  return "";
}

RestoreResult restore_to(ByteSource& plain, const std::string& name, const std::string& dir_in, bool force,
                         const Clock& clock) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string problem = restore_target_problem(dir);
  if (!problem.empty() && !force) throw InputError(problem);
  const std::string parent = parent_dir(dir);
  make_dirs(parent, kPrivateDirMode);
  const auto slash = dir.find_last_of('/');
  const std::string base = slash == std::string::npos ? dir : dir.substr(slash + 1);
  // The staging folder holds the decrypted key: a TempDir, so it is removed
  // on every failure and by a signal ending the command; what a SIGKILL left
  // behind is swept here, by the next restore to the same place.
  sweep_stale_temp_dirs(parent, "." + base + ".restore-");
  std::optional<TempDir> staging_dir;
  try {
    staging_dir.emplace(parent + "/." + base + ".restore-XXXXXX");
  } catch (const InputError& e) {
    throw InputError("cannot restore to " + dir + ": " + e.what());
  }
  const std::string staging = staging_dir->path();
  RestoreResult result;
  result.report = verify_restore_point(plain, name, &staging);
  ::chmod(staging.c_str(), kPrivateDirMode);
  for (const auto& entry : fs::recursive_directory_iterator(staging))
    if (entry.is_directory()) sync_dir(entry.path().string());
  sync_dir(staging);

  {
    // A signal waits until the target is either as it was or complete (and
    // the staging folder gone): never moved aside without its replacement.
    CleanupWindow window;
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0) {
      std::error_code ec;
      if (S_ISDIR(st.st_mode) && fs::is_empty(dir, ec)) {
        if (::rmdir(dir.c_str()) != 0) throw InputError("cannot restore to " + dir + ": " + errno_text());
      } else {
        if (!force) throw InputError(restore_target_problem(dir));
        result.previous = dir + ".previous-" + compact_time(clock.now());
        if (::rename(dir.c_str(), result.previous.c_str()) != 0)
          throw InputError("cannot move " + dir + " aside to " + result.previous + ": " + errno_text());
      }
    }
    if (::rename(staging.c_str(), dir.c_str()) != 0) {
      const std::string why = errno_text();
      if (!result.previous.empty()) ::rename(result.previous.c_str(), dir.c_str());
      throw InputError("cannot restore to " + dir + ": " + why);
    }
  }
  staging_dir->keep();
  sync_dir(parent);
  return result;
}

}  // namespace pairkit::backup
