// pairkit __complete: the candidates for the shell completions in completions/.
// The scripts ask the binary, so completions always match the real command tree.
#include <iostream>
#include <memory>

#include "groups.hpp"

namespace pairkit::cli {

namespace {

bool visible(const CLI::App* a) { return !a->get_group().empty(); }

// The values an option accepts when it has a CLI::IsMember check (CLI11
// shows them in the type name: "TEXT:{png,svg,...}"); empty otherwise.
std::vector<std::string> option_choices(const CLI::Option* opt) {
  const std::string t = opt->get_type_name();
  const size_t open = t.find('{'), close = t.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  std::vector<std::string> out;
  std::string item;
  for (char c : t.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  out.push_back(item);
  return out;
}

std::vector<std::string> candidates(const CLI::App& root, const std::vector<std::string>& words) {
  const CLI::App* cur = &root;
  bool skip_value = false;
  const CLI::Option* value_of = nullptr;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& w = words[i];
    if (skip_value) {
      skip_value = false;
      continue;
    }
    if (w.starts_with("-")) {
      if (w.find('=') != std::string::npos) continue;
      for (const CLI::App* a = cur; a; a = a->get_parent()) {
        const CLI::Option* opt = a->get_option_no_throw(w);
        if (opt) {
          skip_value = opt->get_type_size() != 0;
          value_of = opt;
          break;
        }
      }
      continue;
    }
    for (const CLI::App* sub : cur->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == w) {
        cur = sub;
        break;
      }
  }
  const std::string partial = words.empty() ? std::string() : words.back();
  std::vector<std::string> out;
  if (skip_value) {  // an option's value: its choices, else let the shell complete file names
    for (const auto& c : option_choices(value_of))
      if (c.starts_with(partial)) out.push_back(c);
    return out;
  }
  if (partial.starts_with("-")) {
    for (const CLI::App* a = cur; a; a = a->get_parent())
      for (const CLI::Option* opt : a->get_options())
        for (const auto& name : opt->get_lnames())
          if (("--" + name).starts_with(partial)) out.push_back("--" + name);
  } else {
    for (const CLI::App* sub : cur->get_subcommands(visible))
      if (sub->get_name().starts_with(partial)) out.push_back(sub->get_name());
  }
  return out;
}

}  // namespace

void add_completion_command(CLI::App& app, Cli& cli) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* root = &app;
  auto* c = add_command(app, cli, "__complete", "Completion candidates for shells (used by completions/)",
                        {"pairkit __complete -- key g"},
                        [root, words](Cli&) {
                          for (const auto& w : candidates(*root, *words)) std::cout << w << "\n";
                        });
  c->group("");  // hidden from --help
  c->add_option("words", *words, "The words typed after 'pairkit'; the last is being completed");

  auto* keys = add_command(app, cli, "__settings", "Every configuration key (used to check pairkit.toml(5))",
                           {"pairkit __settings"}, [](Cli& c) {
                             for (const auto& k : c.settings.known()) std::cout << k << "\n";
                           });
  keys->group("");
}

}  // namespace pairkit::cli
