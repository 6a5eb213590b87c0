// A JSON document written to stdout as it is produced, for results too large
// to build in memory first (crl info --json of ten million entries): byte for
// byte what Cli::emit_json prints for the same document (nlohmann's dump(2)).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pairkit::cli {

class JsonStream {
public:
  /// Writes to fd through a buffer; a failed write throws InputError "cannot
  /// write NAME: REASON" as soon as the buffer is flushed.
  explicit JsonStream(int fd = 1, std::string name = "standard output");

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  /// An object's key; its value comes next. emit_json's objects sort their
  /// keys, so give them in that order to print the same bytes.
  void key(std::string_view name);
  /// A string value.
  void string(std::string_view text);
  /// Any other value (a number, null, a small document), as nlohmann writes it.
  void value(const nlohmann::json& v);
  /// Ends the document with a newline and writes out what is buffered.
  void finish();

private:
  void before_value();
  void open(char bracket, bool object);
  void close(char bracket);
  void put(std::string_view s);
  void put_string(std::string_view s);
  void indent();
  void flush();

  struct Level {
    bool object;
    bool empty;
  };
  int fd_;
  std::string name_;
  std::string buf_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace pairkit::cli
