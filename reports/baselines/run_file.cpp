#include "reports/baselines/run_file.hpp"

#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "reports/atomic_file.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string now_utc() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

bool is_baseline_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return s != "." && s != "..";
}

}  // namespace

core::Expected<json> read_run_json(const std::string& path) {
  using R = core::Expected<json>;
  std::error_code ec;
  fs::path file = path;
  if (fs::is_directory(file, ec)) file /= "result.json";
  // A bare name is one saved by `loadgen baseline save ... --as NAME` in the default folder.
  const fs::path saved = fs::path(kDefaultBaselineDir) / (path + ".json");
  if (!fs::exists(file, ec) && is_baseline_name(path) && fs::exists(saved, ec)) file = saved;
  if (!fs::exists(file, ec)) {
    return R::failure(fmt::format("{}: no such file{}", file.string(),
                                  file.filename() == "result.json" ? " (is this a report directory?)" : ""));
  }
  std::ifstream in(file);
  if (!in) return R::failure(fmt::format("{}: cannot be read", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return R::failure(fmt::format("{}: not valid JSON", file.string()));
  if (!j.is_object() || !j.contains("timeline") || !j["timeline"].is_array() || !j.contains("by_name")) {
    return R::failure(fmt::format("{}: not a loadgen result or baseline (no timeline and by_name)", file.string()));
  }
  return j;
}

json baseline_of(const json& r, const std::string& source, const std::string& saved_at) {
  json out = json::object();
  for (const char* key : {"context", "scenario", "scenario_file", "verdict", "started_at", "start_epoch_s", "duration_s",
                          "planned_duration_s", "warmup_s", "model", "threads", "requests", "measured_requests",
                          "throughput", "latency_ms", "service_latency_ms", "by_name", "slo", "plan", "capacity"}) {
    if (r.contains(key)) out[key] = r[key];
  }
  // The timeline keeps what comparisons and charts of the baseline need.
  json timeline = json::array();
  for (const auto& p : r.value("timeline", json::array())) {
    json q = json::object();
    for (const char* key : {"t_s", "length_s", "stage", "target", "rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors",
                            "dropped"}) {
      if (p.contains(key)) q[key] = p[key];
    }
    timeline.push_back(std::move(q));
  }
  out["timeline"] = std::move(timeline);
  out["baseline_of"] = {{"source", source}, {"saved_at", saved_at}};
  return out;
}

core::Expected<std::string> save_baseline(const std::string& source, const std::string& name, const std::string& dir) {
  using R = core::Expected<std::string>;
  if (!is_baseline_name(name)) {
    return R::failure(fmt::format("baseline name '{}' must be letters, digits, _ . and - (it names the file)", name));
  }
  auto run = read_run_json(source);
  if (!run) return R::failure(run.error());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return R::failure(fmt::format("{}: cannot create the directory: {}", dir, ec.message()));
  const std::string path = (fs::path(dir) / (name + ".json")).string();
  try {
    write_file_atomically(path, baseline_of(*run, source, now_utc()).dump(1) + "\n");
  } catch (const std::exception& e) {
    return R::failure(e.what());
  }
  return path;
}

}  // namespace loadgen::reports
