// A progress line on stderr, rewritten in place: shown only when stderr is a
// terminal and --quiet is not given, so scripts and logs never see it.
#pragma once
#include <string>

#include "cli.hpp"

namespace pairkit::cli {

class Progress {
public:
  /// What happens to the line when the work is done: erased before the
  /// result is printed, or kept as the last word on the work.
  enum class End { erase, keep };

  /// `wanted`: whether this run is long enough to deserve a progress line.
  Progress(const Cli& cli, End end, bool wanted = true);
  /// Ends the line as done() does, so that an error message that follows
  /// starts on a line of its own.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Whether the line is shown at all.
  bool on() const { return on_; }
  /// Replaces the line with `text`.
  void show(const std::string& text);
  /// Erases or keeps the line (see End); nothing more is shown afterwards.
  void done();

private:
  bool on_;
  bool shown_ = false;
  End end_;
};

}  // namespace pairkit::cli
