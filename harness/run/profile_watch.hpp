#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/load/plan.hpp"
#include "harness/run/profile_result.hpp"
#include "harness/scenario/scenario.hpp"
#include "probes/perf_recorder.hpp"

// probes.profile as a run uses it: perf records the target (and loadgen, with self: true) from
// the start to the end of each profiled stage, on a schedule counted from the load's time zero;
// after the run (so that reading perf's data costs nothing during the load) each recording is
// folded, written as profile.<stage>.folded, and summed up by function.
namespace loadgen::run {

class ProfileWatch {
 public:
  // `pids`: the processes to record (none: there is no target process, said in the results).
  ProfileWatch(const scenario::ProfileSpec& spec, const load::Plan& plan, std::vector<int> pids, bool includes_loadgen,
               std::string report_dir);
  ~ProfileWatch();
  ProfileWatch(const ProfileWatch&) = delete;
  ProfileWatch& operator=(const ProfileWatch&) = delete;

  void start(std::chrono::steady_clock::time_point zero);
  // Ends a recording still running (a run cut short), then folds and writes each stage's.
  std::vector<StageProfile> finish();

  // "profile.<stage>.folded", the stage's name made safe for a file name.
  static std::string folded_file_of(const std::string& stage);

 private:
  struct Span {
    StageProfile profile;
    std::string data_path;
    bool recorded = false;
  };
  void loop();
  probes::PerfRecorder::Options options_for(const Span& span) const;

  std::string perf_;
  std::string unavailable_;
  std::vector<int> pids_;
  std::string report_dir_;
  std::vector<Span> spans_;
  std::chrono::steady_clock::time_point zero_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace loadgen::run
