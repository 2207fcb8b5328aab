#include "targets/pagination/cursor_codec.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "targets/pagination/base64url.hpp"
#include "tests/targets/pagination/test_support.hpp"

namespace loadgen::targets {
namespace {

using pagination_test::kTestKey;
using pagination_test::make_codec;
using pagination_test::ManualClock;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AnyOf;
using ::testing::HasSubstr;

const auto kEpoch = std::chrono::system_clock::time_point(milliseconds(1'700'000'000'000));

std::vector<uint8_t> raw_bytes(const std::string& cursor) {
  auto decoded = base64url_decode(cursor);
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? *decoded : std::vector<uint8_t>{};
}

// Builds a cursor from the layout documented in cursor_codec.hpp, independently of the codec,
// so these tests pin the wire format and can sign versions the codec does not write.
std::string signed_cursor(uint8_t version, int64_t created_at, int64_t id, int64_t issued_ms,
                          std::string_view key = kTestKey) {
  std::vector<uint8_t> bytes{version};
  for (const int64_t field : {created_at, id, issued_ms}) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<uint8_t>(static_cast<uint64_t>(field) >> shift));
    }
  }
  std::string message(kCursorMacContext);
  message.append(bytes.begin(), bytes.end());
  std::array<unsigned char, 32> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
       &mac_len);
  bytes.insert(bytes.end(), mac.begin(), mac.end());
  return base64url_encode(bytes);
}

void expect_rejected(const CursorCodec& codec, std::string_view cursor, std::string_view reason) {
  auto decoded = codec.decode(cursor);
  ASSERT_FALSE(decoded.ok()) << "accepted: " << cursor;
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidCursor) << decoded.error().message;
  EXPECT_THAT(decoded.error().message, HasSubstr(reason)) << cursor;
}

TEST(PaginationCursor, RoundTripsAnyPosition) {
  const CursorCodec codec = make_codec();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const CursorPosition positions[] = {
      {0, 0}, {1'700'000'000'123, 42}, {-5, 7}, {kMin, kMax}, {kMax, kMin}, {kMax, 1}};
  for (const CursorPosition& p : positions) {
    auto decoded = codec.decode(codec.encode(p));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, p);
  }
}

TEST(PaginationCursor, IsUnpaddedBase64UrlOfTheDocumentedLength) {
  const std::string cursor = make_codec().encode({1'700'000'000'123, 99});
  EXPECT_EQ(cursor.size(), 76U);
  EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"),
            std::string::npos)
      << cursor;
  EXPECT_EQ(raw_bytes(cursor).size(), kCursorBytes);
  EXPECT_EQ(raw_bytes(cursor)[0], kCursorVersion);
}

TEST(PaginationCursor, MatchesTheDocumentedWireFormat) {
  ManualClock clock(kEpoch);
  const CursorCodec codec = make_codec(kTestKey, CursorOptions{.clock = clock.as_function()});
  const int64_t now_ms = 1'700'000'000'000;
  EXPECT_EQ(codec.encode({123, 456}), signed_cursor(1, 123, 456, now_ms));
  auto decoded = codec.decode(signed_cursor(1, -9, 77, now_ms));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, (CursorPosition{-9, 77}));
}

TEST(PaginationCursor, EveryFlippedBitIsRejected) {
  const CursorCodec codec = make_codec();
  const std::vector<uint8_t> good = raw_bytes(codec.encode({1'700'000'000'123, 99}));
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = good;
      bad[byte] = static_cast<uint8_t>(bad[byte] ^ (1U << bit));
      // Byte 0 is the version: flipping it is reported as an unknown version instead.
      expect_rejected(codec, base64url_encode(bad), byte == 0 ? "version" : "signature");
    }
  }
}

TEST(PaginationCursor, EveryAlteredCharacterIsRejected) {
  const CursorCodec codec = make_codec();
  const std::string good = codec.encode({1'700'000'000'123, 99});
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    expect_rejected(codec, bad, "cursor");
  }
}

TEST(PaginationCursor, EveryTruncationAndExtensionIsRejected) {
  const CursorCodec codec = make_codec();
  const std::string good = codec.encode({1'700'000'000'123, 99});
  for (size_t length = 1; length < good.size(); ++length) {
    auto decoded = codec.decode(good.substr(0, length));
    ASSERT_FALSE(decoded.ok()) << length;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidCursor);
    // Depending on where the cut falls, the text is no longer base64url at all (an impossible
    // length, or a last character with bits past the final byte) or decodes short.
    EXPECT_THAT(decoded.error().message, AnyOf(HasSubstr("impossible length"),
                                               HasSubstr("stray bits"), HasSubstr("truncated")))
        << length;
  }
  expect_rejected(codec, good + "AA", "too long");
  expect_rejected(codec, good + "AAAA", "too long");
}

