#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "targets/refserver/http_types.hpp"

// Maps method + path to a handler. Patterns are literal segments and `{name}` captures:
// "/api/jobs/{id}". A path that matches no pattern is 404; one that matches with another
// method is 405 with an Allow header.
namespace loadgen::refserver {

class PathParams {
 public:
  void add(std::string name, std::string value) {
    params_.emplace_back(std::move(name), std::move(value));
  }
  std::string_view get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

using Handler = std::function<Response(const Request&, const PathParams&)>;

struct Routed {
  Response response;
  // The matched pattern, or kUnmatchedRoute: a label for metrics. Views the Router's own
  // storage, so it is valid as long as the Router.
  std::string_view route;
};

inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  // Never throws: a handler's exception becomes a 500 so one bad request cannot take a
  // connection (or the server) down.
  Routed dispatch(const Request& request) const;

  // Every registered pattern once, in registration order (metrics pre-declare them).
  std::vector<std::string_view> patterns() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments,
                    PathParams& params);

  std::vector<Route> routes_;
};

}  // namespace loadgen::refserver
