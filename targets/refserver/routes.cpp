#include "targets/refserver/routes.hpp"

#include "targets/refserver/handlers.hpp"
#include "targets/refserver/json_body.hpp"

namespace loadgen::refserver {
namespace {

// Items handlers need the main store, open before the server listens; the check only guards
// against a wiring mistake turning into a crash.
template <typename Fn>
Handler with_items(Services& services, Fn fn) {
  return [&services, fn](const Request& request, const PathParams&) {
    if (!services.items)
      return unavailable("the main store is not open yet");
    return fn(request, *services.items);
  };
}

}  // namespace

Router make_router(Services& services) {
  Router router;
  router.add("GET", "/health", [](const Request&, const PathParams&) { return handle_health(); });
  router.add("GET", "/up", [&services](const Request&, const PathParams&) {
    return handle_up(services.readiness);
  });
  router.add("GET", "/up/full", [&services](const Request&, const PathParams&) {
    return handle_up_full(services.readiness);
  });
  router.add("GET", "/metrics", [&services](const Request&, const PathParams&) {
    return handle_metrics(
        {*services.metrics, services.items.get(), services.jobs, services.readiness});
  });
  router.add("GET", "/api/items", with_items(services, handle_list_items));
  router.add("POST", "/api/items", with_items(services, handle_create_item));
  router.add("GET", "/api/items_offset", with_items(services, handle_list_items_offset));
  router.add("POST", "/api/jobs", [&services](const Request& request, const PathParams&) {
    return handle_create_job(request, services.jobs);
  });
  router.add("GET", "/api/jobs/{id}", [&services](const Request&, const PathParams& params) {
    return handle_get_job(params.get("id"), services.jobs);
  });
  return router;
}

}  // namespace loadgen::refserver
