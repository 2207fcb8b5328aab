#pragma once

#include <string>
#include <utility>

namespace loadgen::targets {

// What a sink says about one batch: written, or not written at all and why. Sinks must be
// all-or-nothing per batch (a transaction, say), so that "failed" means every item failed.
class SinkResult {
 public:
  static SinkResult success() { return SinkResult(true, {}); }
  static SinkResult failure(std::string error) { return SinkResult(false, std::move(error)); }

  bool ok() const noexcept { return ok_; }
  // Empty when ok().
  const std::string& error() const noexcept { return error_; }

 private:
  SinkResult(bool ok, std::string error) : ok_(ok), error_(std::move(error)) {}

  bool ok_;
  std::string error_;
};

}  // namespace loadgen::targets
