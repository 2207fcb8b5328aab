#include "harness/metrics/mapped_counts.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <utility>
#include <vector>

namespace loadgen::metrics {

size_t MappedCounts::page_bytes() noexcept {
  static const size_t bytes = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return bytes;
}

size_t MappedCounts::mapped_bytes() const noexcept {
  const size_t page = page_bytes();
  return (length_ * sizeof(int64_t) + page - 1) / page * page;
}

MappedCounts::MappedCounts(size_t length) : length_(length) {
  if (length_ == 0) return;
  // NORESERVE: nothing is committed (nor counted against overcommit) until written.
  void* p = mmap(nullptr, mapped_bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // A transparent huge page would commit 2 MiB for one count: the opposite of the point.
  madvise(p, mapped_bytes(), MADV_NOHUGEPAGE);
  counts_ = static_cast<int64_t*>(p);
}

MappedCounts::~MappedCounts() {
  if (counts_ != nullptr) munmap(counts_, mapped_bytes());
}

MappedCounts::MappedCounts(const MappedCounts& other) : MappedCounts(other.length_) {
  add_all(other, 0, other.length_);
}

MappedCounts& MappedCounts::operator=(const MappedCounts& other) {
  if (this != &other) {
    MappedCounts copy(other);
    swap(copy);
  }
  return *this;
}

void MappedCounts::swap(MappedCounts& other) noexcept {
  std::swap(length_, other.length_);
  std::swap(counts_, other.counts_);
  std::swap(clears_, other.clears_);
  std::swap(may_hold_pages_, other.may_hold_pages_);
}

void MappedCounts::add_all(const MappedCounts& other, size_t from, size_t to) noexcept {
  const int64_t* src = other.counts_;
  int64_t* dst = counts_;
  for_each_busy_chunk(src, from, std::min(to, std::min(length_, other.length_)), [&](size_t first) {
    for (size_t i = 0; i < kChunk; ++i) dst[first + i] += src[first + i];
    may_hold_pages_ = true;
  });
}

void MappedCounts::clear(size_t from, size_t to) noexcept {
  if (counts_ == nullptr) return;
  if (++clears_ >= kReleaseEvery) release_idle_pages();
  int64_t* c = counts_;
  // Written only where a chunk holds counts: a write to a page never committed commits it.
  for_each_busy_chunk(c, from, std::min(to, length_), [&](size_t first) { std::fill_n(c + first, kChunk, 0); });
  may_hold_pages_ = true;
}

void MappedCounts::release_idle_pages() noexcept {
  clears_ = 0;
  if (counts_ == nullptr) return;
  const size_t page = page_bytes();
  const size_t per_page = page / sizeof(int64_t);
  char* const base = reinterpret_cast<char*>(counts_);
  constexpr size_t kBatch = 256;
  unsigned char resident[kBatch];
  const size_t pages = mapped_bytes() / page;
  bool kept = false;
  // Idle pages are released in runs: one system call per run of neighbours.
  size_t idle_from = 0, idle_to = 0;
  auto release = [&] {
    if (idle_to > idle_from) madvise(base + idle_from * page, (idle_to - idle_from) * page, MADV_DONTNEED);
    idle_from = idle_to = 0;
  };
  for (size_t first = 0; first < pages; first += kBatch) {
    const size_t n = std::min(kBatch, pages - first);
    if (mincore(base + first * page, n * page, resident) != 0) std::fill_n(resident, n, 1);
    for (size_t k = 0; k < n; ++k) {
      if ((resident[k] & 1) == 0) continue;
      const size_t p = first + k;
      const int64_t* c = counts_ + p * per_page;
      const int64_t* end = counts_ + std::min((p + 1) * per_page, length_);
      if (std::any_of(c, end, [](int64_t v) { return v != 0; })) {
        kept = true;
        continue;
      }
      if (idle_to != p) {
        release();
        idle_from = p;
      }
      idle_to = p + 1;
    }
  }
  release();
  may_hold_pages_ = kept;
}

size_t MappedCounts::pages_in_use() const {
  if (counts_ == nullptr) return 0;
  const size_t page = page_bytes();
  const size_t pages = mapped_bytes() / page;
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return pages;  // cannot tell: say the most it could be
  std::vector<uint64_t> entries(pages);
  const auto offset = static_cast<off_t>(reinterpret_cast<uintptr_t>(counts_) / page * sizeof(uint64_t));
  const ssize_t got = pread(fd, entries.data(), entries.size() * sizeof(uint64_t), offset);
  close(fd);
  if (got != static_cast<ssize_t>(entries.size() * sizeof(uint64_t))) return pages;
  size_t n = 0;
  // Bit 63: present; bit 56: mapped by this process alone (the zero page is everyone's).
  for (uint64_t e : entries) n += ((e >> 63) & 1) != 0 && ((e >> 56) & 1) != 0 ? 1 : 0;
  return n;
}

}  // namespace loadgen::metrics
