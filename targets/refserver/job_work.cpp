#include "targets/refserver/job_work.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "targets/worker_pool/task.hpp"

namespace loadgen::refserver {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kImageSide = 256;

std::vector<std::uint8_t> make_image(int side, std::uint32_t seed) {
  std::vector<std::uint8_t> pixels(static_cast<size_t>(side) * static_cast<size_t>(side));
  for (auto& p : pixels) {
    seed = seed * 1664525U + 1013904223U;
    p = static_cast<std::uint8_t>(seed >> 24);
  }
  return pixels;
}

// Box-filters the image to half its side. Returns a checksum so the work cannot be elided.
std::uint32_t halve(const std::vector<std::uint8_t>& in, int side, std::vector<std::uint8_t>& out) {
  const int half = side / 2;
  out.resize(static_cast<size_t>(half) * static_cast<size_t>(half));
  std::uint32_t sum = 0;
  for (int y = 0; y < half; ++y) {
    for (int x = 0; x < half; ++x) {
      auto at = [&](int yy, int xx) { return in[static_cast<size_t>(yy * side + xx)]; };
      const int v =
          at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1);
      out[static_cast<size_t>(y * half + x)] = static_cast<std::uint8_t>(v / 4);
      sum += static_cast<std::uint32_t>(v);
    }
  }
  return sum;
}

void resize_for(Clock::duration budget, targets::TaskContext& context) {
  const auto until = Clock::now() + budget;
  std::uint32_t seed = 1;
  std::vector<std::uint8_t> scratch;
  volatile std::uint32_t sink = 0;
  do {
    context.throw_if_stop_requested();
    auto image = make_image(kImageSide, seed++);
    for (int side = kImageSide; side > 1; side /= 2) {
      sink = sink + halve(image, side, scratch);
      image.swap(scratch);
    }
  } while (Clock::now() < until);
}

void sleep_for(Clock::duration budget, targets::TaskContext& context) {
  const auto until = Clock::now() + budget;
  // Short naps, so a cancelling shutdown is not held up by a long sleep.
  while (Clock::now() < until) {
    context.throw_if_stop_requested();
    std::this_thread::sleep_for(
        std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(10)));
  }
}

}  // namespace

core::Expected<JobSpec> make_job_spec(const std::string& kind,
                                      std::optional<std::int64_t> work_ms) {
  std::int64_t fallback = 0;
  if (kind == "resize") {
    fallback = 5;
  } else if (kind == "sleep") {
    fallback = 10;
  } else if (kind != "fail") {
    return core::Expected<JobSpec>::failure(
        fmt::format("unknown job kind '{}'; expected resize, sleep or fail", kind));
  }
  if (work_ms && (*work_ms < 0 || *work_ms > kMaxWorkMs)) {
    return core::Expected<JobSpec>::failure(
        fmt::format("work_ms must be an integer in 0..{}, got {}", kMaxWorkMs, *work_ms));
  }
  return JobSpec{kind, work_ms.value_or(fallback)};
}

void run_job(const JobSpec& spec, targets::TaskContext& context) {
  const auto budget = std::chrono::milliseconds(spec.work_ms);
  if (spec.kind == "resize") {
    resize_for(budget, context);
  } else if (spec.kind == "sleep") {
    sleep_for(budget, context);
  } else {
    throw std::runtime_error("jobs of kind 'fail' always fail");
  }
}

}  // namespace loadgen::refserver
