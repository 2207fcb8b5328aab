#include "reports/html/html_sections.hpp"

#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "reports/html/html_escape.hpp"
#include "reports/verdict_text.hpp"

namespace loadgen::reports::html {
namespace {

std::string ms_text(double ms) {
  if (ms >= 1000)
    return fmt::format("{:.2f} s", ms / 1000);
  if (ms >= 100)
    return fmt::format("{:.0f} ms", ms);
  if (ms >= 10)
    return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.2f} ms", ms);
}

std::string mib_text(double bytes) {
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
}

std::string open_section(const char* id, const char* title) {
  return fmt::format(
      "<section id=\"{0}\" class=\"report-section\" data-section=\"{0}\">\n<h2>{1}</h2>\n", id,
      title);
}

std::string chart(const char* id, const char* caption) {
  return fmt::format(
      "<figure class=\"chart\"><div class=\"plot\" "
      "data-chart=\"{}\"></div><figcaption>{}</figcaption></figure>\n",
      id, caption);
}

std::string row(std::initializer_list<std::string> cells, const char* tag = "td") {
  std::string out = "<tr>";
  for (const auto& c : cells)
    out += fmt::format("<{0}>{1}</{0}>", tag, c);
  return out + "</tr>\n";
}

std::string latency_cells(const run::LatencySummary& l) {
  if (l.count == 0)
    return "<td colspan=\"6\" class=\"muted\">no samples</td>";
  std::string out;
  for (double v : {l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms, l.mean_ms})
    out += "<td>" + ms_text(v) + "</td>";
  return out;
}

std::string phase_summary_cells(const probes::PhaseRuns& p) {
  const auto& h = p.histogram;
  if (h.empty())
    return "<td colspan=\"4\" class=\"muted\">never reached</td>";
  const double ps[] = {50, 90};
  const auto v = h.values_at_percentiles(ps);
  auto ms = [](int64_t ns) { return ms_text(static_cast<double>(ns) / 1e6); };
  return "<td>" + ms(h.min()) + "</td><td>" + ms(v[0]) + "</td><td>" + ms(v[1]) + "</td><td>" +
         ms(h.max()) + "</td>";
}

std::string process_rows(const char* who, const run::ProcessResources& p) {
  const auto& s = p.summary;
  const std::string slope =
      s.rss_slope_bytes_per_hour
          ? fmt::format("{:+.1f} MiB/h", *s.rss_slope_bytes_per_hour / (1024.0 * 1024.0))
          : "<span class=\"muted\">" + escape(s.rss_slope_note) + "</span>";
  return row({who, std::to_string(p.pid), fmt::format("{:.2f}", s.cpu_avg),
              fmt::format("{:.2f}", s.cpu_p95), fmt::format("{:.2f}", s.cpu_max),
              mib_text(static_cast<double>(s.rss_start)), mib_text(static_cast<double>(s.rss_max)),
              mib_text(static_cast<double>(s.rss_end)), slope, std::to_string(s.threads_max),
              s.fds_max >= 0 ? std::to_string(s.fds_max) : "-"});
}

}  // namespace

std::string threshold_of(const std::string& expression) {
  // The last operator: a threshold never contains one, while a metric name might (in an
  // old or hand-written result).
  const auto last = expression.find_last_of("<>=!");
  if (last == std::string::npos)
    return expression;
  auto from = last;
  while (from > 0 && std::string_view("<>=!").find(expression[from - 1]) != std::string_view::npos)
    --from;
  return expression.substr(from);
}

std::string duration_text(double seconds) {
  if (seconds < 120)
    return fmt::format("{:.1f} s", seconds);
  const auto total = static_cast<int64_t>(std::llround(seconds));
  return total >= 3600 ? fmt::format("{}:{:02}:{:02}", total / 3600, total % 3600 / 60, total % 60)
                       : fmt::format("{}:{:02}", total / 60, total % 60);
}

