#pragma once

#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "targets/batching/add_mode.hpp"
#include "targets/batching/batcher_core.hpp"
#include "targets/batching/batcher_options.hpp"
#include "targets/batching/batcher_stats.hpp"
#include "targets/batching/failed_items.hpp"
#include "targets/batching/sink_result.hpp"

namespace loadgen::targets {

// Collects items from any number of threads and hands them to a sink in batches: as soon as
// max_batch_items wait, or once the oldest has waited max_age, whichever comes first. The
// buffer is bounded (add() blocks until a deadline or rejects, per call). A failed batch is
// retried with backoff; after the last attempt its items go to the failure callback and the
// failed-items list. close() (and the destructor) writes everything still buffered, so every
// accepted item is either written or reported failed.
//
// The sink runs on the batcher's own thread, one batch at a time, and must be
// all-or-nothing (SqliteSink is). Thread-safe; nothing on the add() path throws for a full
// or closed batcher.
//
//   auto db = SqliteSink::open(path, {"items", {"created_at", "name", "payload"}});
//   Batcher<Row> rows({.max_batch_items = 500, .max_age = 20ms},
//                     (*db)->batch_writer<Row>([](const Row& r, RowBinder& b) {
//                       b.integer(r.created_at).text(r.name).text(r.payload);
//                     }));
//   if (rows.add(AddMode::block_for(10ms), row) != AddStatus::kAccepted) reply_503();
template <typename Item>
class Batcher final : public detail::BatcherCore {
 public:
  using Sink = std::function<SinkResult(std::span<const Item> batch)>;
  // Called on the batcher's thread with the items of a batch that failed every attempt.
  using FailureCallback =
      std::function<void(std::span<const Item> items, const std::string& error, int attempts)>;

  // Throws std::invalid_argument naming every problem with `options` (or an empty sink),
  // or std::system_error if the batcher's thread cannot start.
  Batcher(BatcherOptions options, Sink sink, FailureCallback on_failed = {})
      : BatcherCore(std::move(options)),
        sink_(std::move(sink)),
        on_failed_(std::move(on_failed)),
        failed_(this->options().failed_items_capacity) {
    if (!sink_) {
      throw std::invalid_argument("a Batcher needs a sink");
    }
    start();
  }
  ~Batcher() override { close(); }

  // Buffers `item` (see AddMode for what happens when the buffer is full). Never throws for
  // a full or closed batcher; only if moving the item or allocating does.
  AddStatus add(AddMode mode, Item item) {
    return admit(mode, [&] { buffer_.push_back(std::move(item)); });
  }

  // The newest failed items (BatcherOptions::failed_items_capacity), oldest first.
  std::vector<FailedItem<Item>> failed_items() const requires std::copy_constructible<Item> {
    return failed_.snapshot();
  }
  // The same, moved out: each failed item is returned once.
  std::vector<FailedItem<Item>> take_failed_items() { return failed_.take(); }

 private:
  void take_locked(size_t count) override {
    for (size_t i = 0; i < count; ++i) {
      batch_.push_back(std::move(buffer_.front()));
      buffer_.pop_front();
    }
  }
  SinkResult write_batch() override { return sink_(std::span<const Item>(batch_)); }
  void notify_failed(const std::string& error, int attempts) override {
    if (on_failed_) {
      on_failed_(std::span<const Item>(batch_), error, attempts);
    }
  }
  size_t keep_failed(const std::string& error, int attempts) override {
    return failed_.add(batch_, error, attempts);
  }
  void clear_batch() noexcept override { batch_.clear(); }

  Sink sink_;
  FailureCallback on_failed_;
  std::deque<Item> buffer_;  // guarded by BatcherCore's mutex
  std::vector<Item> batch_;  // the flusher thread's only
  FailedItemList<Item> failed_;
};

}  // namespace loadgen::targets
