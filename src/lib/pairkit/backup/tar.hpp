// POSIX ustar archives, streamed: regular files only, written and read entry
// by entry so a large file never has to fit in memory.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "pairkit/core/byte_stream.hpp"

namespace pairkit::backup {

/// The ustar block: each header is one block, data is padded to whole blocks.
inline constexpr size_t kTarBlock = 512;

struct TarEntry {
  std::string path;  ///< as stored (prefix/name joined)
  uint32_t mode = 0;
  uint64_t size = 0;
  int64_t mtime = 0;
  char type = '0';  ///< '0' regular file; anything else is reported as is
};

/// Writes entries: begin(), exactly entry.size bytes of write(), then the
/// next begin() or finish() (the two zero blocks).
class TarWriter {
public:
  explicit TarWriter(ByteSink& out) : out_(out) {}
  /// Throws UsageError for a path that does not fit ustar (255 bytes, split at a '/').
  void begin(const TarEntry& entry);
  void write(std::span<const uint8_t> data);
  /// Room for up to `max` of the entry's bytes, filled in place, then
  /// commit() (ByteSink::space); empty once the entry is complete.
  std::span<uint8_t> space(size_t max);
  void commit(size_t n);
  void finish();

private:
  void end_entry();
  ByteSink& out_;
  uint64_t remaining_ = 0, written_ = 0;
  bool open_ = false;
};

/// Reads entries in order. Throws InputError naming `name` for a malformed
/// header (bad checksum, not ustar, truncated archive).
class TarReader {
public:
  TarReader(ByteSource& in, std::string name) : in_(in), name_(std::move(name)) {}
  /// The next entry's header (skipping what is left of the current one), or
  /// nullopt at the end-of-archive marker.
  std::optional<TarEntry> next();
  /// Reads the current entry's data; returns 0 at its end.
  size_t read(std::span<uint8_t> buf);
  /// The current entry's next bytes without copying (ByteSource::view); empty at its end.
  std::span<const uint8_t> view(size_t max);

private:
  void skip_rest();
  ByteSource& in_;
  std::string name_;
  uint64_t remaining_ = 0, padding_ = 0;
};

}  // namespace pairkit::backup
