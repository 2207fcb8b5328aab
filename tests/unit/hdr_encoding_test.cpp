#include "harness/metrics/hdr_encoding.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "harness/metrics/base64.hpp"

namespace loadgen::metrics {
namespace {

std::vector<uint8_t> hex(std::string s) {
  std::erase(s, ' ');
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

Histogram golden_histogram() {
  Histogram h(1, 3'600'000'000, 3);
  for (int64_t v : {1, 1, 5, 3000}) h.record(v);
  return h;
}

TEST(HdrEncoding, UncompressedBytesMatchJavaGoldenVector) {
  const auto expected = hex(
      "1c849313 00000007 00000000 00000003 0000000000000001 00000000d693a400 3ff0000000000000"
      "00 04 05 02 ab27 02");
  EXPECT_EQ(encode_uncompressed(golden_histogram()), expected);
}

TEST(HdrEncoding, EmptyHistogramEncodesOneZeroCount) {
  const auto expected = hex(
      "1c849313 00000001 00000000 00000003 0000000000000001 00000000d693a400 3ff0000000000000 00");
  EXPECT_EQ(encode_uncompressed(Histogram(1, 3'600'000'000, 3)), expected);
}

TEST(HdrEncoding, CompressedLevel9MatchesJavaBase64) {
  // Byte identity of DEFLATE output depends on the zlib build; Debian's zlib matches Java's.
  EXPECT_EQ(base64_encode(encode_compressed(golden_histogram())),
            "HISTFAAAACZ42pNpmSzMwMDAzgABzFCaEURcm7yEwf4DVISFlWm1OhMAdC0FbQ==");
}

TEST(HdrEncoding, DecodesJavaPayload) {
  auto bytes = base64_decode("HISTFAAAACZ42pNpmSzMwMDAzgABzFCaEURcm7yEwf4DVISFlWm1OhMAdC0FbQ==");
  ASSERT_TRUE(bytes);
  auto h = decode_histogram(*bytes);
  ASSERT_TRUE(h) << h.error();
  EXPECT_EQ(h->total_count(), 4);
  EXPECT_EQ(h->min(), 1);
  EXPECT_EQ(h->max(), 3001);
  EXPECT_DOUBLE_EQ(h->mean(), 752.0);
  EXPECT_EQ(h->value_at_percentile(50), 1);
  EXPECT_EQ(h->value_at_percentile(90), 3001);
}

TEST(HdrEncoding, RoundTripsRandomHistograms) {
  std::mt19937_64 rng(99);
  for (int digits = 1; digits <= 5; ++digits) {
    Histogram h(1, int64_t{3'600'000'000'000}, digits);
    for (int i = 0; i < 5000; ++i) h.record(static_cast<int64_t>(std::exponential_distribution<double>(1e-7)(rng)), 1 + static_cast<int64_t>(rng() % 1000));
    for (const auto& bytes : {encode_uncompressed(h), encode_compressed(h, 6)}) {
      auto back = decode_histogram(bytes);
      ASSERT_TRUE(back) << back.error();
      ASSERT_EQ(back->total_count(), h.total_count());
      for (int64_t i = 0; i < h.counts_length(); ++i) ASSERT_EQ(back->count_at_index(i), h.count_at_index(i));
      EXPECT_EQ(back->max(), h.max());
      EXPECT_EQ(back->min(), h.min());
    }
  }
}

// A reader of many histograms decodes each into the one it kept: the counts left from the
// last must be gone, and a histogram of another layout is replaced, not misread.
TEST(HdrEncoding, DecodesIntoAKeptHistogramAsIntoAFreshOne) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> d(std::log(2e6), 1.0);
  auto kept = Histogram::for_latency_ns();
  for (int round = 0; round < 4; ++round) {
    auto h = Histogram::for_latency_ns();
    for (int i = 0; i < 300 * (round + 1); ++i) h.record(static_cast<int64_t>(d(rng)));
    const auto bytes = encode_compressed(h, 1);
    ASSERT_EQ(decode_histogram_into(bytes, kept), "");
    EXPECT_EQ(kept.total_count(), h.total_count());
    EXPECT_EQ(kept.min(), h.min());
    EXPECT_EQ(kept.max(), h.max());
    EXPECT_EQ(encode_uncompressed(kept), encode_uncompressed(h)) << "round " << round;
  }
  Histogram other(1000, 60'000'000'000, 2);
  other.record(5'000'000);
  ASSERT_EQ(decode_histogram_into(encode_compressed(other), kept), "");
  EXPECT_EQ(kept.significant_digits(), 2);
  EXPECT_EQ(kept.total_count(), 1);
  EXPECT_EQ(encode_uncompressed(kept), encode_uncompressed(other));
  EXPECT_NE(decode_histogram_into(std::vector<uint8_t>{1, 2, 3}, kept), "");
}

TEST(HdrEncoding, HugeCountsUseTheNineByteForm) {
  Histogram h(1, 3'600'000'000, 3);
  h.record(7, int64_t{1} << 60);
  auto back = decode_histogram(encode_compressed(h));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->count_at_value(7), int64_t{1} << 60);
}

TEST(ZigZagVarint, ByteExamplesFromTheSpec) {
  auto enc = [](int64_t v) {
    std::vector<uint8_t> out;
    append_zigzag_varint(out, v);
    return out;
  };
  EXPECT_EQ(enc(2), hex("04"));
  EXPECT_EQ(enc(0), hex("00"));
  EXPECT_EQ(enc(1), hex("02"));
  EXPECT_EQ(enc(-3), hex("05"));
  EXPECT_EQ(enc(-2518), hex("ab27"));
  EXPECT_EQ(enc(INT64_MAX).size(), 9u);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 56, -(int64_t{1} << 62), INT64_MAX, INT64_MIN}) {
    const auto bytes = enc(v);
    size_t pos = 0;
    int64_t back = 0;
    ASSERT_TRUE(read_zigzag_varint(bytes, pos, back));
    EXPECT_EQ(back, v);
    EXPECT_EQ(pos, bytes.size());
  }
}

TEST(HdrEncodingErrors, NamesWhatIsWrong) {
  auto v1 = hex("1c849301 00000000");
  auto r = decode_histogram(v1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("V1"), std::string::npos) << r.error();

  auto truncated = encode_uncompressed(golden_histogram());
  truncated.resize(truncated.size() - 2);
  r = decode_histogram(truncated);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("truncated"), std::string::npos) << r.error();

  auto bad_zlib = encode_compressed(golden_histogram());
  bad_zlib[12] ^= 0xFF;
  EXPECT_FALSE(decode_histogram(bad_zlib));

  // Counts beyond the declared layout: claim a highest value too small for index 2524.
  auto too_small = encode_uncompressed(golden_histogram());
  for (int i = 24; i < 32; ++i) too_small[static_cast<size_t>(i)] = 0;
  too_small[31] = 0x10;  // highest = 16
  r = decode_histogram(too_small);
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().empty());
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  const std::vector<uint8_t> data = {0, 1, 2, 250, 251, 252, 253};
  for (size_t n = 0; n <= data.size(); ++n) {
    std::vector<uint8_t> part(data.begin(), data.begin() + static_cast<long>(n));
    auto back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, part);
  }
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{'f', 'o', 'o', 'b'}), "Zm9vYg==");
  auto unpadded = base64_decode("Zm9vYg");
  ASSERT_TRUE(unpadded);
  EXPECT_EQ(unpadded->size(), 4u);
  EXPECT_FALSE(base64_decode("Zm9v*g=="));
  EXPECT_FALSE(base64_decode("Z"));
}

}  // namespace
}  // namespace loadgen::metrics
