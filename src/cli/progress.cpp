// The progress line (see progress.hpp).
#include "progress.hpp"

#include <iostream>

namespace pairkit::cli {

Progress::Progress(const Cli& cli, End end, bool wanted)
    : on_(wanted && cli.stderr_is_terminal() && !cli.quiet), end_(end) {}

Progress::~Progress() { done(); }

void Progress::show(const std::string& text) {
  if (!on_) return;
  shown_ = true;
  std::cerr << "\r" << text << std::flush;
}

void Progress::done() {
  if (on_ && shown_) std::cerr << (end_ == End::erase ? "\r\033[K" : "\n") << std::flush;
  on_ = false;
}

}  // namespace pairkit::cli
