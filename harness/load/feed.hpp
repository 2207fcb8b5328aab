#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/scenario/scenario.hpp"

// A feed's rows, streamed from its file and shared by every worker thread: memory holds one
// line (sequential, unique) or `window` rows (random), whatever the file's size.
//   sequential: file order; at the end wrap to the first row, stop, or fail.
//   unique:     file order, each row handed to one flow only (never wraps).
//   random:     draw from a window of rows; each drawn row's place is refilled with the next
//               row of the file. With wrap the file restarts, so draws never end; with stop
//               or fail the window drains and every row is used once, in shuffled order.
namespace loadgen::load {

class Feed {
 public:
  // A unique feed in a sharded run gives shard I the good rows I, I + N, I + 2N ... only.
  struct Share {
    int index;
    int count;
  };
  static core::Expected<std::unique_ptr<Feed>> open(const scenario::FeedSpec& spec, uint64_t seed,
                                                    Share share = Share{0, 1});
  ~Feed();
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // The next row's values, one per column (in spec().columns order), into `row`. False once
  // the rows have run out (never with wrap, unless the file holds no row at all).
  bool next(std::vector<std::string>& row);
  bool exhausted() const { return exhausted_.load(std::memory_order_relaxed); }
  uint64_t rows_read() const { return rows_read_.load(std::memory_order_relaxed); }
  uint64_t bad_rows() const { return bad_rows_.load(std::memory_order_relaxed); }
  const scenario::FeedSpec& spec() const { return spec_; }

 private:
  explicit Feed(const scenario::FeedSpec& spec, uint64_t seed, Share share)
      : spec_(spec), share_(share), rng_(seed) {}
  // read_row, skipping the rows that belong to other shards (unique order only).
  bool read_own_row(std::vector<std::string>& row, bool wrap);
  // Reads the next good row of the file, wrapping when asked; false at its end.
  bool read_row(std::vector<std::string>& row, bool wrap);
  bool parse(std::vector<std::string>& row);
  bool rewind();

  scenario::FeedSpec spec_;
  Share share_;
  uint64_t good_rows_ = 0;  // rows parsed so far, whoever they belong to
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  char* line_ = nullptr;  // getline's buffer, reused
  size_t line_capacity_ = 0;
  ssize_t line_length_ = 0;
  std::vector<std::string> scratch_;
  std::vector<std::vector<std::string>> window_;
  bool window_filled_ = false;
  std::mt19937_64 rng_;
  std::atomic<bool> exhausted_{false};
  std::atomic<uint64_t> rows_read_{0};
  std::atomic<uint64_t> bad_rows_{0};
  bool first_pass_ = true;  // until the first wrap
};

}  // namespace loadgen::load
