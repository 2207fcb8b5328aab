#include "harness/run/shard_log.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/http/types.hpp"
#include "harness/metrics/base64.hpp"
#include "harness/metrics/hdr_encoding.hpp"

namespace loadgen::run {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;

std::string encode(const metrics::Histogram& h) {
  if (h.total_count() == 0 && h.out_of_range_count() == 0) return "";
  return metrics::base64_encode(metrics::encode_compressed(h, 1));
}

// Into a histogram kept from one interval to the next: its memory is reused.
void decode_into(const json& j, metrics::Histogram& into) {
  const auto& text = j.get_ref<const std::string&>();
  if (text.empty()) {
    into.reset();
    return;
  }
  auto bytes = metrics::base64_decode(text);
  if (!bytes) throw std::runtime_error(bytes.error());
  if (auto error = metrics::decode_histogram_into(*bytes, into); !error.empty()) throw std::runtime_error(error);
}

json counters_json(const load::CounterValues& c) {
  json errors = json::object();
  for (size_t k = 0; k < c.errors.size(); ++k) {
    if (c.errors[k] != 0) errors[std::string(http::to_string(static_cast<http::ErrorKind>(k)))] = c.errors[k];
  }
  return {{"scheduled", c.scheduled}, {"sent", c.sent},     {"completed", c.completed}, {"dropped", c.dropped},
          {"not_sent", c.not_sent},   {"bytes", c.bytes_received}, {"resent", c.resent},
          {"redirects", c.redirects}, {"errors", errors}};
}

load::CounterValues counters_of(const json& j) {
  load::CounterValues c;
  c.scheduled = j.at("scheduled").get<uint64_t>();
  c.sent = j.at("sent").get<uint64_t>();
  c.completed = j.at("completed").get<uint64_t>();
  c.dropped = j.at("dropped").get<uint64_t>();
  c.not_sent = j.at("not_sent").get<uint64_t>();
  c.bytes_received = j.at("bytes").get<uint64_t>();
  c.resent = j.at("resent").get<uint64_t>();
  c.redirects = j.value("redirects", uint64_t{0});
  for (const auto& [kind, n] : j.at("errors").items()) {
    bool known = false;
    for (size_t k = 0; k < c.errors.size(); ++k) {
      if (http::to_string(static_cast<http::ErrorKind>(k)) == kind) {
        c.errors[k] = n.get<uint64_t>();
        known = true;
      }
    }
    if (!known) throw std::runtime_error(fmt::format("unknown error kind '{}'", kind));
  }
  return c;
}

}  // namespace

ShardLogWriter::ShardLogWriter(std::string path, ShardLogHeader header)
    : path_(std::move(path)), header_(std::move(header)) {}

ShardLogWriter::~ShardLogWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void ShardLogWriter::write_line(const std::string& line) {
  if (file_ == nullptr) return;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fputc('\n', file_) == EOF) {
    error_ = fmt::format("{}: {}", path_, std::strerror(errno));
    std::fclose(file_);
    file_ = nullptr;
  }
}

void ShardLogWriter::on_start(const Result& run) {
  file_ = std::fopen(path_.c_str(), "w");
  if (file_ == nullptr) {
    error_ = fmt::format("{}: {}", path_, std::strerror(errno));
    return;
  }
  json sets = json::array();
  for (const auto& [k, v] : header_.sets) sets.push_back({k, v});
  const json j = {{"loadgen_shard_log", kFormatVersion},
                  {"shard", header_.shard},
                  {"shards", header_.shards},
                  {"scenario_digest", header_.scenario_digest},
                  {"scenario_file", header_.scenario_file},
                  {"scenario_text", header_.scenario_text},
                  {"sets", sets},
                  {"start_at_epoch_s", header_.start_at_epoch_s},
                  {"started_epoch_s", run.start_epoch_s},
                  {"base_url", run.target.base_url},
                  {"names", header_.names},
                  {"http", header_.http}};
  write_line(j.dump());
}

void ShardLogWriter::on_interval(const IntervalView& v) {
  if (file_ == nullptr) return;
  json names = json::array();
  for (const auto& n : v.snapshot.by_name) {
    names.push_back({{"c", encode(n.corrected)}, {"s", encode(n.service)}, {"t", counters_json(n.totals)}});
  }
  const json j = {{"start_s", v.start_s},
                  {"end_s", v.point.t_s},
                  {"in_flight", v.snapshot.in_flight},
                  {"users", v.snapshot.active_users},
                  {"send_lag", encode(v.snapshot.send_lag)},
                  {"names", names}};
  write_line(j.dump());
  std::fflush(file_);  // a shard killed mid-run leaves every second it measured
}

