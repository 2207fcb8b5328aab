#pragma once

#include <chrono>
#include <string>

namespace loadgen::probes {

// One blocking GET of http://host:port/path with a short timeout, for readiness checks.
// Returns the HTTP status, or 0 when no response came (refused, timeout, reset).
int http_get_status(const std::string& host, int port, const std::string& path,
                    std::chrono::milliseconds timeout);

}  // namespace loadgen::probes
