#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "targets/pagination/result.hpp"

// Opaque, tamper-evident page cursors. A cursor names a position in the (created_at, id)
// order; clients must hand it back unchanged, and anything else is rejected with a message.
//
// Wire format, version 1 (57 bytes, 76 base64url characters, no padding):
//   [0]       format version (1)
//   [1..8]    created_at of the last row of the page, int64 big-endian
//   [9..16]   id of that row, int64 big-endian
//   [17..24]  issued-at, milliseconds since the Unix epoch, int64 big-endian
//   [25..56]  HMAC-SHA256(key, kCursorMacContext || bytes[0..24])
// The context string keeps a MAC made with the same key for another purpose from passing as a
// cursor. Changing the layout means a new version byte, so old cursors fail loudly.
namespace loadgen::targets {

// Where the next page starts: strictly after this (created_at, id).
struct CursorPosition {
  int64_t created_at = 0;
  int64_t id = 0;
  friend bool operator==(const CursorPosition&, const CursorPosition&) = default;
};

inline constexpr uint8_t kCursorVersion = 1;
inline constexpr std::string_view kCursorMacContext = "loadgen.pagination.items.cursor";
inline constexpr size_t kCursorMacBytes = 32;
inline constexpr size_t kCursorBytes = 25 + kCursorMacBytes;

struct CursorOptions {
  // Cursors older than this are rejected with kExpiredCursor; zero means they never expire.
  std::chrono::seconds max_age{std::chrono::hours(1)};
  // Cursors issued further in the future than this (clock steps, skew between servers that
  // share a key) are rejected too.
  std::chrono::seconds max_clock_skew{std::chrono::minutes(1)};
  // Injectable so tests can age cursors without sleeping; must be safe to call concurrently
  // if the codec is shared between threads.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

// Immutable after construction: encode() and decode() are const and safe to call from many
// threads at once (given a thread-safe clock), so one codec may be copied into each worker.
class CursorCodec {
 public:
  static constexpr size_t kMinKeyBytes = 16;

  // Fails with kSetup when the key is shorter than kMinKeyBytes, when max_age or
  // max_clock_skew is negative, or when the clock is empty. The key is raw bytes, not text.
  static Result<CursorCodec> create(std::string_view key, CursorOptions options = {});

  // 32 bytes from OpenSSL's CSPRNG (kSetup if it cannot be seeded). A server that makes a fresh
  // key at start-up invalidates every cursor issued before the restart: the intended staleness.
  static Result<std::string> generate_key();

  std::string encode(CursorPosition position) const;

  // kInvalidCursor: empty, not base64url, wrong length, unknown version, a MAC that does not
  // verify (altered, or issued under another key), or dated in the future beyond
  // max_clock_skew. kExpiredCursor: authentic but older than max_age. Never throws.
  Result<CursorPosition> decode(std::string_view cursor) const;

 private:
  CursorCodec(std::string key, CursorOptions options);

  std::string key_;
  CursorOptions options_;
};

}  // namespace loadgen::targets
