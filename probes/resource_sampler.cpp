#include "probes/resource_sampler.hpp"

#include <fmt/format.h>

namespace loadgen::probes {
namespace {

ResourceSample to_sample(const ProcSnapshot& now, const std::optional<ProcSnapshot>& before,
                         Clock::time_point started_at) {
  ResourceSample sample;
  sample.at = now.at - started_at;
  sample.rss_bytes = now.rss_bytes;
  sample.threads = now.threads;
  sample.fds = now.fds;
  if (!before)
    return sample;
  const double wall = std::chrono::duration<double>(now.at - before->at).count();
  if (wall <= 0)
    return sample;
  // A process of the tree that ended and was reaped takes its CPU time out of the sum (into
  // its parent's children time, which is counted, but at tick resolution): never below zero.
  const auto delta = [](uint64_t a, uint64_t b) { return a > b ? static_cast<double>(a - b) : 0.0; };
  const double user_ticks = delta(now.user_ticks, before->user_ticks);
  const double system_ticks = delta(now.system_ticks, before->system_ticks);
  // The total from the nanosecond CPU clock; /proc's 10 ms ticks (+-10% of a core per 100 ms
  // sample) only split it into user and system.
  const double busy_s = delta(now.cpu_ns, before->cpu_ns) / 1e9;
  double user_share = 1;
  if (user_ticks + system_ticks > 0) {
    user_share = user_ticks / (user_ticks + system_ticks);
  } else if (now.user_ticks + now.system_ticks > 0) {
    user_share = static_cast<double>(now.user_ticks) / static_cast<double>(now.user_ticks + now.system_ticks);
  }
  sample.has_cpu = true;
  sample.cpu_user = busy_s * user_share / wall;
  sample.cpu_system = busy_s * (1 - user_share) / wall;
  return sample;
}

}  // namespace

ResourceSampler::ResourceSampler(pid_t pid, SamplerOptions options)
    : pid_(pid), options_(options) {}

ResourceSampler::~ResourceSampler() {
  stop();
}

core::Expected<ResourceSample> ResourceSampler::start() {
  LG_CHECK(!thread_.joinable(), "ResourceSampler::start() called twice");
  started_at_ = Clock::now();
  if (!sample_once()) {
    return core::Expected<ResourceSample>::failure(
        fmt::format("cannot sample process {}: it does not exist or has ended", pid_));
  }
  thread_ = std::thread([this] { loop(); });
  std::lock_guard lock(mutex_);
  return kept_.front();
}

void ResourceSampler::stop() {
  if (!thread_.joinable())
    return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // The end of the run is a sample too: RSS end and the last CPU interval.
  if (!ended_.load())
    sample_once();
}

bool ResourceSampler::sample_once() {
  auto snapshot = options_.whole_tree ? read_proc_tree(pid_) : read_proc(pid_);
  if (!snapshot) {
    ended_.store(true);
    return false;
  }
  std::lock_guard lock(mutex_);
  const auto sample = to_sample(*snapshot, previous_, started_at_);
  previous_ = snapshot;
  stats_.add(sample);
  if (seen_++ % keep_every_ != 0)
    return true;
  kept_.push_back(sample);
  if (kept_.size() >= options_.max_kept_samples) {
    // Halve the timeline's resolution: keep every other sample, and from now on one in 2k.
    size_t out = 0;
    for (size_t i = 0; i < kept_.size(); i += 2)
      kept_[out++] = kept_[i];
    kept_.resize(out);
    keep_every_ *= 2;
  }
  return true;
}

void ResourceSampler::loop() {
  auto next = started_at_;
  std::unique_lock lock(mutex_);
  for (;;) {
    next += options_.interval;
    // Fell more than an interval behind (a stalled machine): sample now, then keep pace.
    if (next + options_.interval < Clock::now())
      next = Clock::now();
    if (wake_.wait_until(lock, next, [this] { return stopping_; }))
      return;
    lock.unlock();
    const bool alive = sample_once();
    lock.lock();
    if (!alive)
      return;
  }
}

std::vector<ResourceSample> ResourceSampler::samples() const {
  std::lock_guard lock(mutex_);
  return kept_;
}

ResourceSummary ResourceSampler::summary() const {
  std::lock_guard lock(mutex_);
  auto summary = stats_.summary(options_.capacity_cores);
  summary.process_ended = ended_.load();
  return summary;
}

}  // namespace loadgen::probes
