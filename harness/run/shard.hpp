#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"

// One shard of a run split over several loadgen processes (machines, pods, core groups).
namespace loadgen::run {

struct ShardSpec {
  int index = 0;  // 0-based
  int count = 1;
};

// "I/N" with 0 <= I < N <= 10,000.
core::Expected<ShardSpec> parse_shard(std::string_view text);

// RFC 3339 ("2026-12-05T10:00:00Z", "2026-12-05T11:00:00.5+01:00") or Unix seconds
// ("1796464800", "1796464800.25").
core::Expected<std::chrono::system_clock::time_point> parse_start_at(std::string_view text);

// FNV-1a, 64 bits, as 16 hex digits: shards compare what they ran by it.
std::string digest_hex(std::string_view text);

}  // namespace loadgen::run
