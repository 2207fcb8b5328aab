#pragma once

#include <string_view>

#include "targets/refserver/http_types.hpp"
#include "targets/refserver/items_service.hpp"
#include "targets/refserver/jobs_service.hpp"
#include "targets/refserver/readiness.hpp"
#include "targets/refserver/request_metrics.hpp"

// The route handlers: plain functions from a Request (and the services they need) to a
// Response, tested without sockets. routes.cpp binds them to paths.
namespace loadgen::refserver {

// GET /health: 200 whenever the process answers at all.
Response handle_health();
// GET /up: 200 once the main store serves; 503 before and while draining.
Response handle_up(const Readiness& readiness);
// GET /up/full: 200 once all start-up work is done; 503 before and while draining.
Response handle_up_full(const Readiness& readiness);

// GET /api/items?limit=&cursor=
Response handle_list_items(const Request& request, ItemsService& items);
// GET /api/items_offset?limit=&offset=
Response handle_list_items_offset(const Request& request, ItemsService& items);
// POST /api/items {"name": "...", "payload": "..."}
Response handle_create_item(const Request& request, ItemsService& items);

// POST /api/jobs {"kind": "resize"|"sleep"|"fail", "work_ms": N}, optional Idempotency-Key
Response handle_create_job(const Request& request, JobsService& jobs);
// GET /api/jobs/{id}
Response handle_get_job(std::string_view id, JobsService& jobs);

struct MetricsSources {
  const RequestMetrics& requests;
  const ItemsService* items;  // null until the main store is open
  const JobsService& jobs;
  const Readiness& readiness;
};
// GET /metrics, OpenMetrics text.
Response handle_metrics(const MetricsSources& sources);

}  // namespace loadgen::refserver
