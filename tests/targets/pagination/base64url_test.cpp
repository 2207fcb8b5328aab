#include "targets/pagination/base64url.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace loadgen::targets {
namespace {

std::vector<uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string decode_text(std::string_view encoded) {
  auto decoded = base64url_decode(encoded);
  EXPECT_TRUE(decoded.ok()) << encoded << ": " << decoded.error().message;
  return decoded.ok() ? std::string(decoded->begin(), decoded->end()) : std::string();
}

TEST(PaginationBase64Url, MatchesRfc4648VectorsWithoutPadding) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(bytes_of(plain)), encoded) << plain;
    EXPECT_EQ(decode_text(encoded), plain) << encoded;
  }
}

TEST(PaginationBase64Url, UsesTheUrlSafeAlphabet) {
  // Standard base64 spells these bytes "+/8=" and "/+8=".
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xFB, 0xFF}), "-_8");
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xFF, 0xEF}), "_-8");
}

TEST(PaginationBase64Url, RoundTripsEveryLengthAndByteValue) {
  std::vector<uint8_t> bytes;
  for (int length = 0; length <= 300; ++length) {
    const std::string encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<uint8_t>(length * 37 + 11));
  }
}

TEST(PaginationBase64Url, RejectsWhatTheEncoderNeverWrites) {
  struct Case {
    std::string_view text;
    std::string_view reason;
  };
  const Case cases[] = {
      {"Zg==", "unexpected character at position 2"},    // padding
      {"Zm9v+A", "unexpected character at position 4"},  // standard alphabet
      {"Zm9v/A", "unexpected character at position 4"},
      {"Zm 9", "unexpected character at position 2"},  // whitespace
      {"Zm9vY", "impossible length"},                  // 4k+1 characters
      {"Zh", "stray bits"},                            // "f" is only "Zg"
  };
  for (const Case& c : cases) {
    auto decoded = base64url_decode(c.text);
    ASSERT_FALSE(decoded.ok()) << c.text;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidCursor);
    EXPECT_NE(decoded.error().message.find(c.reason), std::string::npos)
        << c.text << ": " << decoded.error().message;
  }
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)).ok());
  EXPECT_FALSE(base64url_decode("Zm\xC3\xA9").ok());
}

}  // namespace
}  // namespace loadgen::targets
