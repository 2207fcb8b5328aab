#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/metrics/histogram.hpp"

// The HdrHistogram V2 binary encoding (hdr-spec.md §3.3-3.5), byte-compatible with Java's
// encodeIntoByteBuffer / encodeIntoCompressedByteBuffer: a 40-byte big-endian header, then the
// counts as ZigZag LEB128-64b9B with runs of zeros, optionally wrapped in zlib.
namespace loadgen::metrics {

std::vector<uint8_t> encode_uncompressed(const Histogram& histogram);
// zlib level 9, as Java's log writer uses.
std::vector<uint8_t> encode_compressed(const Histogram& histogram, int zlib_level = 9);

// Decodes either form (V2 only). The failure names what is wrong: an older format's cookie,
// a truncated buffer, a zlib error, or counts that do not fit the declared layout.
core::Expected<Histogram> decode_histogram(std::span<const uint8_t> bytes);
// The same into `into`, whose memory is reused when it has the encoded layout (a reader of
// many histograms then maps no new counts). Empty on success, else what is wrong.
std::string decode_histogram_into(std::span<const uint8_t> bytes, Histogram& into);

// The counts stream's integer codec, exposed for tests.
void append_zigzag_varint(std::vector<uint8_t>& out, int64_t value);
// Reads one value at `pos` and advances it; false when the buffer ends first.
bool read_zigzag_varint(std::span<const uint8_t> in, size_t& pos, int64_t& value);

}  // namespace loadgen::metrics
