#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"

// refserver's configuration: the raw flag strings as typed, and the checked Config built
// from them. Building is pure (no CLI11), so every rule is unit-tested.
namespace loadgen::refserver {

enum class StartupMode { kSequential, kStaged };

using Millis = std::chrono::milliseconds;

// Artificial sleeps added to start-up phases, so start-up time is measurable and the
// staged/sequential difference shows.
struct PhaseDelays {
  Millis migrate{0};
  Millis seed{0};
  Millis warm{0};
};

struct Config {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::filesystem::path db_path;
  std::filesystem::path queue_db_path;
  std::filesystem::path cache_db_path;
  StartupMode startup = StartupMode::kSequential;
  bool migrate = true;
  int threads = 1;
  std::int64_t seed_rows = 10000;
  PhaseDelays delays;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  Millis read_timeout{10000};
  Millis idle_timeout{30000};
  std::size_t batch_size = 256;
  Millis batch_max_age{20};
  std::size_t batch_capacity = 10000;
  int pool_workers = 2;
  std::size_t pool_queue = 1000;
  std::size_t jobs_retained = 100000;
  int warm_pages = 20;
  std::string cursor_secret;  // empty: a random key per process
};

// Every flag as text, exactly as given; defaults are the flags' documented defaults.
struct RawConfig {
  std::string bind_address = "127.0.0.1";
  std::string port = "8080";
  std::string db_path = "refserver.sqlite3";
  std::string data_dir;
  std::string startup = "sequential";
  bool no_migrate = false;
  std::string threads;  // empty: one per core
  std::string seed_rows = "10000";
  std::vector<std::string> phase_delays;
  std::string max_body = "1MiB";
  std::string max_header = "16KiB";
  std::string read_timeout = "10s";
  std::string idle_timeout = "30s";
  std::string batch_size = "256";
  std::string batch_max_age = "20ms";
  std::string batch_capacity = "10000";
  std::string pool_workers = "2";
  std::string pool_queue = "1000";
  std::string jobs_retained = "100000";
  std::string warm_pages = "20";
  std::string cursor_secret;
};

// Trims every value, converts and checks it. On failure the message holds one line per
// problem, each naming its flag.
core::Expected<Config> build_config(const RawConfig& raw);

// "migrate=200ms,seed=500ms,warm=300ms"; several such values add up phase by phase.
core::Expected<PhaseDelays> parse_phase_delays(const std::vector<std::string>& values);

// Where the queue and cache databases live: in `data_dir` when given, else beside the main
// database, named after its stem: /d/app.sqlite3 -> /d/app-queue.sqlite3, /d/app-cache.sqlite3.
std::filesystem::path sibling_db_path(const std::filesystem::path& main_db,
                                      const std::filesystem::path& data_dir,
                                      std::string_view suffix);

}  // namespace loadgen::refserver
