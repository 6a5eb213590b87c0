// The age ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----", base64 in 64
// columns), read strictly as age reads it, and a peeking source that tells
// armored files from binary ones.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pairkit/core/byte_stream.hpp"

namespace pairkit::backup {

/// Writes the ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----", base64 in
/// 64 columns) around what is written to it.
class ArmorSink final : public ByteSink {
public:
  explicit ArmorSink(ByteSink& out);
  void write(std::span<const uint8_t> data) override;
  void finish() override;

private:
  void emit_line(std::span<const uint8_t> bytes);
  ByteSink& out_;
  std::vector<uint8_t> pending_;
};

/// Reads the ASCII armor strictly (as age does); throws AgeError(armor).
class ArmorSource final : public ByteSource {
public:
  explicit ArmorSource(ByteSource& in) : in_(in) {}
  size_t read(std::span<uint8_t> buf) override;

private:
  std::optional<std::string> get_line();
  void drain_trailing();
  int getc();
  ByteSource& in_;
  std::vector<uint8_t> raw_;
  size_t raw_pos_ = 0;
  bool raw_eof_ = false;
  bool started_ = false, ended_ = false;
  std::vector<uint8_t> unread_;
  size_t unread_pos_ = 0;
};

/// A source that can look at its first bytes before they are read (to tell
/// armored from binary age files).
class PeekSource final : public ByteSource {
public:
  explicit PeekSource(ByteSource& in) : in_(in) {}
  std::span<const uint8_t> peek(size_t n);
  size_t read(std::span<uint8_t> buf) override;

private:
  ByteSource& in_;
  std::vector<uint8_t> head_;
  size_t pos_ = 0;
};

inline constexpr const char* kArmorHeader = "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr const char* kArmorFooter = "-----END AGE ENCRYPTED FILE-----";

}  // namespace pairkit::backup
