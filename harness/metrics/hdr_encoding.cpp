#include "harness/metrics/hdr_encoding.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <zlib.h>

namespace loadgen::metrics {
namespace {

constexpr uint32_t kV2EncodingCookie = 0x1c849303 | 0x10;
constexpr uint32_t kV2CompressedCookie = 0x1c849304 | 0x10;
constexpr size_t kHeaderBytes = 40;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
uint32_t get_u32(std::span<const uint8_t> in, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | in[at + i];
  return v;
}
uint64_t get_u64(std::span<const uint8_t> in, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | in[at + i];
  return v;
}

// Java masks out bits 4-7 of the cookie (they once carried the word size).
uint32_t cookie_base(uint32_t cookie) { return cookie & ~0xF0u; }

std::string describe_foreign_cookie(uint32_t cookie) {
  switch (cookie_base(cookie)) {
    case 0x1c849301: return "an HdrHistogram V1 encoding";
    case 0x1c849302: return "an HdrHistogram V1 compressed encoding";
    case 0x1c849308: return "an HdrHistogram V0 encoding";
    case 0x1c849309: return "an HdrHistogram V0 compressed encoding";
    default: break;
  }
  if ((cookie & ~1u) == 0x0c72124e) return "a DoubleHistogram encoding";
  return fmt::format("an unknown cookie 0x{:08x}", cookie);
}

// The 40-byte header of an uncompressed V2 encoding, checked.
struct Encoded {
  int64_t lowest = 0;
  int64_t highest = 0;
  int digits = 0;
  std::span<const uint8_t> payload;
};

core::Expected<Encoded> read_header(std::span<const uint8_t> in) {
  using Result = core::Expected<Encoded>;
  if (in.size() < kHeaderBytes) return Result::failure("histogram encoding is shorter than its 40-byte header");
  const uint32_t cookie = get_u32(in, 0);
  if (cookie_base(cookie) != cookie_base(kV2EncodingCookie)) {
    return Result::failure("unsupported histogram encoding: " + describe_foreign_cookie(cookie));
  }
  const uint32_t payload_length = get_u32(in, 4);
  const auto normalizing_offset = static_cast<int32_t>(get_u32(in, 8));
  Encoded e;
  e.digits = static_cast<int32_t>(get_u32(in, 12));
  e.lowest = static_cast<int64_t>(get_u64(in, 16));
  e.highest = static_cast<int64_t>(get_u64(in, 24));
  if (normalizing_offset != 0) return Result::failure("histogram encoding uses a normalizing index offset (unsupported)");
  if (in.size() - kHeaderBytes < payload_length) {
    return Result::failure(fmt::format("histogram counts are truncated: {} bytes declared, {} present",
                                       payload_length, in.size() - kHeaderBytes));
  }
  e.payload = in.subspan(kHeaderBytes, payload_length);
  return e;
}

// Adds the payload's counts to `h` (empty, with the encoded layout), visiting only the non-zero
// ones: a run of zeros costs nothing. Empty on success, else what is wrong.
std::string fill_counts(std::span<const uint8_t> payload, Histogram& h) {
  const auto capacity = static_cast<size_t>(h.counts_length());
  size_t index = 0;
  size_t pos = 0;
  while (pos < payload.size()) {
    int64_t v = 0;
    if (!read_zigzag_varint(payload, pos, v)) return "histogram counts end in the middle of a number";
    if (v < 0) {
      const auto zeros = static_cast<uint64_t>(-v);
      if (zeros > capacity - index) return "histogram counts run past the layout's end";
      index += zeros;
    } else {
      if (index >= capacity) return "histogram counts run past the layout's end";
      if (v > 0) h.add_at_index(index, v);
      ++index;
    }
  }
  return {};
}

core::Expected<Histogram> decode_uncompressed(std::span<const uint8_t> in) {
  using Result = core::Expected<Histogram>;
  auto e = read_header(in);
  if (!e) return Result::failure(e.error());
  std::optional<Histogram> histogram;
  try {
    histogram.emplace(e->lowest, e->highest, e->digits);
  } catch (const std::invalid_argument& ex) {
    return Result::failure(std::string("histogram header is invalid: ") + ex.what());
  }
  if (auto error = fill_counts(e->payload, *histogram); !error.empty()) return Result::failure(error);
  return std::move(*histogram);
}

// zlib's inflate of a compressed V2 encoding's body; empty `error` on success.
std::vector<uint8_t> inflate_body(std::span<const uint8_t> in, std::string& error) {
  std::vector<uint8_t> raw;
  const uint32_t compressed_length = get_u32(in, 4);
  if (in.size() - 8 < compressed_length) {
    error = "compressed histogram is truncated";
    return raw;
  }
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) {
    error = "zlib inflateInit failed";
    return raw;
  }
  zs.next_in = const_cast<Bytef*>(in.data() + 8);  // zlib's API is not const-correct
  zs.avail_in = compressed_length;
  int rc = Z_OK;
  std::array<uint8_t, 16384> chunk{};
  while (rc == Z_OK) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    raw.insert(raw.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    if (raw.size() > (size_t{64} << 20)) {
      rc = Z_MEM_ERROR;
      break;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) error = fmt::format("compressed histogram is not valid zlib data ({})", rc);
  return raw;
}

}  // namespace

void append_zigzag_varint(std::vector<uint8_t>& out, int64_t value) {
  uint64_t u = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  // LEB128 for 8 bytes of 7 bits; a 9th byte, if needed, carries the last 8 bits whole.
  for (int i = 0; i < 8; ++i) {
    if ((u >> 7) == 0) {
      out.push_back(static_cast<uint8_t>(u));
      return;
    }
    out.push_back(static_cast<uint8_t>((u & 0x7F) | 0x80));
    u >>= 7;
  }
  out.push_back(static_cast<uint8_t>(u & 0xFF));
}

bool read_zigzag_varint(std::span<const uint8_t> in, size_t& pos, int64_t& value) {
  uint64_t u = 0;
  int shift = 0;
  for (int i = 0; i < 9; ++i) {
    if (pos >= in.size()) return false;
    const uint8_t b = in[pos++];
    if (i == 8) {
      u |= static_cast<uint64_t>(b) << 56;
      break;
    }
    u |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  value = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

std::vector<uint8_t> encode_uncompressed(const Histogram& h) {
  std::vector<uint8_t> counts;
  // Up to the last non-empty bucket, zeros as runs; an empty histogram still encodes index 0.
  // Only the non-zero counts are visited: reading the rest would map pages that hold nothing.
  int64_t next = 0;
  h.for_each_nonzero_count([&](int64_t index, int64_t count) {
    const int64_t zeros = index - next;
    if (zeros > 0) append_zigzag_varint(counts, zeros == 1 ? 0 : -zeros);
    append_zigzag_varint(counts, count);
    next = index + 1;
  });
  if (next == 0) append_zigzag_varint(counts, 0);
  std::vector<uint8_t> out;
  out.reserve(kHeaderBytes + counts.size());
  put_u32(out, kV2EncodingCookie);
  put_u32(out, static_cast<uint32_t>(counts.size()));
  put_u32(out, 0);  // normalizing index offset
  put_u32(out, static_cast<uint32_t>(h.significant_digits()));
  put_u64(out, static_cast<uint64_t>(h.lowest_discernible()));
  put_u64(out, static_cast<uint64_t>(h.highest_trackable()));
  put_u64(out, std::bit_cast<uint64_t>(1.0));  // integer-to-double conversion ratio
  out.insert(out.end(), counts.begin(), counts.end());
  return out;
}

std::vector<uint8_t> encode_compressed(const Histogram& h, int zlib_level) {
  const auto raw = encode_uncompressed(h);
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> out(8 + compressed_size);
  const int rc = compress2(out.data() + 8, &compressed_size, raw.data(), static_cast<uLong>(raw.size()), zlib_level);
  if (rc != Z_OK) throw std::runtime_error(fmt::format("zlib compress2 failed ({})", rc));
  out.resize(8 + compressed_size);
  std::vector<uint8_t> header;
  put_u32(header, kV2CompressedCookie);
  put_u32(header, static_cast<uint32_t>(compressed_size));
  std::memcpy(out.data(), header.data(), 8);
  return out;
}

core::Expected<Histogram> decode_histogram(std::span<const uint8_t> in) {
  using Result = core::Expected<Histogram>;
  if (in.size() < 8) return Result::failure("histogram encoding is shorter than 8 bytes");
  const uint32_t cookie = get_u32(in, 0);
  if (cookie_base(cookie) == cookie_base(kV2EncodingCookie)) return decode_uncompressed(in);
  if (cookie_base(cookie) != cookie_base(kV2CompressedCookie)) {
    return Result::failure("unsupported histogram encoding: " + describe_foreign_cookie(cookie));
  }
  std::string error;
  const auto raw = inflate_body(in, error);
  if (!error.empty()) return Result::failure(error);
  return decode_uncompressed(raw);
}

std::string decode_histogram_into(std::span<const uint8_t> in, Histogram& into) {
  if (in.size() < 8) return "histogram encoding is shorter than 8 bytes";
  std::vector<uint8_t> raw;
  std::span<const uint8_t> body = in;
  if (cookie_base(get_u32(in, 0)) == cookie_base(kV2CompressedCookie)) {
    std::string error;
    raw = inflate_body(in, error);
    if (!error.empty()) return error;
    body = raw;
  }
  auto e = read_header(body);
  if (!e) return e.error();
  if (e->lowest != into.lowest_discernible() || e->highest != into.highest_trackable() ||
      e->digits != into.significant_digits()) {
    auto other = decode_uncompressed(body);
    if (!other) return other.error();
    into = std::move(other).value();
    return {};
  }
  into.reset();
  return fill_counts(e->payload, into);
}

}  // namespace loadgen::metrics
