#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

// A histogram's counts array that holds memory only where values have landed. The whole
// layout is reserved as private anonymous memory and the kernel commits a page (4 KiB) on
// its first write, so the record path is a flat array's (one add at an index: no page table
// of our own, no branch) while an interval of one request name on one thread holds a handful
// of pages, not the layout's 264 KiB. The idea of counts that grow as values arrive is the
// Java HdrHistogram's PackedHistogram's; here the MMU does the packing.
//
// Callers pass the index range that may hold counts (a histogram knows it from its smallest
// and largest values), so reads and merges visit that range and nothing else, without
// asking the kernel. Reading a page never written maps the kernel's shared zero page there,
// which costs no memory. Pages that held no counts for a while are handed back (see clear()).
//
// Every instance is one mapping; neighbouring mappings merge into one kernel area, so the
// vm.max_map_count limit (65,530 areas) is not approached by loadgen's few thousand.
namespace loadgen::metrics {

class MappedCounts {
 public:
  explicit MappedCounts(size_t length);
  MappedCounts(const MappedCounts& other);
  MappedCounts& operator=(const MappedCounts& other);
  MappedCounts(MappedCounts&& other) noexcept { swap(other); }
  MappedCounts& operator=(MappedCounts&& other) noexcept {
    swap(other);
    return *this;
  }
  void swap(MappedCounts& other) noexcept;
  ~MappedCounts();

  size_t size() const noexcept { return length_; }
  int64_t get(size_t index) const noexcept { return counts_[index]; }
  void add(size_t index, int64_t count) noexcept { counts_[index] += count; }

  // Adds other's counts in [from, to) (the same length). Only non-zero counts are written,
  // so pages where `other` holds nothing commit nothing here.
  void add_all(const MappedCounts& other, size_t from, size_t to) noexcept;
  // Counts in [from, to) back to zero (the range must cover every non-zero count). Pages
  // that held counts stay committed: the next interval most likely lands there again, with
  // no fault and no system call. Every kReleaseEvery-th call first hands back the pages
  // that hold no count (MADV_DONTNEED), so what is held follows the last few intervals.
  void clear(size_t from, size_t to) noexcept;
  static constexpr int kReleaseEvery = 4;
  // Hands back every page that holds no count now (mincore, then MADV_DONTNEED).
  void release_idle_pages() noexcept;
  // False once a release found no page worth keeping and nothing was added since by
  // add_all(); add() does not track it (the record path stays one add), so callers that
  // recorded must clear() regardless.
  bool may_hold_pages() const noexcept { return may_hold_pages_; }

  // Calls f(index, count) for each non-zero count in [from, to), in ascending order.
  template <typename F>
  void for_each_nonzero(size_t from, size_t to, F&& f) const {
    const int64_t* const c = counts_;
    to = std::min(to, length_);
    for_each_busy_chunk(c, from, to, [&](size_t first) {
      const size_t end = std::min(first + kChunk, to);
      for (size_t i = std::max(first, from); i < end; ++i) {
        if (c[i] != 0) f(i, c[i]);
      }
    });
  }

  // Pages of this array that are this process's own memory (from /proc/self/pagemap: pages
  // only read map the shared zero page and are not counted), and the bytes they and the
  // object take. For tests and benchmarks: it reads a /proc file.
  size_t pages_in_use() const;
  size_t footprint_bytes() const { return sizeof(*this) + pages_in_use() * page_bytes(); }
  static size_t page_bytes() noexcept;

 private:
  size_t mapped_bytes() const noexcept;

  // Calls f(first) for each chunk of kChunk counts starting at `first` (a multiple of kChunk)
  // that overlaps [from, to) and holds a non-zero count. Chunks are whole and aligned (the
  // mapping is whole pages, and counts outside the range are zero by the caller's word), so
  // the loops over them have a constant trip count and the compiler vectorises them.
  static constexpr size_t kChunk = 512;  // 4 KiB of counts
  template <typename F>
  static void for_each_busy_chunk(const int64_t* counts, size_t from, size_t to, F&& f) {
    for (size_t first = from / kChunk * kChunk; first < to; first += kChunk) {
      int64_t any = 0;
      for (size_t i = 0; i < kChunk; ++i) any |= counts[first + i];
      if (any != 0) f(first);
    }
  }

  size_t length_ = 0;
  int64_t* counts_ = nullptr;  // the mapping, or null for an empty layout
  int clears_ = 0;
  bool may_hold_pages_ = false;
};

}  // namespace loadgen::metrics
