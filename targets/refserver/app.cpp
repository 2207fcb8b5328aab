#include "targets/refserver/app.hpp"

#include <atomic>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "harness/core/exit_codes.hpp"
#include "targets/refserver/http_server.hpp"
#include "targets/refserver/main_store.hpp"
#include "targets/refserver/phase_log.hpp"
#include "targets/refserver/routes.hpp"
#include "targets/refserver/services.hpp"

namespace loadgen::refserver {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBadStart = core::to_int(core::ExitCode::kBadInput);
constexpr int kItemsLost = 1;
// Cached pages must expire well before the cursors they hand out (an hour by default).
constexpr std::chrono::minutes kPageCacheTtl{30};

JobsOptions jobs_options(const Config& config) {
  return {config.pool_workers, config.pool_queue, config.jobs_retained, JobsOptions{}.job_timeout};
}

HttpServerOptions http_options(const Config& config) {
  return {config.bind_address,     config.port,         config.threads,     config.max_body_bytes,
          config.max_header_bytes, config.read_timeout, config.idle_timeout};
}

ItemsOptions items_options(const Config& config) {
  return {config.db_path,    config.threads,       config.seed_rows,
          config.batch_size, config.batch_max_age, config.batch_capacity};
}

void print_error(std::string_view message) {
  std::fprintf(stderr, "refserver: error: %.*s\n", static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
}

class App {
 public:
  explicit App(const Config& config)
      : config_(config),
        services_(jobs_options(config)),
        router_(make_router(services_)),
        server_(http_options(config),
                [this](Request&& request) { return handle(std::move(request)); }) {
    services_.metrics = std::make_unique<RequestMetrics>(router_.patterns());
  }
  ~App() {
    if (background_.joinable())
      background_.join();
  }
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  int run();

 private:
  core::Expected<bool> open_main_store();
  core::Expected<bool> finish_startup();
  core::Expected<bool> open_side_stores();
  core::Expected<bool> seed();
  core::Expected<bool> warm(std::unique_ptr<PageCache> cache);
  bool pause(std::chrono::milliseconds delay);
  void run_background();
  int drain();
  Response handle(Request&& request);

  Config config_;
  PhaseLog log_;
  std::optional<targets::CursorCodec> codec_;
  std::unique_ptr<PageCache> cache_;  // opened with the side stores, handed over once warm
  Services services_;
  Router router_;
  std::atomic<int> exit_code_{0};
  std::thread background_;
  // Last: its destructor stops and joins the I/O threads before the services go away.
  HttpServer server_;
};

Response App::handle(Request&& request) {
  if (server_.stopping())
    services_.readiness.set_draining();
  const auto start = Clock::now();
  auto routed = router_.dispatch(request);
  services_.metrics->record(routed.route, routed.response.status, Clock::now() - start);
  return std::move(routed.response);
}

// A phase delay that a signal cuts short. False when the server is stopping.
bool App::pause(std::chrono::milliseconds delay) {
  const auto until = Clock::now() + delay;
  while (!server_.stopping() && Clock::now() < until) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(10)));
  }
  return !server_.stopping();
}

core::Expected<bool> App::open_main_store() {
  auto key = config_.cursor_secret.empty() ? targets::CursorCodec::generate_key()
                                           : targets::Result<std::string>(config_.cursor_secret);
  if (!key)
    return core::Expected<bool>::failure(key.error().message);
  auto codec = targets::CursorCodec::create(*key);
  if (!codec)
    return core::Expected<bool>::failure("--cursor-secret: " + codec.error().message);
  codec_.emplace(std::move(codec).value());
  pause(config_.delays.migrate);
  if (auto ready = prepare_main_store(config_.db_path, config_.migrate); !ready)
    return ready;
  log_.phase(config_.migrate ? "migrations done" : "schema verified");
  auto items = ItemsService::open(items_options(config_), *codec_);
  if (!items)
    return core::Expected<bool>::failure(items.error());
  services_.items = std::move(items).value();
  return true;
}

core::Expected<bool> App::open_side_stores() {
  auto ledger = JobLedger::open(config_.queue_db_path, config_.migrate);
  if (!ledger)
    return core::Expected<bool>::failure(ledger.error());
  auto cache =
      PageCache::open(config_.cache_db_path, config_.migrate, config_.threads, kPageCacheTtl);
  if (!cache)
    return core::Expected<bool>::failure(cache.error());
  services_.jobs.attach_ledger(std::move(ledger).value());
  cache_ = std::move(cache).value();
  log_.phase("stores open");
  return true;
}

core::Expected<bool> App::seed() {
  if (!pause(config_.delays.seed))
    return true;
  auto seeded = seed_main_store(config_.db_path, config_.seed_rows);
  if (!seeded)
    return core::Expected<bool>::failure(seeded.error());
  log_.phase(fmt::format("seeded {} rows ({} inserted)", seeded->total, seeded->inserted));
  return true;
}

core::Expected<bool> App::warm(std::unique_ptr<PageCache> cache) {
  if (!pause(config_.delays.warm))
    return true;
  auto pages = services_.items->with_reader([&](targets::Paginator& paginator, sqlite3*) {
    return cache->warm(paginator, ItemsService::kDefaultLimit, config_.warm_pages);
  });
  if (!pages)
    return core::Expected<bool>::failure(pages.error());
  if (*pages > 0)
    services_.items->attach_cache(std::move(cache));
  log_.phase(fmt::format("cache warm ({} pages)", *pages));
  return true;
}

core::Expected<bool> App::finish_startup() {
  if (auto opened = open_side_stores(); !opened)
    return opened;
  if (server_.stopping())
    return true;
  if (auto seeded = seed(); !seeded)
    return seeded;
  if (server_.stopping())
    return true;
  return warm(std::move(cache_));
}

void App::run_background() {
  auto done = finish_startup();
  if (!done) {
    print_error(done.error());
    exit_code_.store(kBadStart);
    server_.stop();
    return;
  }
  if (server_.stopping())
    return;
  services_.readiness.set_full_ready();
  log_.phase("full");
}

int App::run() {
  if (auto opened = open_main_store(); !opened) {
    print_error(opened.error());
    return kBadStart;
  }
  const bool staged = config_.startup == StartupMode::kStaged;
  if (!staged && !server_.stopping()) {
    if (auto done = finish_startup(); !done) {
      print_error(done.error());
      return kBadStart;
    }
  }
  if (server_.stopping())
    return drain();
  services_.readiness.set_main_ready();
  if (!staged)
    services_.readiness.set_full_ready();
  auto port = server_.listen();
  if (!port) {
    print_error(port.error());
    return kBadStart;
  }
  log_.line(fmt::format("listening on {}:{}", config_.bind_address, *port));
  log_.phase("listening");
  log_.phase("ready");
  if (staged) {
    background_ = std::thread([this] { run_background(); });
  } else {
    log_.phase("full");
  }
  server_.wait();
  return drain();
}

// The HTTP side has finished every request it accepted; now the work behind them.
int App::drain() {
  server_.stop();
  server_.wait();
  if (background_.joinable())
    background_.join();
  log_.phase("draining");
  if (services_.items)
    services_.items->close();
  services_.jobs.drain();
  const auto lost = services_.items ? services_.items->figures().batcher.items_failed : 0;
  if (lost > 0) {
    print_error(fmt::format("{} accepted items could not be written", lost));
    return kItemsLost;
  }
  log_.phase("drained");
  return exit_code_.load();
}

}  // namespace

int run_app(const Config& config) {
  App app(config);
  return app.run();
}

}  // namespace loadgen::refserver
