// Reason phrases (RFC 9110, section 15) for the statuses the gate sends.
#include "pairkit/gate/response_head.hpp"

#include <charconv>

namespace pairkit::gate {

namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "";  // the reason phrase may be empty (RFC 9112, section 4)
}

void append_number(std::string& out, long long n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

}  // namespace

std::string response_head(const HttpResponse& r, bool keep_alive) {
  std::string out;
  out.reserve(160 + r.content_type.size() + r.allow.size() + r.cache_control.size() + r.headers.size());
  out += "HTTP/1.1 ";
  append_number(out, r.status);
  out += ' ';
  out += reason(r.status);
  if (r.status != 304) {
    out += "\r\nContent-Type: ";
    out += r.content_type;
    out += "\r\nContent-Length: ";
    append_number(out, static_cast<long long>(r.body.size()));
  }
  out += "\r\nCache-Control: ";
  out += r.cache_control.empty() ? std::string_view("no-store") : std::string_view(r.cache_control);
  out += "\r\n";
  if (r.retry_after > 0) {
    out += "Retry-After: ";
    append_number(out, r.retry_after);
    out += "\r\n";
  }
  if (!r.allow.empty()) {
    out += "Allow: ";
    out += r.allow;
    out += "\r\n";
  }
  out += r.headers;
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

}  // namespace pairkit::gate
