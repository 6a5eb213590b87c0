// TableCard: answers from a table (see table_card.hpp).
#include "doubles/table_card.hpp"

#include <algorithm>
#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/sim/bytes.hpp"

namespace pairkit::sim {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The table is a file: its malformed hex is an input error naming the line.
std::vector<uint8_t> hex_field(std::string_view text, const std::string& where) {
  try {
    return parse_hex(text, where);
  } catch (const UsageError& e) {
    throw InputError(e.what());
  }
}

}  // namespace

TableCard::TableCard(std::vector<uint8_t> atr, std::vector<Row> rows, std::vector<uint8_t> fallback)
    : atr_(std::move(atr)), rows_(std::move(rows)), fallback_(std::move(fallback)) {}

TableCard TableCard::parse(std::string_view text, std::string_view name) {
  std::vector<uint8_t> atr = {0x3B, 0x80, 0x80, 0x01, 0x01};
  std::vector<Row> rows;
  size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const std::string where = std::string(name) + ":" + std::to_string(line_no);
    const auto arrow = line.find("=>");
    if (arrow == std::string_view::npos) throw InputError(where + ": expected 'COMMAND => RESPONSE'");
    const auto left = trim(line.substr(0, arrow));
    const auto right = hex_field(trim(line.substr(arrow + 2)), where);
    if (left == "atr") {
      atr = right;
      continue;
    }
    if (right.size() < 2) throw InputError(where + ": a response needs at least SW1 SW2");
    rows.push_back({hex_field(left, where), right});
  }
  return TableCard(std::move(atr), std::move(rows));
}

std::vector<uint8_t> TableCard::transmit(std::span<const uint8_t> command) {
  received_.emplace_back(command.begin(), command.end());
  for (const auto& row : rows_)
    if (command.size() >= row.prefix.size() && std::equal(row.prefix.begin(), row.prefix.end(), command.begin()))
      return row.response;
  return fallback_;
}

}  // namespace pairkit::sim
