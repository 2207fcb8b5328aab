// The resource sampler against probe_target, which allocates, leaks and burns CPU on demand.
#include "probes/resource_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/core/units.hpp"
#include "tests/unit/probes/probe_target.hpp"

namespace loadgen::probes {
namespace {

using namespace std::chrono_literals;
using testing::probe_target;
using testing::wait_for_prefix;

std::unique_ptr<ChildProcess> spawn_target(std::vector<std::string> args) {
  args.insert(args.begin(), probe_target());
  auto child = ChildProcess::spawn({args, {}, "", ""});
  EXPECT_TRUE(child) << child.error();
  if (!child)
    return nullptr;
  auto process = std::move(child).value();
  EXPECT_TRUE(wait_for_prefix(*process, "listening on"));
  return process;
}

ResourceSummary sample_for(pid_t pid, std::chrono::milliseconds how_long,
                           std::chrono::milliseconds interval = 50ms) {
  ResourceSampler sampler(pid, interval);
  const auto first = sampler.start();
  EXPECT_TRUE(first) << first.error();
  std::this_thread::sleep_for(how_long);
  sampler.stop();
  EXPECT_FALSE(sampler.process_ended());
  return sampler.summary();
}

TEST(ResourceSampler, RssMaxMatchesAKnownAllocation) {
  constexpr double kAllocated = 64e6;
  auto target = spawn_target({"--allocate", "64MB", "--allocate-after", "300ms"});
  ASSERT_TRUE(target);
  ResourceSampler sampler(target->pid(), 20ms);
  ASSERT_TRUE(sampler.start());
  ASSERT_TRUE(wait_for_prefix(*target, "allocated"));
  std::this_thread::sleep_for(200ms);
  sampler.stop();
  const auto s = sampler.summary();
  const double growth = static_cast<double>(s.rss_max - s.rss_start);
  std::cout << fmt::format("[ rss ] start {}  max {}  growth {} for 64MB allocated\n",
                           core::format_bytes(static_cast<double>(s.rss_start)),
                           core::format_bytes(static_cast<double>(s.rss_max)),
                           core::format_bytes(growth));
  EXPECT_NEAR(growth, kAllocated, 0.05 * kAllocated);
  EXPECT_EQ(s.rss_end, s.rss_max);  // it keeps the memory
  EXPECT_GT(s.rss_start, 0);
}

struct CpuReport {
  int64_t cpu_ns = 0;
  Clock::time_point at;
};

// The "loadgen-cpu PROCESS_CPU_NS MONOTONIC_NS" lines the target printed so far.
std::vector<CpuReport> cpu_reports(ChildProcess& process) {
  std::vector<CpuReport> reports;
  process.wait_for_line(
      [&reports](const OutputLine& l) {
        CpuReport r;
        int64_t at_ns = 0;
        if (std::sscanf(l.text.c_str(), "loadgen-cpu %ld %ld", &r.cpu_ns, &at_ns) == 2) {
          r.at = Clock::time_point(std::chrono::nanoseconds(at_ns));
          reports.push_back(r);
        }
        return false;
      },
      Clock::now());
  return reports;
}

// Cores the process used between `from` and `to`, by its own CPU clock.
double true_cpu(const std::vector<CpuReport>& reports, Clock::time_point from,
                Clock::time_point to) {
  const auto first = std::find_if(reports.begin(), reports.end(),
                                  [&](const CpuReport& r) { return r.at >= from; });
  const auto last = std::find_if(reports.rbegin(), reports.rend(),
                                 [&](const CpuReport& r) { return r.at <= to; });
  if (first == reports.end() || last == reports.rend() || last->at <= first->at)
    return -1;
  return static_cast<double>(last->cpu_ns - first->cpu_ns) /
         static_cast<double>((last->at - first->at).count());
}

TEST(ResourceSampler, CpuAverageFollowsTheDutyCycle) {
  auto target = spawn_target({"--burn", "0.5", "--report-cpu", "20ms"});
  ASSERT_TRUE(target);
  const auto from = Clock::now();
  const auto s = sample_for(target->pid(), 1500ms);
  const auto to = Clock::now();
  std::this_thread::sleep_for(50ms);  // the target's reports of that window
  const double truth = true_cpu(cpu_reports(*target), from, to);
  std::cout << fmt::format(
      "[ cpu ] avg {:.3f}  p95 {:.3f}  max {:.3f} cores (user {:.3f}, system {:.3f}); the "
      "target's own clock says {:.3f}, its duty cycle is 0.5; machine share {:.3f}\n",
      s.cpu_avg, s.cpu_p95, s.cpu_max, s.cpu_user_avg, s.cpu_system_avg, truth, s.cpu_avg_machine);
  ASSERT_GT(truth, 0.05) << "the target did not burn";
  // /proc counts in 10ms ticks and the windows differ by a sample: a few percent.
  EXPECT_NEAR(s.cpu_avg, truth, 0.07);
  // A machine busy with other work may not grant the whole duty cycle; when it did, the
  // sampler shows it.
  if (truth > 0.4) {
    EXPECT_NEAR(s.cpu_avg, 0.5, 0.15);
  }
  EXPECT_GE(s.cpu_max, s.cpu_avg);
  EXPECT_GE(s.cpu_p95, s.cpu_at_percentile(50));
  EXPECT_GT(s.cpu_user_avg, s.cpu_system_avg);  // it spins in user space
  EXPECT_DOUBLE_EQ(s.cpu_avg_machine, s.cpu_avg / s.machine_cores);
  EXPECT_FALSE(s.saturated);  // half a core, against every core of the machine
}

TEST(ResourceSampler, ALeakShowsAsASlope) {
  constexpr double kLeakPerHour = 2e6 * 3600;  // 2MB/s
  auto target = spawn_target({"--leak", "2MB/s"});
  ASSERT_TRUE(target);
  const auto s = sample_for(target->pid(), 1500ms);
  ASSERT_TRUE(s.rss_slope_bytes_per_hour);
  std::cout << fmt::format("[ leak ] slope {}/h over {} samples for 2MB/s ({}/h)\n",
                           core::format_bytes(*s.rss_slope_bytes_per_hour), s.samples,
                           core::format_bytes(kLeakPerHour));
  EXPECT_NEAR(*s.rss_slope_bytes_per_hour, kLeakPerHour, 0.3 * kLeakPerHour);
  EXPECT_GT(s.rss_end, s.rss_start);
}

TEST(ResourceSampler, AFlatRssIsNotALeak) {
  auto target = spawn_target({"--allocate", "16MB"});
  ASSERT_TRUE(target);
  ASSERT_TRUE(wait_for_prefix(*target, "allocated"));
  const auto s = sample_for(target->pid(), 1200ms);
  ASSERT_TRUE(s.rss_slope_bytes_per_hour);
  EXPECT_LT(std::abs(*s.rss_slope_bytes_per_hour), 10e6) << *s.rss_slope_bytes_per_hour;
}

TEST(ResourceSampler, CpuIsReadFinerThanTheClockTick) {
  // From /proc's 10 ms ticks, a 100 ms sample can only be a multiple of 0.1 core; from the
  // process's CPU clock it is whatever was used.
  auto target = spawn_target({"--burn", "0.5", "--report-cpu", "20ms"});
  ASSERT_TRUE(target);
  ResourceSampler sampler(target->pid(), 100ms);
  ASSERT_TRUE(sampler.start());
  std::this_thread::sleep_for(1200ms);
  sampler.stop();
  int samples = 0, on_a_tick = 0;
  for (const auto& s : sampler.samples()) {
    if (!s.has_cpu) continue;
    ++samples;
    const double tenths = s.cpu() * 10;
    if (std::abs(tenths - std::round(tenths)) < 1e-6) ++on_a_tick;
  }
  ASSERT_GE(samples, 8);
  EXPECT_LT(on_a_tick, samples / 2) << on_a_tick << " of " << samples << " samples are whole ticks";
}

TEST(ResourceSampler, AWrappedTargetIsMeasuredWithItsChildren) {
  // `bash -c 'probe_target ...; true'` keeps bash as the parent: bash itself uses nothing.
  auto wrapper = ChildProcess::spawn(
      {{"/bin/bash", "-c", probe_target() + " --burn 0.5 --allocate 48MB --threads 2; true"}, {}, "", ""});
  ASSERT_TRUE(wrapper) << wrapper.error();
  ASSERT_TRUE(wait_for_prefix(**wrapper, "allocated"));
  SamplerOptions tree;
  tree.interval = 50ms;
  tree.whole_tree = true;
  ResourceSampler whole((*wrapper)->pid(), tree);
  ResourceSampler alone((*wrapper)->pid(), 50ms);
  ASSERT_TRUE(whole.start());
  ASSERT_TRUE(alone.start());
  std::this_thread::sleep_for(1000ms);
  whole.stop();
  alone.stop();
  const auto w = whole.summary();
  const auto a = alone.summary();
  std::cout << fmt::format("[ tree ] wrapper alone: cpu {:.3f} rss {}; with its children: cpu {:.3f} rss {} threads {}\n",
                           a.cpu_avg, core::format_bytes(static_cast<double>(a.rss_max)), w.cpu_avg,
                           core::format_bytes(static_cast<double>(w.rss_max)), w.threads_max);
  EXPECT_LT(a.cpu_avg, 0.05);
  EXPECT_GT(w.cpu_avg, 0.25);
  EXPECT_GT(w.rss_max - a.rss_max, 40'000'000);
  EXPECT_GE(w.threads_max, a.threads_max + 3);  // the target's main thread and two more, at least
}

TEST(ResourceSampler, CountsThreadsAndOpenFiles) {
  auto plain = spawn_target({});
  auto busy = spawn_target({"--threads", "3", "--fds", "7"});
  ASSERT_TRUE(plain && busy);
  const auto p = sample_for(plain->pid(), 150ms);
  const auto b = sample_for(busy->pid(), 150ms);
  EXPECT_EQ(p.threads_max, 1);
  EXPECT_EQ(b.threads_max, 4);
  EXPECT_EQ(b.fds_max - p.fds_max, 7);
}

TEST(ResourceSampler, AnExitEndsSamplingGracefully) {
  auto target = spawn_target({"--exit-after", "300ms"});
  ASSERT_TRUE(target);
  ResourceSampler sampler(target->pid(), 20ms);
  ASSERT_TRUE(sampler.start());
  const auto deadline = Clock::now() + 10s;
  // The exited child stays a zombie until reaped; the sampler treats both alike.
  while (!sampler.process_ended() && Clock::now() < deadline) {
    target->running();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(sampler.process_ended());
  sampler.stop();
  const auto s = sampler.summary();
  EXPECT_TRUE(s.process_ended);
  EXPECT_GE(s.samples, 5u);
  EXPECT_GT(s.rss_end, 0);
}

TEST(ResourceSampler, WatchesLoadgenItself) {
  SamplerOptions options;
  options.interval = 20ms;
  options.capacity_cores = 1;
  ResourceSampler sampler(::getpid(), options);
  ASSERT_TRUE(sampler.start());
  std::this_thread::sleep_for(100ms);
  sampler.stop();
  const auto s = sampler.summary();
  EXPECT_GE(s.samples, 3u);
  EXPECT_GT(s.rss_max, 0);
  EXPECT_GE(s.threads_max, 1);
  EXPECT_DOUBLE_EQ(s.capacity_cores, 1.0);
  EXPECT_FALSE(s.process_ended);
}

TEST(ResourceSampler, KeepsABoundedTimeline) {
  SamplerOptions options;
  options.interval = 1ms;
  options.max_kept_samples = 16;
  ResourceSampler sampler(::getpid(), options);
  ASSERT_TRUE(sampler.start());
  std::this_thread::sleep_for(200ms);
  sampler.stop();
  const auto kept = sampler.samples();
  EXPECT_LT(kept.size(), 16u);
  EXPECT_GT(sampler.summary().samples, kept.size());  // the summary still counts them all
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end(),
                             [](const auto& a, const auto& b) { return a.at < b.at; }));
}

TEST(ResourceSampler, CannotStartOnAProcessThatIsGone) {
  auto child = ChildProcess::spawn({{"true"}, {}, "", ""});
  ASSERT_TRUE(child);
  const pid_t pid = (*child)->pid();
  (*child)->stop(2s);  // exited and reaped: the pid names no process now
  ResourceSampler sampler(pid, 10ms);
  const auto first = sampler.start();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error(),
            fmt::format("cannot sample process {}: it does not exist or has ended", pid));
}

}  // namespace
}  // namespace loadgen::probes
