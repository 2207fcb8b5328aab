#include "targets/refserver/handlers.hpp"
#include "targets/refserver/json_body.hpp"

namespace loadgen::refserver {
namespace {

Response readiness_response(bool ready, const Readiness& readiness) {
  if (ready && !readiness.draining())
    return json_response(200, {{"status", "ready"}});
  auto response = json_response(503, {{"status", readiness.draining() ? "draining" : "starting"}});
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

}  // namespace

Response handle_health() {
  return json_response(200, {{"status", "alive"}});
}

Response handle_up(const Readiness& readiness) {
  return readiness_response(readiness.main_ready(), readiness);
}

Response handle_up_full(const Readiness& readiness) {
  return readiness_response(readiness.full_ready(), readiness);
}

}  // namespace loadgen::refserver
