#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

namespace loadgen::metrics {

// RFC 4648 standard alphabet with '=' padding, as the HdrHistogram log format uses.
std::string base64_encode(std::span<const uint8_t> bytes);
// Accepts input with or without padding; rejects any other character.
core::Expected<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace loadgen::metrics
