#include "targets/worker_pool/dead_letter.hpp"

#include <utility>

namespace loadgen::targets {

void DeadLetterList::add(DeadLetter letter) {
  std::lock_guard lock(mutex_);
  if (capacity_ == 0) {
    ++dropped_;
    return;
  }
  if (letters_.size() == capacity_) {
    letters_.pop_front();
    ++dropped_;
  }
  letters_.push_back(std::move(letter));
}

std::vector<DeadLetter> DeadLetterList::snapshot() const {
  std::lock_guard lock(mutex_);
  return {letters_.begin(), letters_.end()};
}

uint64_t DeadLetterList::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace loadgen::targets
