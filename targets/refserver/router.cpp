#include "targets/refserver/router.hpp"

#include <exception>

#include <fmt/format.h>

#include "targets/refserver/text.hpp"

namespace loadgen::refserver {
namespace {

std::vector<std::string_view> path_segments(std::string_view path) {
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  return split(path, '/');
}

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view PathParams::get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name)
      return value;
  }
  return {};
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route route{std::move(method), std::move(pattern), {}, std::move(handler)};
  for (auto segment : path_segments(route.pattern))
    route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments,
                   PathParams& params) {
  if (route.segments.size() != segments.size())
    return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string_view want = route.segments[i];
    if (is_capture(want)) {
      if (segments[i].empty())
        return false;
      params.add(std::string(want.substr(1, want.size() - 2)), std::string(segments[i]));
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

Routed Router::dispatch(const Request& request) const {
  const auto segments = path_segments(request.path);
  std::string allowed;
  std::string_view matched_pattern;
  for (const auto& route : routes_) {
    PathParams params;
    if (!match(route, segments, params))
      continue;
    if (route.method != request.method) {
      allowed += allowed.empty() ? route.method : ", " + route.method;
      matched_pattern = route.pattern;
      continue;
    }
    try {
      return {route.handler(request, params), route.pattern};
    } catch (const std::exception& e) {
      return {error_response(500, fmt::format("internal error: {}", e.what())), route.pattern};
    }
  }
  if (allowed.empty()) {
    return {error_response(404, fmt::format("no route for {}", request.path)), kUnmatchedRoute};
  }
  auto response = error_response(405, fmt::format("method {} not allowed on {}; allowed: {}",
                                                  request.method, request.path, allowed));
  response.headers.emplace_back("Allow", allowed);
  return {std::move(response), matched_pattern};
}

std::vector<std::string_view> Router::patterns() const {
  std::vector<std::string_view> out;
  for (const auto& route : routes_) {
    bool seen = false;
    for (auto p : out)
      seen = seen || p == route.pattern;
    if (!seen)
      out.push_back(route.pattern);
  }
  return out;
}

}  // namespace loadgen::refserver
