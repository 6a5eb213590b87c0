// Reading passphrases from files, the environment or the terminal.
#include "secrets.hpp"

#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"

namespace pairkit::cli {

void add_passphrase_options(CLI::App* cmd, PassphraseOptions& opts, const std::string& what) {
  auto* f = cmd->add_option("--passphrase-file", opts.file,
                            "Read the passphrase for " + what + " from the first line of this file ('-': stdin)");
  auto* e = cmd->add_option("--passphrase-env", opts.env,
                            "Read the passphrase for " + what + " from this environment variable");
  f->excludes(e);
}

namespace {

Botan::secure_vector<char> first_line(const std::vector<uint8_t>& data) {
  Botan::secure_vector<char> out;
  for (uint8_t c : data) {
    if (c == '\n') break;
    out.push_back(static_cast<char>(c));
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

Botan::secure_vector<char> ask(const std::string& text, const std::string& noun) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw InputError("no terminal to ask for the " + noun + ": give --" + noun + "-file or --" + noun + "-env");
  struct termios old {};
  ::tcgetattr(fd, &old);
  struct termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  const std::string prompt = text + ": ";
  (void)!::write(fd, prompt.data(), prompt.size());
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  Botan::secure_vector<char> out;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') out.push_back(c);
  ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return out;
}

}  // namespace

std::optional<Botan::secure_vector<char>> read_passphrase(const PassphraseOptions& opts, Prompt prompt,
                                                          const std::string& prompt_text, const std::string& noun) {
  Botan::secure_vector<char> pass;
  if (!opts.file.empty()) {
    const auto data = opts.file == "-" ? read_stdin(limits::kPassphrase) : read_file(opts.file, limits::kPassphrase);
    pass = first_line(data);
    if (pass.empty()) throw InputError(noun + " file " + opts.file + " is empty");
  } else if (!opts.env.empty()) {
    const char* v = std::getenv(opts.env.c_str());
    if (!v) throw InputError("environment variable " + opts.env + " is not set");
    pass.assign(v, v + std::strlen(v));
    if (pass.empty()) throw InputError("environment variable " + opts.env + " is empty");
  } else {
    if (prompt == Prompt::never || !::isatty(0)) return std::nullopt;
    pass = ask(prompt_text, noun);
    if (pass.empty()) throw InputError("empty " + noun);
    if (prompt == Prompt::confirm && ask(prompt_text + " (again)", noun) != pass)
      throw InputError("the " + noun + "s do not match");
  }
  return pass;
}

}  // namespace pairkit::cli