TEST(PaginationCursor, GarbageIsRejectedWithAReason) {
  const CursorCodec codec = make_codec();
  const std::string good = codec.encode({1, 2});
  expect_rejected(codec, "", "empty");
  expect_rejected(codec, "hello", "base64url");
  expect_rejected(codec, "!!!!", "unexpected character");
  expect_rejected(codec, "====", "unexpected character");
  expect_rejected(codec, good.substr(0, 74) + "==", "unexpected character");
  expect_rejected(codec, " " + good.substr(1), "unexpected character");
  expect_rejected(codec, std::string("AQ\0A", 4), "unexpected character");
  expect_rejected(codec, "\xC3\xA9\xC3\xA9", "unexpected character");
  expect_rejected(codec, std::string(1 << 20, 'A'), "too long");
  expect_rejected(codec, "null", "version 158 is not supported");
}

TEST(PaginationCursor, CursorFromAnotherKeyIsRejected) {
  const CursorCodec ours = make_codec();
  const CursorCodec theirs = make_codec("another-key-of-enough-length-42");
  expect_rejected(ours, theirs.encode({1, 2}), "signature does not match");
  expect_rejected(theirs, ours.encode({1, 2}), "signature does not match");
}

TEST(PaginationCursor, OtherFormatVersionsAreRejectedEvenWhenSigned) {
  ManualClock clock(kEpoch);
  const CursorCodec codec = make_codec(kTestKey, CursorOptions{.clock = clock.as_function()});
  const int64_t now_ms = 1'700'000'000'000;
  expect_rejected(codec, signed_cursor(0, 1, 2, now_ms), "version 0 is not supported");
  expect_rejected(codec, signed_cursor(2, 1, 2, now_ms), "version 2 is not supported");
  expect_rejected(codec, signed_cursor(255, 1, 2, now_ms), "version 255 is not supported");
}

TEST(PaginationCursor, ExpiresAfterMaxAge) {
  ManualClock clock(kEpoch);
  const CursorCodec codec =
      make_codec(kTestKey, CursorOptions{.max_age = minutes(15), .clock = clock.as_function()});
  const std::string cursor = codec.encode({1, 2});
  clock.advance(minutes(15));
  EXPECT_TRUE(codec.decode(cursor).ok()) << "exactly max_age old is still valid";
  clock.advance(milliseconds(1001));
  auto decoded = codec.decode(cursor);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kExpiredCursor);
  EXPECT_EQ(decoded.error().message,
            "cursor has expired: issued 901 s ago, the limit is 900 s; start again from the "
            "first page");
}

TEST(PaginationCursor, ZeroMaxAgeNeverExpires) {
  ManualClock clock(kEpoch);
  const CursorCodec codec =
      make_codec(kTestKey, CursorOptions{.max_age = seconds(0), .clock = clock.as_function()});
  const std::string cursor = codec.encode({1, 2});
  clock.advance(hours(24 * 365 * 10));
  EXPECT_TRUE(codec.decode(cursor).ok());
}

TEST(PaginationCursor, CursorsFromTheFutureBeyondTheSkewAreRejected) {
  ManualClock issuer_clock(kEpoch);
  ManualClock reader_clock(kEpoch - minutes(1));
  const CursorCodec issuer =
      make_codec(kTestKey, CursorOptions{.clock = issuer_clock.as_function()});
  const CursorCodec reader =
      make_codec(kTestKey, CursorOptions{.clock = reader_clock.as_function()});
  const std::string cursor = issuer.encode({1, 2});
  EXPECT_TRUE(reader.decode(cursor).ok()) << "one minute of skew is tolerated";
  reader_clock.advance(-seconds(2));
  expect_rejected(reader, cursor, "in the future");
}

TEST(PaginationCursor, CreateRejectsUnusableSettings) {
  auto short_key = CursorCodec::create("too-short");
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().code, ErrorCode::kSetup);
  EXPECT_EQ(short_key.error().message, "cursor key must be at least 16 bytes (got 9)");
  EXPECT_FALSE(CursorCodec::create(kTestKey, CursorOptions{.max_age = seconds(-1)}).ok());
  EXPECT_FALSE(CursorCodec::create(kTestKey, CursorOptions{.max_clock_skew = seconds(-1)}).ok());
  EXPECT_FALSE(CursorCodec::create(kTestKey, CursorOptions{.max_age = hours(24 * 365 * 101)}).ok());
  EXPECT_FALSE(CursorCodec::create(kTestKey, CursorOptions{.clock = nullptr}).ok());
}

TEST(PaginationCursor, GeneratedKeysAreDistinctSoARestartInvalidatesCursors) {
  auto first = CursorCodec::generate_key();
  auto second = CursorCodec::generate_key();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 32U);
  EXPECT_NE(*first, *second);
  const CursorCodec before_restart = make_codec(*first);
  const CursorCodec after_restart = make_codec(*second);
  const std::string cursor = before_restart.encode({5, 6});
  EXPECT_TRUE(before_restart.decode(cursor).ok());
  expect_rejected(after_restart, cursor, "signature does not match");
}

}  // namespace
}  // namespace loadgen::targets
