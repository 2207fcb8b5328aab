#pragma once

#include <concepts>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace loadgen::targets {

// One item of a batch that failed every attempt, with the sink's last error.
template <typename Item>
struct FailedItem {
  Item item;
  std::string error;
  int attempts = 0;
};

// The newest `capacity` failed items; older ones are dropped to make room, so a sink that
// is down for a long soak cannot grow memory without bound. Thread-safe.
template <typename Item>
class FailedItemList {
 public:
  explicit FailedItemList(size_t capacity) : capacity_(capacity) {}

  // Moves every element of `items` in; returns how many items were dropped to make room.
  size_t add(std::vector<Item>& items, const std::string& error, int attempts) {
    std::lock_guard lock(mutex_);
    size_t dropped = 0;
    for (auto& item : items) {
      if (capacity_ == 0) {
        ++dropped;
        continue;
      }
      if (items_.size() == capacity_) {
        items_.pop_front();
        ++dropped;
      }
      items_.push_back({std::move(item), error, attempts});
    }
    return dropped;
  }

  std::vector<FailedItem<Item>> snapshot() const requires std::copy_constructible<Item> {
    std::lock_guard lock(mutex_);
    return {items_.begin(), items_.end()};
  }

  std::vector<FailedItem<Item>> take() {
    std::lock_guard lock(mutex_);
    std::vector<FailedItem<Item>> out(std::make_move_iterator(items_.begin()),
                                      std::make_move_iterator(items_.end()));
    items_.clear();
    return out;
  }

 private:
  mutable std::mutex mutex_;
  size_t capacity_;
  std::deque<FailedItem<Item>> items_;
};

}  // namespace loadgen::targets
