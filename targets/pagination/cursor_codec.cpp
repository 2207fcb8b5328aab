#include "targets/pagination/cursor_codec.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "targets/pagination/base64url.hpp"

namespace loadgen::targets {
namespace {

constexpr size_t kPayloadBytes = kCursorBytes - kCursorMacBytes;
constexpr size_t kCursorChars = (kCursorBytes * 4 + 2) / 3;  // unpadded base64 length
constexpr size_t kGeneratedKeyBytes = 32;
// Keeps millisecond arithmetic on the options far away from int64 overflow.
constexpr auto kMaxOptionDuration = std::chrono::hours(24 * 365 * 100);

using Mac = std::array<uint8_t, kCursorMacBytes>;

void put_i64(std::span<uint8_t, 8> out, int64_t value) {
  auto bits = static_cast<uint64_t>(value);
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = static_cast<uint8_t>(bits & 0xFFU);
    bits >>= 8;
  }
}

int64_t get_i64(std::span<const uint8_t, 8> in) {
  uint64_t bits = 0;
  for (const uint8_t b : in) {
    bits = (bits << 8) | b;
  }
  return static_cast<int64_t>(bits);
}

Mac compute_mac(std::string_view key, std::span<const uint8_t, kPayloadBytes> payload) {
  std::array<uint8_t, kCursorMacContext.size() + kPayloadBytes> message{};
  std::copy(kCursorMacContext.begin(), kCursorMacContext.end(), message.begin());
  std::copy(payload.begin(), payload.end(), message.begin() + kCursorMacContext.size());
  Mac mac{};
  unsigned int mac_len = 0;
  // create() bounds the key length, so the int conversion is exact.
  const unsigned char* ok = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                 message.data(), message.size(), mac.data(), &mac_len);
  LG_CHECK(ok != nullptr && mac_len == mac.size(), "HMAC-SHA256 failed");
  return mac;
}

int64_t now_ms(const CursorOptions& options) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(options.clock().time_since_epoch()).count();
}

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidCursor, std::move(message)};
}

// Runs only after the MAC verified, so the timestamp is one a holder of the key wrote. Ages are
// computed in whole seconds: clock() is within +-2^43 ms (system_clock counts int64 nanoseconds)
// and the options are bounded, so no sum or difference below can overflow whatever issued_ms holds.
Result<CursorPosition> check_age(const CursorOptions& options, int64_t issued_ms,
                                 CursorPosition position) {
  using std::chrono::milliseconds;
  const int64_t now = now_ms(options);
  const int64_t skew_ms = milliseconds(options.max_clock_skew).count();
  if (issued_ms > now + skew_ms) {
    return invalid(fmt::format("cursor is dated {} s in the future; check the server clocks",
                               issued_ms / 1000 - now / 1000));
  }
  const int64_t max_age_ms = milliseconds(options.max_age).count();
  if (max_age_ms > 0 && issued_ms < now - max_age_ms) {
    return Error{ErrorCode::kExpiredCursor,
                 fmt::format("cursor has expired: issued {} s ago, the limit is {} s; start again "
                             "from the first page",
                             now / 1000 - issued_ms / 1000, options.max_age.count())};
  }
  return position;
}

}  // namespace

Result<CursorCodec> CursorCodec::create(std::string_view key, CursorOptions options) {
  if (key.size() < kMinKeyBytes) {
    return Error{ErrorCode::kSetup, fmt::format("cursor key must be at least {} bytes (got {})",
                                                kMinKeyBytes, key.size())};
  }
  if (key.size() > INT_MAX) {  // OpenSSL's HMAC() takes the key length as an int
    return Error{ErrorCode::kSetup, "cursor key is too long"};
  }
  const auto in_range = [](std::chrono::seconds d) {
    return d.count() >= 0 && d <= kMaxOptionDuration;
  };
  if (!in_range(options.max_age) || !in_range(options.max_clock_skew)) {
    return Error{ErrorCode::kSetup,
                 "cursor max_age and max_clock_skew must be between 0 and 100 years"};
  }
  if (!options.clock) {
    return Error{ErrorCode::kSetup, "cursor clock must be set"};
  }
  return CursorCodec(std::string(key), std::move(options));
}

Result<std::string> CursorCodec::generate_key() {
  std::string key(kGeneratedKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return Error{ErrorCode::kSetup, "cannot generate a cursor key: the system CSPRNG failed"};
  }
  return key;
}

CursorCodec::CursorCodec(std::string key, CursorOptions options)
    : key_(std::move(key)), options_(std::move(options)) {}

std::string CursorCodec::encode(CursorPosition position) const {
  std::array<uint8_t, kCursorBytes> bytes{};
  const std::span<uint8_t, kCursorBytes> all(bytes);
  all[0] = kCursorVersion;
  put_i64(all.subspan<1, 8>(), position.created_at);
  put_i64(all.subspan<9, 8>(), position.id);
  put_i64(all.subspan<17, 8>(), now_ms(options_));
  const Mac mac = compute_mac(key_, all.first<kPayloadBytes>());
  std::copy(mac.begin(), mac.end(), all.subspan<kPayloadBytes>().begin());
  return base64url_encode(all);
}

Result<CursorPosition> CursorCodec::decode(std::string_view cursor) const {
  if (cursor.empty()) {
    return invalid("cursor is empty; omit it to start from the first page");
  }
  // Bounds the work an attacker can ask for before anything is checked.
  if (cursor.size() > kCursorChars) {
    return invalid(fmt::format("cursor is too long ({} characters)", cursor.size()));
  }
  auto decoded = base64url_decode(cursor);
  if (!decoded) {
    return decoded.error();
  }
  const std::vector<uint8_t>& bytes = *decoded;
  // The version is read before the length so that a cursor from another format version is
  // reported as such rather than as a truncated one.
  if (bytes.empty() || bytes[0] != kCursorVersion) {
    return invalid(fmt::format("cursor format version {} is not supported (expected {})",
                               bytes.empty() ? 0 : bytes[0], kCursorVersion));
  }
  if (bytes.size() != kCursorBytes) {
    return invalid(fmt::format("cursor is truncated or has extra bytes: {} bytes, expected {}",
                               bytes.size(), kCursorBytes));
  }
  const std::span<const uint8_t, kCursorBytes> all(bytes.data(), kCursorBytes);
  const Mac expected = compute_mac(key_, all.first<kPayloadBytes>());
  // Constant time, so response timing does not reveal how many MAC bytes a forgery got right.
  if (CRYPTO_memcmp(expected.data(), all.subspan<kPayloadBytes>().data(), expected.size()) != 0) {
    return invalid("cursor signature does not match: it was altered or issued under another key");
  }
  const CursorPosition position{get_i64(all.subspan<1, 8>()), get_i64(all.subspan<9, 8>())};
  return check_age(options_, get_i64(all.subspan<17, 8>()), position);
}

}  // namespace loadgen::targets