std::string verdict_section(const run::Result& r) {
  std::string out = open_section("verdict", "Verdict");
  const auto reasons = verdict_reasons(r);
  out += fmt::format(
      "<p class=\"verdict {}\">{}{}{}</p>\n", verdict_class(r), verdict_word(r),
      r.interrupted ? fmt::format(" (interrupted after {:.1f} s of {:.1f} s planned)", r.duration_s,
                                  r.planned_duration_s)
                    : "",
      reasons.empty() ? "" : "<br><small>" + escape(reasons) + "</small>");
  out += "<table class=\"figures\">\n";
  out += row({"requests sent", std::to_string(r.requests.sent)}, "td");
  out += row({"completed", std::to_string(r.requests.completed)});
  out += row({"errors", std::to_string(r.requests.errors)});
  out += row({"dropped (due but over max_in_flight)", std::to_string(r.requests.dropped)});
  if (r.model == "arrival-rate")
    out += row({"target rate", fmt::format("{:.1f} req/s", r.target_rps)});
  out += row({"achieved rate", fmt::format("{:.1f} req/s", r.achieved_rps)});
  if (!r.connections_by_protocol.empty()) {
    std::string each;
    uint64_t opened = 0;
    for (const auto& [protocol, n] : r.connections_by_protocol) {
      opened += n;
      each += fmt::format("{}{} {}", each.empty() ? "" : ", ", escape(protocol), n);
    }
    out += row({"connections opened (protocol negotiated)", fmt::format("{} ({})", opened, each)});
  }
  if (r.latency.count > 0) {
    out += row({"latency p50 / p99 / max (corrected, after warm-up)",
                ms_text(r.latency.p50_ms) + " / " + ms_text(r.latency.p99_ms) + " / " +
                    ms_text(r.latency.max_ms)});
  }
  if (r.warmup_s > 0)
    out += row({"warm-up (left out of the SLOs)", fmt::format("{:.1f} s", r.warmup_s)});
  out += "</table>\n";
  if (r.slo.empty()) {
    out += "<p class=\"muted\">No SLOs declared.</p>\n";
  } else {
    out +=
        "<table class=\"slo\">\n" + row({"SLO", "observed", "threshold", "detail", "result"}, "th");
    for (const auto& s : r.slo) {
      out += fmt::format(
          "<tr "
          "class=\"{}\"><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</"
          "td><td>{}</td></tr>\n",
          s.pass ? "pass" : "fail", escape(s.expression), escape(s.observed_text),
          escape(threshold_of(s.expression)), escape(s.detail), s.pass ? "pass" : "FAIL");
    }
    out += "</table>\n";
  }
  if (!r.warnings.empty()) {
    out += "<ul class=\"warnings\">\n";
    for (const auto& w : r.warnings)
      out += "<li>" + escape(w) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</section>\n";
}

std::string load_section(const run::Result& r) {
  std::string out = open_section("load", "Load shape");
  if (r.timeline.empty())
    return out + "<p class=\"muted\">No interval was measured.</p>\n</section>\n";
  out += r.model == "vus"
             ? chart("rate", "Planned users against requests finished per second")
             : chart("rate", "Target rate against achieved rate (requests per second)");
  out += chart("inflight", "Requests in flight, and requests dropped per second");
  return out + "</section>\n";
}

std::string latency_section(const run::Result& r) {
  std::string out = open_section("latency", "Latency over time");
  if (r.timeline.empty())
    return out + "<p class=\"muted\">No interval was measured.</p>\n</section>\n";
  out += "<div class=\"chart-row\">\n";
  out += chart("latency",
               "Corrected latency per second (from the intended start): p50, p90, p99, max");
  out += chart(
      "service",
      "Service time per second (from the actual send): p50, p99; corrected p99 for reference");
  out += "</div>\n<table class=\"names\">\n";
  out += row({"request", "count", "p50", "p90", "p99", "p99.9", "max", "mean", "service p50",
              "service p99"},
             "th");
  auto name_row = [](const std::string& name, const run::LatencySummary& l,
                     const run::LatencySummary& s) {
    std::string service =
        s.count > 0 ? "<td>" + ms_text(s.p50_ms) + "</td><td>" + ms_text(s.p99_ms) + "</td>"
                    : "<td class=\"muted\" colspan=\"2\">-</td>";
    return fmt::format("<tr><td>{}</td><td>{}</td>{}{}</tr>\n", name, l.count, latency_cells(l),
                       service);
  };
  out += name_row("<b>all</b>", r.latency, r.service_latency);
  for (const auto& n : r.by_name)
    out += name_row(escape(n.name), n.latency, n.service_latency);
  return out + "</table>\n</section>\n";
}

std::string spectrum_section(const run::Result& r) {
  std::string out = open_section("spectrum", "Percentile spectrum");
  if (r.corrected.empty()) {
    return out +
           "<p class=\"muted\">No latency histogram (no request finished, or latency.hlog is "
           "missing).</p>\n</section>\n";
  }
  return out +
         chart("spectrum",
               "Latency by percentile on HdrHistogram's axis, x = 1/(1-p): each step right is ten "
               "times rarer. "
               "Corrected per request name; dashed: service time. A line ends at its largest "
               "value.") +
         "</section>\n";
}

std::string capacity_section(const run::Result& r) {
  if (!r.capacity) return "";
  const auto& c = *r.capacity;
  std::string out = open_section("capacity", "Capacity");
  out += fmt::format("<p class=\"{}\"><strong>{}</strong></p>\n", c.confirmed ? "answer" : "warning",
                     escape("Capacity: " + c.answer));
  out += "<div class=\"chart-row\">\n";
  out += chart("knee", "The knee: latency (p50, p90, p99, corrected) against the offered load, one point per trial");
  out += chart("delivered", "Offered load against what was sent and answered, per trial");
  out += "</div>\n<table class=\"trials\">\n";
  out += row({"#", "offered", "length", "sent/s", "answered/s", "p50", "p99", "errors", "target CPU", "verdict"}, "th");
  int i = 0;
  for (const auto& t : c.trials) {
    const std::string level = c.unit == "users" ? fmt::format("{:.0f} users", t.level) : core::format_rate(t.level);
    out += row({fmt::format("{}{}", ++i, t.confirm ? " (confirm)" : ""), level, duration_text(t.duration_s),
                core::format_rate(t.sent_rps), core::format_rate(t.achieved_rps), core::format_duration_ms(t.p50_ms),
                core::format_duration_ms(t.p99_ms), core::format_percent(t.error_rate),
                t.target_cpu ? fmt::format("{:.2f}", *t.target_cpu) : "-",
                t.pass ? "pass" : escape("fail: " + t.reason)});
  }
  return out + "</table>\n</section>\n";
}

std::string shards_section(const run::Result& r) {
  if (r.shard) {
    return open_section("shards", "Shard") +
           fmt::format("<p>Shard {} of {} (started {:.3f}s after time zero). Its SLOs are judged on the whole run, "
                       "by <code>loadgen merge</code> of every shard's report directory.</p>\n</section>\n",
                       r.shard->index, r.shard->count, r.shard->start_late_s);
  }
  if (r.shards.empty()) return "";
  std::string out = open_section("shards", "Shards");
  out += fmt::format("<p>Merged from {} shards: their histograms added interval by interval, their counters "
                     "summed, the SLOs judged on the sum.</p>\n<table class=\"shards\">\n",
                     r.shards.size());
  out += row({"shard", "directory", "threads", "sent", "completed", "errors", "dropped", "answered/s", "loadgen CPU",
              "loadgen RSS", "target CPU (its view)", "started late"},
             "th");
  for (const auto& s : r.shards) {
    out += row({std::to_string(s.index), "<code>" + escape(s.dir) + "</code>", std::to_string(s.threads),
                std::to_string(s.measured.sent), std::to_string(s.measured.completed), std::to_string(s.measured.errors),
                std::to_string(s.measured.dropped), core::format_rate(s.achieved_rps),
                s.saturated ? fmt::format("<strong class=\"warning\">{:.2f} cores: saturated</strong>", s.loadgen_cpu_avg)
                            : fmt::format("{:.2f} cores", s.loadgen_cpu_avg),
                fmt::format("{:.1f} MiB", static_cast<double>(s.loadgen_rss_max) / (1 << 20)),
                s.target_cpu_avg ? fmt::format("{:.2f} cores", *s.target_cpu_avg) : "-",
                fmt::format("{:.3f}s", s.start_late_s)});
  }
  return out + "</table>\n</section>\n";
}

std::string errors_section(const run::Result& r) {
  std::string out = open_section("errors", "Errors");
  if (r.requests.errors == 0 && r.first_errors.empty())
    return out + "<p class=\"ok\">No errors.</p>\n</section>\n";
  out += chart("errors", "Errors per second, by kind");
  out += "<table class=\"errors\">\n" + row({"kind", "count", "first message"}, "th");
  for (const auto& [kind, count] : r.requests.errors_by_kind) {
    const auto first = r.first_errors.find(kind);
    std::string by_code;  // HTTP/2: the error codes that ended them
    if (const auto codes = r.h2_error_codes.find(kind); codes != r.h2_error_codes.end()) {
      for (const auto& [code, n] : codes->second) by_code += fmt::format("{}{} {}", by_code.empty() ? "" : ", ", code, n);
    }
    out += row({escape(kind), std::to_string(count) + (by_code.empty() ? "" : " (" + escape(by_code) + ")"),
                first == r.first_errors.end() ? "" : "<code>" + escape(first->second) + "</code>"});
  }
  return out + "</table>\n</section>\n";
}

std::string startup_section(const run::Result& r) {
  std::string out = open_section("startup", "Start-up");
  if (!r.startup || r.startup->result.variants.empty()) {
    return out +
           "<p class=\"muted\">No start-up was timed in this run (see <code>startup:</code> and "
           "<code>target.start</code>).</p>\n</section>\n";
  }
  const auto& variants = r.startup->result.variants;
  out += fmt::format(
      "<p>{}{}</p>\n",
      r.startup->from_startup_block
          ? "Fresh starts of the target, each phase timed from the spawn."
          : "The target's one start by <code>target.start</code>, timed from the spawn.",
      r.startup->result.interrupted ? " Interrupted: what ran is shown." : "");
  // Variants side by side: one column group per variant, one row per phase.
  out += "<table class=\"startup\">\n<tr><th rowspan=\"2\">phase</th>";
  for (const auto& v : variants) {
    out += fmt::format("<th colspan=\"5\">{} ({} runs, {} failed)</th>",
                       escape(v.name.empty() ? "runs" : v.name), v.runs, v.failed.size());
  }
  out += "</tr>\n<tr>";
  for (size_t i = 0; i < variants.size(); ++i)
    out += "<th>reached</th><th>min</th><th>p50</th><th>p90</th><th>max</th>";
  out += "</tr>\n";
  for (size_t p = 0; p < variants.front().phases.size(); ++p) {
    out += "<tr><td>" + escape(variants.front().phases[p].name) + "</td>";
    for (const auto& v : variants) {
      if (p >= v.phases.size()) {
        out += "<td colspan=\"5\"></td>";
        continue;
      }
      const auto& phase = v.phases[p];
      out += fmt::format("<td>{}/{}</td>", phase.histogram.total_count(), phase.per_run.size()) +
             phase_summary_cells(phase);
    }
    out += "</tr>\n";
  }
  out += "</table>\n<div class=\"chart-row\">\n";
  for (size_t i = 0; i < variants.size(); ++i) {
    const std::string id = "startup-" + std::to_string(i);
    const std::string caption = "Each run's time to each phase, from the spawn: " +
                                escape(variants[i].name.empty() ? "runs" : variants[i].name);
    out += chart(id.c_str(), caption.c_str());
  }
  out += "</div>\n";
  for (const auto& v : variants) {
    for (const auto& f : v.failed) {
      out += fmt::format(
          "<details class=\"failed\"><summary>{} run {} failed at {}: "
          "{}</summary><pre>{}</pre></details>\n",
          escape(v.name.empty() ? "" : v.name), f.run + 1, escape(f.phase), escape(f.reason),
          escape([&] {
            std::string tail;
            for (const auto& line : f.stderr_tail)
              tail += line + "\n";
            return tail.empty() ? std::string("(no stderr)") : tail;
          }()));
    }
  }
  return out + "</section>\n";
}

std::string resources_section(const run::Result& r) {
  std::string out = open_section("resources", "Resources");
  if (!r.resources.any()) {
    return out +
           "<p class=\"muted\">No resources were sampled in this run (see "
           "<code>probes.resources</code>).</p>\n</section>\n";
  }
  if (r.resources.loadgen && r.resources.loadgen->summary.saturated) {
    out += fmt::format(
        "<p class=\"warning\">loadgen itself used {:.2f} of its {:.0f} cores (p95): the results "
        "may measure the generator, "
        "not the target. Use more threads or a bigger machine.</p>\n",
        r.resources.loadgen->summary.cpu_p95, r.resources.loadgen->summary.capacity_cores);
  }
  out += "<div class=\"chart-row\">\n";
  out += chart("cpu", "CPU in cores (1.0 = one core busy): the target, and loadgen itself");
  out += chart("rss", "Resident memory (MiB), with the target's least-squares line");
  out += "</div>\n<table class=\"resources\">\n";
  out += row({"process", "pid", "CPU avg", "CPU p95", "CPU max", "RSS start", "RSS max", "RSS end",
              "RSS slope", "threads max", "fds max"},
             "th");
  if (r.resources.target)
    out += process_rows("target", *r.resources.target);
  if (r.resources.loadgen)
    out += process_rows("loadgen", *r.resources.loadgen);
  return out + "</table>\n</section>\n";
}

std::string scenario_section(const run::Result& r) {
  std::string out = open_section("scenario", "Scenario as it ran");
  if (!r.scenario_file.empty())
    out += "<p>From <code>" + escape(r.scenario_file) + "</code>:</p>\n";
  out += r.scenario_yaml.empty() ? "<p class=\"muted\">The scenario text was not recorded.</p>\n"
                                 : "<pre class=\"yaml\">" + escape(r.scenario_yaml) + "</pre>\n";
  if (!r.plan_text.empty())
    out +=
        "<details><summary>Load plan</summary><pre>" + escape(r.plan_text) + "</pre></details>\n";
  return out + "</section>\n";
}

std::string machine_section(const run::Result& r, const nlohmann::json& context) {
  std::string out = open_section("machine", "Machine and target");
  out += "<table class=\"figures\">\n";
  if (context.is_object()) {
    for (const auto& [key, value] : context.items()) {
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      std::string label = key;
      if (key == "peak_rss_bytes" && value.is_number()) {
        text = mib_text(value.get<double>());
        label = "loadgen peak RSS";
      }
      for (auto& c : label)
        c = c == '_' ? ' ' : c;
      out += row({escape(label), escape(text)});
    }
  }
  out += row({"threads", std::to_string(r.threads)});
  out += row({"started at", escape(r.started_at)});
  out += row({"target", escape(r.target.base_url)});
  if (r.target.started_by_loadgen) {
    std::string command;
    for (const auto& a : r.target.command)
      command += (command.empty() ? "" : " ") + a;
    out += row({"target command", "<code>" + escape(command) + "</code>"});
    out += row({"target ready after", ms_text(r.target.ready_ms)});
    if (!r.target.exit_description.empty())
      out += row({"target exit", escape(r.target.exit_description)});
  }
  return out + "</table>\n</section>\n";
}

}  // namespace loadgen::reports::html
