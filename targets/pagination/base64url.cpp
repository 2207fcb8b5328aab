#include "targets/pagination/base64url.hpp"

#include <array>

#include <fmt/format.h>

namespace loadgen::targets {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> make_reverse() {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}
constexpr auto kReverse = make_reverse();

Error invalid_base64(std::string message) {
  return Error{ErrorCode::kInvalidCursor, std::move(message)};
}

}  // namespace

std::string base64url_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (const uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63U];
    }
  }
  if (bits > 0) {
    out += kAlphabet[(acc << (6 - bits)) & 63U];
  }
  return out;
}

Result<std::vector<uint8_t>> base64url_decode(std::string_view text) {
  // 4k+1 characters carry 6 bits past the last whole byte: no encoder produces that.
  if (text.size() % 4 == 1) {
    return invalid_base64(
        fmt::format("cursor is not valid base64url: {} characters is an impossible "
                    "length",
                    text.size()));
  }
  std::vector<uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int8_t v = kReverse[static_cast<uint8_t>(text[i])];
    if (v < 0) {
      return invalid_base64(
          fmt::format("cursor is not valid base64url: unexpected character at position {}", i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFFU));
    }
  }
  // Non-zero leftover bits would give one byte string several spellings.
  if ((acc & ((1U << bits) - 1U)) != 0) {
    return invalid_base64("cursor is not valid base64url: its last character has stray bits");
  }
  return out;
}

}  // namespace loadgen::targets
