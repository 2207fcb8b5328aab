#include "targets/refserver/config.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "targets/refserver/text.hpp"

namespace loadgen::refserver {
namespace {

namespace fs = std::filesystem;

// Converts flag values one by one, collecting every problem instead of stopping at the first.
class Checker {
 public:
  std::int64_t integer(std::string_view flag, std::string_view text, std::int64_t min,
                       std::int64_t max) {
    const auto value = parse_int(text);
    if (!value || *value < min || *value > max) {
      fail(fmt::format("{}: '{}' is not an integer in {}..{}", flag, trim(text), min, max));
      return min;
    }
    return *value;
  }

  std::size_t bytes(std::string_view flag, std::string_view text, double min, double max) {
    const auto value = core::parse_bytes(trim(text));
    if (!value || *value < min || *value > max) {
      fail(fmt::format("{}: '{}' is not a size in {}..{} bytes (e.g. 1MiB)", flag, trim(text), min,
                       max));
      return static_cast<std::size_t>(min);
    }
    return static_cast<std::size_t>(*value);
  }

  Millis duration(std::string_view flag, std::string_view text, Millis min) {
    const auto value = core::parse_duration(trim(text));
    const auto ms = value ? std::chrono::duration_cast<Millis>(*value) : Millis{-1};
    if (!value || ms < min) {
      fail(fmt::format("{}: '{}' is not a duration of at least {}ms (e.g. 250ms, 10s)", flag,
                       trim(text), min.count()));
      return min;
    }
    return ms;
  }

  void fail(std::string message) { errors_.push_back(std::move(message)); }
  bool ok() const { return errors_.empty(); }
  std::string joined() const { return fmt::format("{}", fmt::join(errors_, "\n")); }

 private:
  std::vector<std::string> errors_;
};

bool is_ip_address(const std::string& text) {
  in6_addr storage{};
  return inet_pton(AF_INET, text.c_str(), &storage) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &storage) == 1;
}

void check_directory(Checker& check, std::string_view flag, const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    check.fail(fmt::format("{}: directory '{}' does not exist", flag, dir.string()));
  }
}

fs::path check_db_path(Checker& check, std::string_view text) {
  const fs::path path{std::string(trim(text))};
  if (path.empty()) {
    check.fail("--db: the database path is empty");
    return path;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    check.fail(fmt::format("--db: '{}' is a directory, not a database file", path.string()));
  }
  check_directory(check, "--db", path.has_parent_path() ? path.parent_path() : fs::path("."));
  return path;
}

StartupMode check_startup(Checker& check, std::string_view text) {
  const auto mode = trim(text);
  if (mode == "sequential")
    return StartupMode::kSequential;
  if (mode == "staged")
    return StartupMode::kStaged;
  check.fail(fmt::format("--startup: '{}' is not one of sequential, staged", mode));
  return StartupMode::kSequential;
}

int default_threads() {
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

// Request limits, timeouts and the batcher's and pool's sizes.
void check_limits(Checker& check, const RawConfig& raw, Config& config) {
  config.max_body_bytes = check.bytes("--max-body", raw.max_body, 1, 1024.0 * 1024 * 1024);
  config.max_header_bytes = check.bytes("--max-header", raw.max_header, 1024, 1024.0 * 1024);
  config.read_timeout = check.duration("--read-timeout", raw.read_timeout, Millis{1});
  config.idle_timeout = check.duration("--idle-timeout", raw.idle_timeout, Millis{1});
  config.batch_size =
      static_cast<std::size_t>(check.integer("--batch-size", raw.batch_size, 1, 100'000));
  config.batch_max_age = check.duration("--batch-max-age", raw.batch_max_age, Millis{1});
  config.batch_capacity = static_cast<std::size_t>(
      check.integer("--batch-capacity", raw.batch_capacity, 1, 10'000'000));
  config.pool_workers = static_cast<int>(check.integer("--pool-workers", raw.pool_workers, 1, 256));
  config.pool_queue =
      static_cast<std::size_t>(check.integer("--pool-queue", raw.pool_queue, 1, 10'000'000));
  config.jobs_retained =
      static_cast<std::size_t>(check.integer("--jobs-retained", raw.jobs_retained, 1, 100'000'000));
  config.warm_pages = static_cast<int>(check.integer("--warm-pages", raw.warm_pages, 0, 100'000));
}

}  // namespace

fs::path sibling_db_path(const fs::path& main_db, const fs::path& data_dir,
                         std::string_view suffix) {
  const fs::path dir = data_dir.empty() ? main_db.parent_path() : data_dir;
  return dir / fmt::format("{}-{}.sqlite3", main_db.stem().string(), suffix);
}

core::Expected<PhaseDelays> parse_phase_delays(const std::vector<std::string>& values) {
  PhaseDelays delays;
  for (const auto& value : values) {
    for (auto item : split(value, ',')) {
      item = trim(item);
      if (item.empty())
        continue;
      const auto eq = item.find('=');
      const auto name = trim(item.substr(0, eq));
      const auto amount = core::parse_duration(
          eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1)));
      Millis* slot = name == "migrate" ? &delays.migrate
                     : name == "seed"  ? &delays.seed
                     : name == "warm"  ? &delays.warm
                                       : nullptr;
      if (slot == nullptr || !amount) {
        return core::Expected<PhaseDelays>::failure(fmt::format(
            "--phase-delay: '{}' is not PHASE=DURATION with PHASE one of migrate, seed, warm",
            item));
      }
      *slot += std::chrono::duration_cast<Millis>(*amount);
    }
  }
  return delays;
}

core::Expected<Config> build_config(const RawConfig& raw) {
  Checker check;
  Config config;
  config.bind_address = std::string(trim(raw.bind_address));
  if (!is_ip_address(config.bind_address)) {
    check.fail(fmt::format("--bind: '{}' is not an IPv4 or IPv6 address", config.bind_address));
  }
  config.port = static_cast<std::uint16_t>(check.integer("--port", raw.port, 0, 65535));
  config.db_path = check_db_path(check, raw.db_path);
  const fs::path data_dir{std::string(trim(raw.data_dir))};
  if (!data_dir.empty())
    check_directory(check, "--data-dir", data_dir);
  config.queue_db_path = sibling_db_path(config.db_path, data_dir, "queue");
  config.cache_db_path = sibling_db_path(config.db_path, data_dir, "cache");
  config.startup = check_startup(check, raw.startup);
  config.migrate = !raw.no_migrate;
  config.threads = trim(raw.threads).empty()
                       ? default_threads()
                       : static_cast<int>(check.integer("--threads", raw.threads, 1, 256));
  config.seed_rows = check.integer("--seed-rows", raw.seed_rows, 0, 100'000'000);
  if (auto delays = parse_phase_delays(raw.phase_delays)) {
    config.delays = *delays;
  } else {
    check.fail(delays.error());
  }
  check_limits(check, raw, config);
  config.cursor_secret = std::string(trim(raw.cursor_secret));
  if (!check.ok())
    return core::Expected<Config>::failure(check.joined());
  return config;
}

}  // namespace loadgen::refserver
