#include "harness/load/response_check.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace loadgen::load {
namespace {

bool status_ok(const scenario::Check& check, int status) {
  if (!check.statuses.empty()) {
    return std::find(check.statuses.begin(), check.statuses.end(), status) != check.statuses.end();
  }
  if (check.status_class) return status / 100 == *check.status_class;
  return status >= 200 && status < 400;
}

bool json_ok(const scenario::Check& check, const std::string& body) {
  if (check.json_equals.empty()) return true;
  const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return false;
  for (const auto& cond : check.json_equals) {
    nlohmann::json::json_pointer pointer;
    try {
      pointer = nlohmann::json::json_pointer(cond.pointer);
    } catch (const nlohmann::json::exception&) {
      return false;  // the loader validates pointers; a bad one here can only fail
    }
    if (!doc.contains(pointer)) return false;
    const auto expected = nlohmann::json::parse(cond.value_json, nullptr, false);
    if (doc.at(pointer) != expected) return false;
  }
  return true;
}

}  // namespace

http::ErrorKind check_response(const scenario::Check& check, const http::Response& response) {
  if (!status_ok(check, response.status)) return http::ErrorKind::kBadStatus;
  if (check.body_contains && response.body.find(*check.body_contains) == std::string::npos) {
    return http::ErrorKind::kCheckFailed;
  }
  if (!json_ok(check, response.body)) return http::ErrorKind::kCheckFailed;
  return http::ErrorKind::kNone;
}

}  // namespace loadgen::load
