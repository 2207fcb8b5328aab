#include "reports/html/profile_section.hpp"

#include <map>

#include <fmt/format.h>

#include "reports/html/html_escape.hpp"

namespace loadgen::reports::html {
namespace {

using nlohmann::json;

constexpr size_t kTableFunctions = 12;
// Frames below this share of a stage's samples are left out of the page's tree (their samples
// stay in their parent's width): a profile of thousands of stacks stays a few hundred kB.
constexpr double kSmallestFrame = 1.0 / 2000;

struct FlameNode {
  uint64_t value = 0;
  std::map<std::string, FlameNode> children;
};

json tree_json(const std::string& name, const FlameNode& node, uint64_t smallest) {
  json children = json::array();
  for (const auto& [child_name, child] : node.children) {
    if (child.value >= smallest) children.push_back(tree_json(child_name, child, smallest));
  }
  return {{"name", name}, {"value", node.value}, {"children", children}};
}

json flame_tree(const probes::FoldedStacks& folded) {
  FlameNode root;
  for (const auto& [stack, count] : folded.stacks) {
    root.value += count;
    FlameNode* at = &root;
    size_t from = 0;
    while (from <= stack.size()) {
      const size_t end = std::min(stack.find(';', from), stack.size());
      at = &at->children[stack.substr(from, end - from)];
      at->value += count;
      from = end + 1;
    }
  }
  const auto smallest = static_cast<uint64_t>(static_cast<double>(root.value) * kSmallestFrame);
  return tree_json("all", root, std::max<uint64_t>(1, smallest));
}

std::string pct(double share) { return fmt::format("{:.1f}%", share * 100); }

std::string functions_table(const run::StageProfile& p) {
  std::string out = "<table class=\"profile\">\n<tr><th>self</th><th>total</th><th>function (by self time)</th></tr>\n";
  for (const auto& f : probes::top_by_self(p.functions, kTableFunctions)) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n", pct(f.self_share), pct(f.total_share),
                       escape(f.function));
  }
  return out + "</table>\n";
}

std::string changes_table(const run::ProfileChange& c) {
  std::string out = fmt::format(
      "<p>Against the baseline ({} samples then, {} now), the functions whose share of the samples changed most:</p>\n"
      "<table class=\"profile-diff\">\n<tr><th>baseline</th><th>now</th><th>change</th><th>function</th></tr>\n",
      c.base_samples, c.current_samples);
  for (const auto& s : c.changes) {
    const double pts = (s.after - s.before) * 100;
    out += fmt::format("<tr class=\"{}\"><td>{}</td><td>{}</td><td>{:+.1f} pts</td><td><code>{}</code></td></tr>\n",
                       pts > 0 ? "grew" : "shrank", pct(s.before), pct(s.after), pts, escape(s.function));
  }
  return out + "</table>\n";
}

}  // namespace

std::string profiles_section(const run::Result& r) {
  if (r.profiles.empty()) return {};
  std::string out = "<section id=\"profiles\" class=\"report-section\" data-section=\"profiles\">\n<h2>Profiles</h2>\n";
  out += "<p class=\"muted\">CPU profiles of the target taken by perf during each profiled stage. Click a frame to zoom, "
         "search to highlight a function; a frame's width is its share of the stage's samples.</p>\n";
  size_t k = 0;
  for (const auto& p : r.profiles) {
    out += fmt::format("<h3>{} <span class=\"muted\">({:.0f}s-{:.0f}s, {} Hz, {})</span></h3>\n", escape(p.stage), p.start_s,
                       p.end_s, p.frequency, escape(p.call_graph));
    if (p.status != "ok") {
      out += fmt::format("<p class=\"warning\" data-profile-status=\"{}\">No profile ({}): {}</p>\n", escape(p.status),
                         escape(p.status), escape(p.reason));
      continue;
    }
    out += fmt::format(
        "<p>{} samples{} &middot; <a href=\"{}\">{}</a> (folded stacks, for flamegraph.pl, speedscope, inferno)</p>\n",
        p.samples, p.includes_loadgen ? " of the target and of loadgen" : "", escape(p.folded_file), escape(p.folded_file));
    out += fmt::format(
        "<div class=\"flame-controls\"><input type=\"search\" placeholder=\"search a function\" data-flame-search=\"{0}\"> "
        "<button type=\"button\" data-flame-reset=\"{0}\">reset zoom</button> <span class=\"muted\" data-flame-match=\"{0}\"></span></div>\n"
        "<div class=\"flame\" data-flame=\"{0}\"></div>\n",
        k++);
    out += functions_table(p);
    if (r.baseline) {
      for (const auto& c : r.baseline->profiles) {
        if (c.stage == p.stage) out += changes_table(c);
      }
    }
  }
  return out + "</section>\n";
}

json profiles_data(const run::Result& r) {
  json out = json::array();
  for (const auto& p : r.profiles) {
    if (p.status != "ok") continue;
    out.push_back({{"stage", p.stage}, {"samples", p.samples}, {"tree", flame_tree(p.folded)}});
  }
  return out.empty() ? json(nullptr) : out;
}

}  // namespace loadgen::reports::html
