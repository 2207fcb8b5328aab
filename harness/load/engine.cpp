#include "harness/load/engine.hpp"

#include <thread>

#include <boost/asio/ssl/context.hpp>
#include <fmt/format.h>

#include "harness/http/alpn_probe.hpp"
#include "harness/load/feed.hpp"
#include "harness/load/worker.hpp"

namespace loadgen::load {

struct Engine::Impl {
  EngineConfig config;
  net::ip::tcp::endpoint endpoint;
  std::shared_ptr<net::ssl::context> tls;
  MetricLayout layout;
  std::vector<std::unique_ptr<Feed>> feeds;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  Clock::time_point start;
};

core::Expected<std::unique_ptr<Engine>> Engine::create(EngineConfig config) {
  using Result = core::Expected<std::unique_ptr<Engine>>;
  auto impl = std::make_unique<Impl>();
  config.threads = std::max(1, config.threads);
  boost::system::error_code ec;
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(config.endpoint.host, std::to_string(config.endpoint.port), ec);
  if (ec || results.empty()) {
    return Result::failure(fmt::format("cannot resolve {}: {}", config.endpoint.host, ec.message()));
  }
  impl->endpoint = results.begin()->endpoint();
  if (config.endpoint.tls) {
    auto tls = http::make_client_tls_context(config.endpoint);
    if (!tls) return Result::failure(tls.error());
    impl->tls = std::move(tls).value();
  }
  if (config.endpoint.http_version == 0) {
    // auto: on https the server chooses by ALPN, asked once before the run (a server that
    // cannot be reached then gets HTTP/1.1, and the run's requests say why it cannot).
    config.endpoint.http_version = 1;
    if (impl->tls && http::probe_alpn(impl->endpoint, config.endpoint, *impl->tls, std::chrono::seconds(5)) ==
                         http::Protocol::kH2) {
      config.endpoint.http_version = 2;
    }
  }
  impl->config = std::move(config);
  impl->layout = metric_layout(impl->config.requests, impl->config.flows);
  uint64_t seed = 0x51ED270B27ull;
  for (const auto& spec : impl->config.feeds) {
    // Shards draw random rows with seeds of their own and take disjoint unique rows.
    auto feed = Feed::open(spec, seed++ + 7919 * static_cast<uint64_t>(impl->config.shard_index),
                           {impl->config.shard_index, impl->config.shard_count});
    if (!feed) return Result::failure(feed.error());
    impl->feeds.push_back(std::move(feed).value());
  }
  std::vector<Feed*> feeds;
  for (auto& f : impl->feeds) feeds.push_back(f.get());
  for (int i = 0; i < impl->config.threads; ++i) {
    impl->workers.push_back(
        std::make_unique<Worker>(impl->config, impl->layout, feeds, i, impl->endpoint, impl->tls.get()));
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  if (!impl_->threads.empty()) abort_and_join();
}

void Engine::start(std::optional<Clock::time_point> zero) {
  // A common time zero a little ahead, so that every thread is running when it arrives.
  impl_->start = zero.value_or(Clock::now() + std::chrono::milliseconds(5));
  for (auto& w : impl_->workers) {
    impl_->threads.emplace_back([worker = w.get(), start = impl_->start] { worker->run(start); });
  }
}

void Engine::stop_scheduling() {
  for (auto& w : impl_->workers) w->stop_scheduling();
}

bool Engine::finished() const {
  for (const auto& w : impl_->workers) {
    if (!w->finished()) return false;
  }
  return true;
}

void Engine::abort_and_join() {
  for (auto& w : impl_->workers) w->abort();
  join();
}

void Engine::join() {
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

void Engine::collect_interval(IntervalSnapshot& into) {
  const size_t names = impl_->layout.names.size();
  if (into.by_name.size() != names) {
    into.by_name.resize(names);
    for (const auto& flow : impl_->layout.flows) {
      into.by_name[flow.flow].http = false;
      for (const auto& since : flow.since_start) {
        if (since) into.by_name[*since].http = false;
      }
    }
  }
  for (auto& n : into.by_name) {
    n.corrected.reset();
    n.service.reset();
    n.totals = {};
  }
  into.send_lag.reset();
  into.in_flight = 0;
  into.active_users = 0;
  for (auto& w : impl_->workers) {
    auto& m = w->metrics();
    for (size_t i = 0; i < names; ++i) {
      m.by_name[i]->corrected.add_interval_to(into.by_name[i].corrected);
      m.by_name[i]->service.add_interval_to(into.by_name[i].service);
      into.by_name[i].totals.add(m.by_name[i]->counters.read());
    }
    m.send_lag.add_interval_to(into.send_lag);
    into.in_flight += m.in_flight.load(std::memory_order_relaxed);
    into.active_users += m.active_users.load(std::memory_order_relaxed);
  }
  into.elapsed = std::chrono::duration_cast<Nanos>(Clock::now() - impl_->start);
}

std::map<http::ErrorKind, std::string> Engine::first_errors() const {
  std::map<http::ErrorKind, std::string> all;
  for (const auto& w : impl_->workers) all.merge(w->first_errors());
  return all;
}

std::map<std::string, uint64_t> Engine::connections_by_protocol() const {
  std::map<std::string, uint64_t> all;
  for (const auto& w : impl_->workers) {
    for (size_t p = 0; p < w->metrics().opened_by_protocol.size(); ++p) {
      const uint64_t n = w->metrics().opened_by_protocol[p].load(std::memory_order_relaxed);
      if (n > 0) all[std::string(http::to_string(static_cast<http::Protocol>(p)))] += n;
    }
  }
  return all;
}

std::map<std::string, std::map<std::string, uint64_t>> Engine::h2_error_codes() const {
  std::map<std::string, std::map<std::string, uint64_t>> all;
  for (const auto& w : impl_->workers) {
    const auto& by_kind = w->metrics().h2_error_codes;
    for (size_t k = 0; k < by_kind.size(); ++k) {
      for (size_t c = 0; c < by_kind[k].size(); ++c) {
        const uint64_t n = by_kind[k][c].load(std::memory_order_relaxed);
        if (n == 0) continue;
        const auto code = c < http::kH2ErrorCodes ? http::h2_error_name(static_cast<uint32_t>(c)) : std::string("other");
        all[std::string(http::to_string(static_cast<http::ErrorKind>(k)))][code] += n;
      }
    }
  }
  return all;
}

std::map<size_t, std::string> Engine::first_flow_failures() const {
  std::map<size_t, std::string> all;
  for (const auto& w : impl_->workers) all.merge(w->first_flow_failures());
  return all;
}

std::vector<Engine::FeedStatus> Engine::feed_status() const {
  std::vector<FeedStatus> out;
  for (const auto& f : impl_->feeds) out.push_back({f->spec().name, f->rows_read(), f->bad_rows(), f->exhausted()});
  return out;
}

const MetricLayout& Engine::layout() const { return impl_->layout; }

Clock::time_point Engine::start_time() const { return impl_->start; }
const EngineConfig& Engine::config() const { return impl_->config; }

}  // namespace loadgen::load
