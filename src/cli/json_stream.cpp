// Streaming JSON output in nlohmann's dump(2) layout.
#include "json_stream.hpp"

#include <iostream>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::cli {

namespace {
constexpr size_t kFlushAt = size_t{1} << 16;
}  // namespace

JsonStream::JsonStream(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  std::cout.flush();  // whatever was printed before comes first
  buf_.reserve(kFlushAt + 4096);
}

void JsonStream::put(std::string_view s) {
  buf_.append(s);
  if (buf_.size() >= kFlushAt) flush();
}

void JsonStream::flush() {
  write_all(fd_, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size()), name_);
  buf_.clear();
}

void JsonStream::indent() { buf_.append(2 * levels_.size(), ' '); }

// Plain ASCII, the common case (serials, times, names), is written as it is;
// anything else goes through nlohmann, so escapes and the refusal of invalid
// UTF-8 are exactly emit_json's.
void JsonStream::put_string(std::string_view s) {
  bool plain = true;
  for (char c : s)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  if (plain) {
    buf_ += '"';
    buf_.append(s);
    buf_ += '"';
    if (buf_.size() >= kFlushAt) flush();
  } else {
    put(nlohmann::json(std::string(s)).dump());
  }
}

// Places a value: after its key in an object, else as the next array element.
void JsonStream::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  buf_.append(levels_.back().empty ? "\n" : ",\n");
  levels_.back().empty = false;
  indent();
}

void JsonStream::open(char bracket, bool object) {
  before_value();
  buf_ += bracket;
  levels_.push_back({object, true});
}

void JsonStream::close(char bracket) {
  const bool empty = levels_.back().empty;
  levels_.pop_back();
  if (!empty) {
    buf_ += '\n';
    indent();
  }
  put(std::string_view(&bracket, 1));
}

void JsonStream::begin_object() { open('{', true); }
void JsonStream::end_object() { close('}'); }
void JsonStream::begin_array() { open('[', false); }
void JsonStream::end_array() { close(']'); }

void JsonStream::key(std::string_view name) {
  buf_.append(levels_.back().empty ? "\n" : ",\n");
  levels_.back().empty = false;
  indent();
  put_string(name);
  buf_.append(": ");
  after_key_ = true;
}

void JsonStream::string(std::string_view text) {
  before_value();
  put_string(text);
}

void JsonStream::value(const nlohmann::json& v) {
  before_value();
  const std::string text = v.dump(2);
  if (!v.is_structured()) {
    put(text);
    return;
  }
  // A nested document: its lines indented to this depth (JSON strings hold
  // no raw newline, so every newline is layout).
  const std::string pad(2 * levels_.size(), ' ');
  for (char c : text) {
    buf_ += c;
    if (c == '\n') buf_ += pad;
  }
  if (buf_.size() >= kFlushAt) flush();
}

void JsonStream::finish() {
  buf_ += '\n';
  flush();
}

}  // namespace pairkit::cli
