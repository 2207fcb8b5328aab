#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/core/expected.hpp"
#include "targets/refserver/http_types.hpp"

// JSON in and out of handlers.
namespace loadgen::refserver {

// The body as a JSON object, or a message for a 400 ("request body is not valid JSON: ...").
core::Expected<nlohmann::json> parse_json_object(std::string_view body);

Response json_response(int status, const nlohmann::json& body);

// 503 with Retry-After, for "try again shortly" conditions (full buffers, start-up, drain).
Response unavailable(std::string_view message);

}  // namespace loadgen::refserver
