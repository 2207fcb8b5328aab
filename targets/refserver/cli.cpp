#include "targets/refserver/cli.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "harness/core/exit_codes.hpp"
#include "targets/refserver/text.hpp"

namespace loadgen::refserver {
namespace {

constexpr std::string_view kFooter = R"txt(
Databases (SQLite, WAL):
  main   --db PATH                       items; migrated before listening in every mode
  queue  <dir>/<stem>-queue.sqlite3      job ledger (finished jobs, idempotency keys)
  cache  <dir>/<stem>-cache.sqlite3      first cursor pages, precomputed by the warm phase
  <dir> is --data-dir when given, else the directory of --db; <stem> is the --db file name
  without its extension (--db /tmp/a.sqlite3 -> /tmp/a-queue.sqlite3, /tmp/a-cache.sqlite3).

Start-up (one line per phase on stdout, flushed):
  sequential  migrations, queue + cache stores, seed, warm, then listen
  staged      migrate the main store, listen (/up turns 200), the rest in the background
              (/up/full turns 200 when it is done)
  lines: "phase migrations done" (or "phase schema verified" with --no-migrate),
         "phase stores open", "phase seeded N rows (M inserted)", "phase cache warm (K pages)",
         "listening on ADDR:PORT", "phase listening", "phase ready", "phase full";
         on SIGTERM/SIGINT: "phase draining", "phase drained"

Endpoints: GET /health /up /up/full /metrics /api/items?limit=&cursor=
           GET /api/items_offset?limit=&offset=  POST /api/items  POST /api/jobs
           GET /api/jobs/{id}
Exit codes: 0 drained after SIGTERM/SIGINT; 1 accepted items could not be written;
            2 bad flags, database path or schema, or cannot listen (one line on stderr
            naming the flag, table or column).)txt";

void add_options(CLI::App& app, RawConfig& raw) {
  auto opt = [&app](const char* name, auto& into, const char* type, const char* help) {
    return app.add_option(name, into, help)->type_name(type);
  };
  opt("--port", raw.port, "PORT", "TCP port, 0..65535; 0 picks a free one")->capture_default_str();
  opt("--bind", raw.bind_address, "ADDR", "Address to listen on (loopback by default)")
      ->capture_default_str();
  opt("--db", raw.db_path, "PATH", "Main database file (created if missing)")
      ->capture_default_str();
  opt("--data-dir", raw.data_dir, "DIR", "Directory for the queue and cache databases");
  opt("--startup", raw.startup, "MODE", "sequential | staged")->capture_default_str();
  app.add_flag("--no-migrate", raw.no_migrate, "Verify the schemas only; never change them");
  opt("--threads", raw.threads, "N", "HTTP threads (default: one per core)");
  opt("--seed-rows", raw.seed_rows, "N", "Seed the items table up to N rows")
      ->capture_default_str();
  opt("--phase-delay", raw.phase_delays, "LIST",
      "Extra start-up time per phase: migrate=200ms,seed=500ms,warm=300ms");
  opt("--max-body", raw.max_body, "SIZE", "Largest request body (bigger: 413)")
      ->capture_default_str();
  opt("--max-header", raw.max_header, "SIZE", "Largest request header block (bigger: 431)")
      ->capture_default_str();
  opt("--read-timeout", raw.read_timeout, "DURATION", "Time allowed to read one request")
      ->capture_default_str();
  opt("--idle-timeout", raw.idle_timeout, "DURATION", "Keep-alive idle time before closing")
      ->capture_default_str();
  opt("--batch-size", raw.batch_size, "N", "Items per insert transaction")->capture_default_str();
  opt("--batch-max-age", raw.batch_max_age, "DURATION", "Oldest buffered item before a flush")
      ->capture_default_str();
  opt("--batch-capacity", raw.batch_capacity, "N", "Buffered items before POST /api/items gets 503")
      ->capture_default_str();
  opt("--pool-workers", raw.pool_workers, "N", "Job worker threads")->capture_default_str();
  opt("--pool-queue", raw.pool_queue, "N", "Queued jobs before POST /api/jobs gets 503")
      ->capture_default_str();
  opt("--jobs-retained", raw.jobs_retained, "N", "Finished jobs kept in memory (older: ledger)")
      ->capture_default_str();
  opt("--warm-pages", raw.warm_pages, "N", "Cursor pages the warm phase caches")
      ->capture_default_str();
  opt("--cursor-secret", raw.cursor_secret, "KEY",
      "HMAC key for cursors, 16+ bytes (default: random per process)")
      ->envname("REFSERVER_CURSOR_SECRET");
}

void print_errors(std::string_view errors) {
  for (auto line : split(errors, '\n'))
    std::cerr << "refserver: error: " << line << '\n';
}

}  // namespace

CliOutcome parse_command_line(int argc, const char* const* argv) {
  CLI::App app{"refserver: reference HTTP/1.1 server (items, jobs, health, metrics) over SQLite"};
  app.name("refserver");
  app.footer(std::string(kFooter));
  RawConfig raw;
  add_options(app, raw);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::ParseError& e) {
    // CLI11's own message spans two lines and its codes (100+) mean nothing to a caller.
    print_errors(e.what());
    return {std::nullopt, core::to_int(core::ExitCode::kBadInput)};
  }
  auto config = build_config(raw);
  if (!config) {
    print_errors(config.error());
    return {std::nullopt, core::to_int(core::ExitCode::kBadInput)};
  }
  return {std::move(config).value(), 0};
}

}  // namespace loadgen::refserver