void ShardLogWriter::on_finish(const Result&) {
  if (file_ == nullptr) return;
  if (std::fclose(file_) != 0 && error_.empty()) error_ = fmt::format("{}: {}", path_, std::strerror(errno));
  file_ = nullptr;
}

core::Expected<std::unique_ptr<ShardLogReader>> ShardLogReader::open(const std::string& path) {
  using R = core::Expected<std::unique_ptr<ShardLogReader>>;
  std::unique_ptr<ShardLogReader> r(new ShardLogReader());
  r->path_ = path;
  r->file_ = std::fopen(path.c_str(), "r");
  if (r->file_ == nullptr) return R::failure(fmt::format("{}: {}", path, std::strerror(errno)));
  ssize_t n = getline(&r->line_, &r->capacity_, r->file_);
  if (n <= 0) return R::failure(fmt::format("{}: empty: not a shard log", path));
  try {
    const auto j = json::parse(std::string_view(r->line_, static_cast<size_t>(n)));
    if (!j.is_object() || !j.contains("loadgen_shard_log")) {
      return R::failure(fmt::format("{}:1: not a loadgen shard log", path));
    }
    if (j.at("loadgen_shard_log").get<int>() != kFormatVersion) {
      return R::failure(fmt::format("{}:1: shard log format {} (this loadgen reads {})", path,
                                    j.at("loadgen_shard_log").dump(), kFormatVersion));
    }
    auto& h = r->header_;
    h.shard = j.at("shard").get<int>();
    h.shards = j.at("shards").get<int>();
    h.scenario_digest = j.at("scenario_digest").get<std::string>();
    h.scenario_file = j.at("scenario_file").get<std::string>();
    h.scenario_text = j.at("scenario_text").get<std::string>();
    for (const auto& kv : j.at("sets")) h.sets.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
    h.start_at_epoch_s = j.at("start_at_epoch_s").get<double>();
    h.started_epoch_s = j.value("started_epoch_s", 0.0);
    h.base_url = j.at("base_url").get<std::string>();
    h.names = j.at("names").get<std::vector<std::string>>();
    h.http = j.at("http").get<std::vector<bool>>();
  } catch (const json::exception& e) {
    return R::failure(fmt::format("{}:1: bad shard log header: {}", path, e.what()));
  }
  // Count the intervals now (the replay must know which is last), then come back.
  const long body = std::ftell(r->file_);
  while (getline(&r->line_, &r->capacity_, r->file_) > 0) ++r->intervals_;
  std::fseek(r->file_, body, SEEK_SET);
  return r;
}

ShardLogReader::~ShardLogReader() {
  if (file_ != nullptr) std::fclose(file_);
  std::free(line_);
}

bool ShardLogReader::next(ShardInterval& out) {
  const ssize_t n = getline(&line_, &capacity_, file_);
  if (n <= 0) return false;
  ++line_number_;
  try {
    const auto j = json::parse(std::string_view(line_, static_cast<size_t>(n)));
    out.start_s = j.at("start_s").get<double>();
    out.end_s = j.at("end_s").get<double>();
    auto& snap = out.snapshot;
    snap.in_flight = j.at("in_flight").get<int64_t>();
    snap.active_users = j.at("users").get<int64_t>();
    const auto& names = j.at("names");
    if (names.size() != header_.names.size()) {
      throw std::runtime_error(fmt::format("{} names, the header has {}", names.size(), header_.names.size()));
    }
    snap.by_name.resize(names.size());
    const auto histogram = [](const json& field, metrics::Histogram& into) { decode_into(field, into); };
    histogram(j.at("send_lag"), snap.send_lag);
    for (size_t i = 0; i < names.size(); ++i) {
      histogram(names[i].at("c"), snap.by_name[i].corrected);
      histogram(names[i].at("s"), snap.by_name[i].service);
      snap.by_name[i].totals = counters_of(names[i].at("t"));
      snap.by_name[i].http = header_.http.at(i);
    }
    snap.elapsed = std::chrono::nanoseconds(static_cast<int64_t>(out.end_s * 1e9));
  } catch (const std::exception& e) {
    error_ = fmt::format("{}:{}: bad interval: {}", path_, line_number_, e.what());
    return false;
  }
  return true;
}

}  // namespace loadgen::run
