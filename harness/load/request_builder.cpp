#include "harness/load/request_builder.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "harness/http/request_writer.hpp"
#include "harness/load/flow_step.hpp"

namespace loadgen::load {

namespace {

const FlowVars kNoVars;  // a request outside any flow

bool never_changes(const scenario::RequestSpec& spec) {
  return spec.path.is_literal() && (!spec.body || spec.body->is_literal()) &&
         std::all_of(spec.headers.begin(), spec.headers.end(), [](const auto& h) { return h.value.is_literal(); });
}

// Only a check of the body needs it kept: everything else is counted as it streams past.
bool reads_body(const scenario::Check& check) { return check.body_contains || !check.json_equals.empty(); }

}  // namespace

RequestBuilder::RequestBuilder(const std::vector<scenario::RequestSpec>& specs, const http::Endpoint& endpoint,
                               uint64_t seed, std::vector<double> flow_weights)
    : specs_(specs), base_path_(endpoint.base_path), rng_(seed) {
  const std::string host = endpoint.host_header();
  for (const auto& s : specs_) {
    weights_.push_back(s.weight);
    auto& wire = wire_.emplace_back();
    auto& prepared = prepared_.emplace_back();
    if (!never_changes(s)) continue;
    // HTTP/2 frames headers itself (HPACK): it takes the request, rendered once, not bytes.
    if (endpoint.http_version == 2) {
      prepared = build_step(s, 0, 0, kNoVars);
      prepared->keep_body = reads_body(s.check);
    } else {
      http::write_request(build_step(s, 0, 0, kNoVars), host, wire.emplace());
    }
  }
  weights_.insert(weights_.end(), flow_weights.begin(), flow_weights.end());
  sum_weights();
}

void RequestBuilder::sum_weights() {
  double sum = 0;
  cumulative_weights_.clear();
  for (const double w : weights_) {
    sum += w;
    cumulative_weights_.push_back(sum);
  }
  enabled_weight_ = sum;
}

void RequestBuilder::disable(size_t index) {
  if (index < weights_.size()) weights_[index] = 0;
  sum_weights();
}

size_t RequestBuilder::pick() {
  if (cumulative_weights_.size() <= 1) return 0;
  const double x = std::uniform_real_distribution<double>(0, cumulative_weights_.back())(rng_);
  const auto it = std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), x);
  auto i = std::min(static_cast<size_t>(it - cumulative_weights_.begin()), weights_.size() - 1);
  while (weights_[i] <= 0 && i > 0) --i;  // x on the edge of a disabled one
  return i;
}

std::string RequestBuilder::uuid() {
  const uint64_t a = rng_();
  const uint64_t b = rng_();
  // RFC 4122 version 4: random, with the version and variant bits set.
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF,
                     ((b >> 48) & 0x3FFF) | 0x8000, b & 0xFFFFFFFFFFFFull);
}

http::Request RequestBuilder::build(size_t index, uint64_t seq, uint64_t vu) {
  if (const auto& prepared = prepared_[index]) return *prepared;
  if (const auto& wire = wire_[index]) {
    http::Request r;
    r.method = specs_[index].method;
    r.timeout = specs_[index].timeout;
    r.wire = &*wire;
    r.keep_body = reads_body(specs_[index].check);
    return r;
  }
  auto r = build_step(specs_[index], seq, vu, kNoVars);
  r.keep_body = reads_body(specs_[index].check);
  return r;
}

http::Request RequestBuilder::unprepared(const http::Request& request, const scenario::RequestSpec& spec) {
  if (request.wire == nullptr) return request;
  // Prepared only when nothing in it varies, so rendering it again gives the same request.
  auto r = build_step(spec, 0, 0, kNoVars);
  r.method = request.method;
  r.timeout = request.timeout;
  r.keep_body = request.keep_body;
  return r;
}

http::Request RequestBuilder::build_step(const scenario::RequestSpec& spec, uint64_t seq, uint64_t vu,
                                         const FlowVars& vars) {
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    if (const auto* v = vars.find(name)) return *v;
    if (name == "seq") return std::to_string(seq);
    if (name == "vu") return std::to_string(vu);
    if (name == "uuid") return uuid();
    if (name == "now_ms") {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    }
    return std::nullopt;
  };
  http::Request r;
  r.method = spec.method;
  r.target = base_path_ + (spec.path.is_literal() ? spec.path.literal_text() : spec.path.expand(lookup));
  if (!r.target.starts_with('/')) {
    // A flow's extracted URL ("http://host:port/api/jobs/7"): its path, to the same target.
    const auto scheme = r.target.find("://");
    const auto slash = scheme == std::string::npos ? std::string::npos : r.target.find('/', scheme + 3);
    r.target = slash == std::string::npos ? "/" + r.target : r.target.substr(slash);
  }
  r.headers.reserve(spec.headers.size());
  for (const auto& h : spec.headers) {
    r.headers.emplace_back(h.name, h.value.is_literal() ? h.value.literal_text() : h.value.expand(lookup));
  }
  if (spec.body) r.body = spec.body->is_literal() ? spec.body->literal_text() : spec.body->expand(lookup);
  r.timeout = spec.timeout;
  return r;
}

}  // namespace loadgen::load
