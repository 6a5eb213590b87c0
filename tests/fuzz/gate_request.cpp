// What the gate reads from a client's request: the route of a path (with an
// id), the Content-Type, and the POST /v1/pair body. The input is split at
// the first two newlines: path, content type, body.
#include "fuzz_target.hpp"
#include "pairkit/gate/request.hpp"

PAIRKIT_FUZZ_TARGET(gate_request) {
  std::string_view text = pairkit::fuzz::as_text(data);
  auto next_line = [&text] {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    return line;
  };
  const auto route = pairkit::gate::match_route(next_line());
  if (route.kind == pairkit::gate::RouteKind::pair_status && route.id <= 0) __builtin_trap();
  (void)pairkit::gate::is_json_content_type(next_line());
  try {
    const auto body = pairkit::gate::parse_join_body(text);
    if (body.serial.empty() || body.serial.size() > 64) __builtin_trap();
  } catch (const pairkit::gate::BadRequest&) {
  }
}
