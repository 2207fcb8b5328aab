#pragma once

#include <atomic>

// What /up and /up/full report: the main store is serving, every background start-up step is
// done, and whether the server is draining (both then answer 503 so traffic moves away).
namespace loadgen::refserver {

class Readiness {
 public:
  void set_main_ready() { main_.store(true, std::memory_order_release); }
  void set_full_ready() { full_.store(true, std::memory_order_release); }
  void set_draining() { draining_.store(true, std::memory_order_release); }

  bool main_ready() const { return main_.load(std::memory_order_acquire); }
  bool full_ready() const { return full_.load(std::memory_order_acquire); }
  bool draining() const { return draining_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> main_{false};
  std::atomic<bool> full_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace loadgen::refserver
