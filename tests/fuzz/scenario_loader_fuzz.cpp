// libFuzzer target: any bytes as a scenario file. The loader must answer every input with a
// scenario or located errors, in bounded time and memory: no crash, no sanitizer report, no
// runaway expansion (YAML aliases), no read of a device as a feed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  loadgen::scenario::LoadOptions options;
  options.tmp_dir = "/tmp/loadgen-fuzz";
  options.bin_dir = "/nonexistent/bin";
  // No environment: the same input always loads the same way.
  options.getenv = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  const auto result =
      loadgen::scenario::load_string(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml", options);
  // Either a scenario or at least one error that says where.
  if (!result.scenario && result.errors.empty()) __builtin_trap();
  return 0;
}
