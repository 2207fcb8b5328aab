#include "harness/run/profile_watch.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace loadgen::run {
namespace {

using Clock = std::chrono::steady_clock;

std::string stage_label(const load::PlanStage& stage, size_t index) {
  return stage.name.empty() ? fmt::format("stage{}", index + 1) : stage.name;
}

}  // namespace

std::string ProfileWatch::folded_file_of(const std::string& stage) {
  std::string safe;
  for (char c : stage) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return fmt::format("profile.{}.folded", safe);
}

ProfileWatch::ProfileWatch(const scenario::ProfileSpec& spec, const load::Plan& plan, std::vector<int> pids,
                           bool includes_loadgen, std::string report_dir)
    : pids_(std::move(pids)), report_dir_(std::move(report_dir)) {
  perf_ = probes::find_program("perf");
  unavailable_ = probes::perf_unavailable_reason(perf_);
  if (unavailable_.empty() && pids_.empty()) unavailable_ = "there is no target process to profile (loadgen did not start one, and no --target-pid or pid_file names one)";
  double at = 0;
  for (size_t i = 0; i < plan.stages().size(); ++i) {
    const auto& stage = plan.stages()[i];
    const double length = std::chrono::duration<double>(stage.duration).count();
    const auto name = stage_label(stage, i);
    const bool wanted = spec.all_stages || std::any_of(spec.stages.begin(), spec.stages.end(),
                                                       [&](const scenario::ProfileStage& s) { return s.name == stage.name; });
    if (wanted && length > 0) {
      Span span;
      span.profile.stage = name;
      span.profile.start_s = at;
      span.profile.end_s = at + length;
      span.profile.frequency = spec.frequency;
      span.profile.call_graph = spec.call_graph;
      span.profile.pids = pids_;
      span.profile.includes_loadgen = includes_loadgen;
      span.profile.folded_file = folded_file_of(name);
      span.data_path = (std::filesystem::path(report_dir_) / fmt::format("perf.{}.data", spans_.size())).string();
      spans_.push_back(std::move(span));
    }
    at += length;
  }
}

ProfileWatch::~ProfileWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

probes::PerfRecorder::Options ProfileWatch::options_for(const Span& span) const {
  probes::PerfRecorder::Options o;
  o.perf = perf_;
  o.pids = pids_;
  o.frequency = span.profile.frequency;
  o.call_graph = span.profile.call_graph;
  o.data_path = span.data_path;
  return o;
}

void ProfileWatch::start(Clock::time_point zero) {
  zero_ = zero;
  if (!unavailable_.empty() || spans_.empty()) return;
  thread_ = std::thread([this] { loop(); });
}

void ProfileWatch::loop() {
  const auto at = [this](double s) { return zero_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  for (auto& span : spans_) {
    std::unique_lock lock(mutex_);
    if (wake_.wait_until(lock, at(span.profile.start_s), [this] { return stopping_; })) return;
    lock.unlock();
    probes::PerfRecorder recorder;
    if (auto started = recorder.start(options_for(span)); !started) {
      span.profile.status = "failed";
      span.profile.reason = started.error();
      continue;
    }
    span.recorded = true;
    lock.lock();
    wake_.wait_until(lock, at(span.profile.end_s), [this] { return stopping_; });
    const bool cut_short = stopping_;
    lock.unlock();
    if (auto stopped = recorder.stop(); !stopped) {
      span.profile.status = "failed";
      span.profile.reason = stopped.error();
      span.recorded = false;
    }
    if (cut_short) {
      span.profile.end_s = std::chrono::duration<double>(Clock::now() - zero_).count();
      return;
    }
  }
}

std::vector<StageProfile> ProfileWatch::finish() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<StageProfile> out;
  for (auto& span : spans_) {
    auto& p = span.profile;
    if (!unavailable_.empty()) {
      p.status = "unavailable";
      p.reason = unavailable_;
    } else if (span.recorded) {
      probes::PerfRecorder recorder;
      auto folded = recorder.fold(options_for(span));
      if (!folded) {
        p.status = "failed";
        p.reason = folded.error();
      } else {
        p.folded = std::move(folded).value();
        p.samples = p.folded.samples;
        p.functions = probes::function_shares(p.folded);
        p.status = p.samples > 0 ? "ok" : "no samples";
        if (p.samples == 0) p.reason = "perf recorded no sample: the processes were idle during the stage, or their stacks could not be read";
        std::ofstream(std::filesystem::path(report_dir_) / p.folded_file) << probes::folded_text(p.folded);
      }
      std::error_code ec;
      std::filesystem::remove(span.data_path, ec);  // perf's raw data: large, and folded now
    } else if (p.status.empty()) {
      p.status = "failed";
      p.reason = "the run ended before the stage began";
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace loadgen::run
