#pragma once

#include <cstdint>
#include <string>

namespace loadgen::targets {

// One row of the items table, in the order pages list them: by (created_at, id).
struct Item {
  int64_t id = 0;
  int64_t created_at = 0;  // milliseconds since the Unix epoch
  std::string name;
  std::string payload;
  friend bool operator==(const Item&, const Item&) = default;
};

}  // namespace loadgen::targets
