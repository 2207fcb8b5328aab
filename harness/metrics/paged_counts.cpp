#include "harness/metrics/paged_counts.hpp"

#include <algorithm>
#include <utility>

namespace loadgen::metrics {

PagedCounts::PagedCounts(size_t length)
    : length_(length), page_count_((length + kPageSize - 1) >> kPageShift),
      table_(std::make_unique<int64_t*[]>(page_count_)), pages_(table_.get()) {}

PagedCounts::PagedCounts(const PagedCounts& other) : PagedCounts(other.length_) {
  for (size_t p = 0; p < page_count_; ++p) {
    if (other.pages_[p] != nullptr) std::copy_n(other.pages_[p], kPageSize, allocate(p));
  }
}

PagedCounts& PagedCounts::operator=(const PagedCounts& other) {
  if (this != &other) {
    PagedCounts copy(other);
    swap(copy);
  }
  return *this;
}

void PagedCounts::swap(PagedCounts& other) noexcept {
  std::swap(length_, other.length_);
  std::swap(page_count_, other.page_count_);
  std::swap(in_use_, other.in_use_);
  std::swap(table_, other.table_);
  std::swap(pages_, other.pages_);
}

int64_t* PagedCounts::allocate(size_t page) {
  pages_[page] = new int64_t[kPageSize]();  // zeroed
  ++in_use_;
  return pages_[page];
}

void PagedCounts::add_all(const PagedCounts& other, size_t used) {
  const size_t last_page = std::min(other.page_count_, (used + kPageSize - 1) >> kPageShift);
  for (size_t p = 0; p < last_page; ++p) {
    const int64_t* from = other.pages_[p];
    if (from == nullptr) continue;
    if (pages_[p] == nullptr) {
      std::copy_n(from, kPageSize, allocate(p));
      continue;
    }
    int64_t* to = pages_[p];
    for (size_t j = 0; j < kPageSize; ++j) to[j] += from[j];
  }
}

void PagedCounts::clear() noexcept {
  for (size_t p = 0; p < page_count_; ++p) {
    delete[] pages_[p];
    pages_[p] = nullptr;
  }
  in_use_ = 0;
}

}  // namespace loadgen::metrics
