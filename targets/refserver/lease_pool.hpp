#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

// A fixed set of resources (SQLite connections with their prepared statements) lent to one
// thread at a time. Sized to the number of threads that can ask at once, so acquire() does
// not wait in practice; when it must, it waits rather than sharing a connection.
namespace loadgen::refserver {

template <typename T>
class LeasePool {
 public:
  class Lease {
   public:
    Lease(LeasePool& pool, std::unique_ptr<T> item) : pool_(&pool), item_(std::move(item)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (item_)
        pool_->give_back(std::move(item_));
    }
    T& operator*() const { return *item_; }
    T* operator->() const { return item_.get(); }

   private:
    LeasePool* pool_;
    std::unique_ptr<T> item_;
  };

  void add(std::unique_ptr<T> item) { give_back(std::move(item)); }

  Lease acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !free_.empty(); });
    auto item = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(item));
  }

 private:
  void give_back(std::unique_ptr<T> item) {
    {
      std::lock_guard lock(mutex_);
      free_.push_back(std::move(item));
    }
    available_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<T>> free_;
};

}  // namespace loadgen::refserver
