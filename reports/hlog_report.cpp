#include "reports/hlog_report.hpp"

#include <stdexcept>

namespace loadgen::reports {

HlogReport::HlogReport(std::string path) : path_(std::move(path)) {}

std::string HlogReport::tag_of(const std::string& name) {
  std::string tag = name;
  for (auto& c : tag) {
    if (c == ',' || c == ' ' || c == '\r' || c == '\n') c = '_';
  }
  return tag;
}

void HlogReport::on_start(const run::Result& run) {
  out_.open(path_, std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot write " + path_);
  writer_ = std::make_unique<metrics::HlogWriter>(out_);
  writer_->write_header("[Logged with loadgen " LOADGEN_VERSION ", values in ns]", run.start_epoch_s,
                        run.start_epoch_s);
  out_.flush();
}

void HlogReport::on_interval(const run::IntervalView& interval) {
  const double length = interval.point.length_s;
  writer_->write_interval(interval.start_s, length, *interval.all_corrected);
  writer_->write_interval(interval.start_s, length, *interval.all_service, "service");
  writer_->write_interval(interval.start_s, length, interval.snapshot.send_lag, "send_lag");
  for (size_t i = 0; i < interval.names.size(); ++i) {
    writer_->write_interval(interval.start_s, length, interval.snapshot.by_name[i].corrected, tag_of(interval.names[i]));
  }
  out_.flush();
}

void HlogReport::on_finish(const run::Result&) {
  out_.close();
  if (!out_ && error_.empty()) error_ = "cannot write " + path_ + ": a write failed during the run";
}

}  // namespace loadgen::reports
