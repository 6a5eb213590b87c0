// The status line and headers of the gate's answers, written whole in one
// string: the answers are small and few-headed, and Beast's field list and
// serializer cost more than the rest of a poll.
#pragma once
#include <string>

#include "pairkit/gate/handler.hpp"

namespace pairkit::gate {

/// "HTTP/1.1 200 OK\r\n" and the headers, ending in the blank line:
/// Content-Type, Content-Length (of r.body), Cache-Control (no-store unless
/// r.cache_control says otherwise), Retry-After and Allow when set, r.headers,
/// and Connection: close unless the connection is kept alive. A 304 has no
/// Content-Type or Content-Length: they would describe a body it does not send.
std::string response_head(const HttpResponse& r, bool keep_alive);

}  // namespace pairkit::gate
