#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

// A histogram's counts array that holds memory only where values have landed: fixed-size
// pages allocated on the first count in them, a null page reading as zeros. A latency
// histogram's layout has ~34,000 counts (264 KiB flat) of which an interval of one request
// name on one thread touches a handful of pages; many names on many threads then cost what
// they recorded, not 264 KiB each. The idea is the Java HdrHistogram's PackedHistogram's
// (counts that grow as values arrive); pages keep the record path to one extra load.
namespace loadgen::metrics {

class PagedCounts {
 public:
  static constexpr int kPageShift = 8;
  static constexpr size_t kPageSize = size_t{1} << kPageShift;  // counts per page (2 KiB)
  static constexpr size_t kPageMask = kPageSize - 1;

  explicit PagedCounts(size_t length);
  PagedCounts(const PagedCounts& other);
  PagedCounts& operator=(const PagedCounts& other);
  PagedCounts(PagedCounts&& other) noexcept { swap(other); }
  PagedCounts& operator=(PagedCounts&& other) noexcept {
    swap(other);
    return *this;
  }
  void swap(PagedCounts& other) noexcept;

  size_t size() const noexcept { return length_; }
  int64_t get(size_t index) const noexcept {
    const int64_t* page = pages_[index >> kPageShift];
    return page == nullptr ? 0 : page[index & kPageMask];
  }
  void add(size_t index, int64_t count) noexcept {
    int64_t* page = pages_[index >> kPageShift];
    if (page == nullptr) [[unlikely]] page = allocate(index >> kPageShift);
    page[index & kPageMask] += count;
  }
  // Adds every count of `other` (the same length) below `used`.
  void add_all(const PagedCounts& other, size_t used);
  // Every count back to zero, and every page freed: what is held follows the next interval.
  void clear() noexcept;

  // Calls f(index, count) for each non-zero count below `used`, in ascending order.
  template <typename F>
  void for_each_nonzero(size_t used, F&& f) const {
    const size_t last_page = std::min(page_count_, (used + kPageSize - 1) >> kPageShift);
    for (size_t p = 0; p < last_page; ++p) {
      const int64_t* page = pages_[p];
      if (page == nullptr) continue;
      const size_t base = p << kPageShift;
      const size_t end = std::min(kPageSize, used - base);
      for (size_t j = 0; j < end; ++j) {
        if (page[j] != 0) f(base + j, page[j]);
      }
    }
  }

  size_t pages_in_use() const noexcept { return in_use_; }
  size_t footprint_bytes() const noexcept {
    return sizeof(*this) + page_count_ * sizeof(int64_t*) + in_use_ * kPageSize * sizeof(int64_t);
  }
  ~PagedCounts() { clear(); }

 private:
  [[gnu::cold, gnu::noinline]] int64_t* allocate(size_t page);

  size_t length_ = 0;
  size_t page_count_ = 0;
  size_t in_use_ = 0;
  // Raw pointers (each page new[]-ed, freed by clear()): the table is read on every record.
  std::unique_ptr<int64_t*[]> table_;
  int64_t** pages_ = nullptr;  // table_.get(), or null for an empty layout
};

}  // namespace loadgen::metrics
