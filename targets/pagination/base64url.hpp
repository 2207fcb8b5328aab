#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "targets/pagination/result.hpp"

// RFC 4648 section 5 ("base64url"): '-' and '_' instead of '+' and '/', and no '=' padding,
// so that an encoded cursor can sit in a URL query string without percent-encoding.
namespace loadgen::targets {

std::string base64url_encode(std::span<const uint8_t> bytes);

// Accepts only what base64url_encode produces: the URL-safe alphabet, no padding, no
// whitespace, and zero bits after the last byte, so every byte string has exactly one text.
// Fails with kInvalidCursor (its only caller decodes cursors) and a message naming the problem.
Result<std::vector<uint8_t>> base64url_decode(std::string_view text);

}  // namespace loadgen::targets
