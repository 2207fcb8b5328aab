#pragma once

#include <memory>

#include "targets/refserver/items_service.hpp"
#include "targets/refserver/jobs_service.hpp"
#include "targets/refserver/readiness.hpp"
#include "targets/refserver/request_metrics.hpp"

// Everything the routes serve, owned in one place. `items` and `metrics` are set before the
// server listens, so no request ever sees them empty.
namespace loadgen::refserver {

struct Services {
  explicit Services(const JobsOptions& jobs_options) : jobs(jobs_options) {}

  Readiness readiness;
  JobsService jobs;
  std::unique_ptr<ItemsService> items;
  std::unique_ptr<RequestMetrics> metrics;
};

}  // namespace loadgen::refserver
