#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/core/exit_codes.hpp"
#include "reports/atomic_file.hpp"
#include "reports/html/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/result_reader.hpp"

extern char** environ;

namespace loadgen::cli {
namespace {

struct ReportFlags {
  std::string dir;
  bool open = false;
};

std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr)
    return {};
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty())
      continue;
    const auto candidate = std::filesystem::path(dir) / program;
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return {};
}

// Opens the page in the desktop's browser; without xdg-open (a server, CI) the path is enough.
void open_in_browser(const std::string& page) {
  const auto opener = find_in_path("xdg-open");
  if (opener.empty()) {
    std::cout << fmt::format("no xdg-open here: open {} in a browser\n", page);
    return;
  }
  std::string arg0 = opener, arg1 = page;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, opener.c_str(), nullptr, nullptr, argv, environ) != 0) {
    std::cout << fmt::format("could not run xdg-open: open {} in a browser\n", page);
    return;
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

int run_report(const ReportFlags& flags) {
  auto loaded = reports::read_run(flags.dir);
  if (!loaded) {
    std::cerr << "loadgen: " << loaded.error() << '\n';
    return core::to_int(core::ExitCode::kBadInput);
  }
  const auto& result = loaded->result;
  const auto dir = std::filesystem::path(flags.dir);
  const std::string page = (dir / "report.html").string();
  try {
    reports::html::write_html_report(result, loaded->context, page);
    reports::write_file_atomically((dir / "junit.xml").string(), reports::junit_xml(result));
    reports::write_file_atomically((dir / "summary.md").string(),
                                   reports::markdown_summary(result));
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << '\n';
    return core::to_int(core::ExitCode::kBadInput);
  }
  if (!loaded->has_hlog) {
    std::cerr << fmt::format("loadgen: {} is missing: the percentile spectrum is left out\n",
                             (dir / "latency.hlog").string());
  }
  std::cout << fmt::format("report: {}\n", page);
  if (flags.open)
    open_in_browser(page);
  return core::to_int(core::ExitCode::kOk);
}

}  // namespace

CommandRunner add_report_command(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  auto* cmd = app.add_subcommand("report",
                                 "Render a run's reports again (report.html, junit.xml, "
                                 "summary.md) from DIR/result.json and DIR/latency.hlog");
  cmd->add_option("dir", flags->dir, "A report directory written by loadgen run")->required();
  cmd->add_flag("--open", flags->open, "Open report.html with xdg-open (else print its path)");
  cmd->footer(
      "Exit codes: 0 rendered; 2 result.json missing or unreadable (the message names the file).");
  return [flags] { return run_report(*flags); };
}

}  // namespace loadgen::cli
