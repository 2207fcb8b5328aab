#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "targets/worker_pool/submit.hpp"

namespace loadgen::targets {

// A task that threw on every attempt it was allowed.
struct DeadLetter {
  TaskId id = 0;
  std::string name;
  std::string last_error;
  int attempts = 0;
};

// The newest `capacity` dead letters; older ones are dropped and counted, so a soak test
// with a failing task cannot grow memory without bound. Thread-safe.
class DeadLetterList {
 public:
  explicit DeadLetterList(size_t capacity) : capacity_(capacity) {}

  void add(DeadLetter letter);
  std::vector<DeadLetter> snapshot() const;
  uint64_t dropped() const;

 private:
  mutable std::mutex mutex_;
  size_t capacity_;
  std::deque<DeadLetter> letters_;
  uint64_t dropped_ = 0;
};

}  // namespace loadgen::targets
