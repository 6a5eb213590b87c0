// The gate's status line and headers, byte for byte.
#include <doctest/doctest.h>

#include "pairkit/gate/response_head.hpp"

using namespace pairkit::gate;

TEST_CASE("response_head: status line, the headers in order, Retry-After, Allow, Connection: close") {
  HttpResponse r;
  r.status = 202;
  r.body = R"({"state":"pending"})";
  r.retry_after = 5;
  CHECK(response_head(r, true) ==
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 19\r\n"
        "Cache-Control: no-store\r\nRetry-After: 5\r\n\r\n");
  HttpResponse m;
  m.status = 405;
  m.allow = "POST";
  CHECK(response_head(m, false) ==
        "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: 0\r\n"
        "Cache-Control: no-store\r\nAllow: POST\r\nConnection: close\r\n\r\n");
  HttpResponse odd;
  odd.status = 418;  // no reason phrase known: an empty one is allowed
  odd.content_type = "text/plain; version=0.0.4; charset=utf-8";
  CHECK(response_head(odd, true).rfind("HTTP/1.1 418 \r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n", 0) == 0);
}
