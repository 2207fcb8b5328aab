#include "targets/refserver/json_body.hpp"

#include <fmt/format.h>

namespace loadgen::refserver {

core::Expected<nlohmann::json> parse_json_object(std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return core::Expected<nlohmann::json>::failure("request body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return core::Expected<nlohmann::json>::failure(
        fmt::format("request body must be a JSON object, got {}", parsed.type_name()));
  }
  return parsed;
}

Response json_response(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response unavailable(std::string_view message) {
  auto response = error_response(503, message);
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

}  // namespace loadgen::refserver
