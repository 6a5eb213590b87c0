// The error document every route and the transport answer with (gate-api, "Errors").
#include "pairkit/gate/handler.hpp"

#include <nlohmann/json.hpp>

namespace pairkit::gate {

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.error_code = code;
  r.body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace pairkit::gate
