#include "targets/refserver/http_types.hpp"

#include <nlohmann/json.hpp>

#include "targets/refserver/text.hpp"

namespace loadgen::refserver {

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name)
      return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<Request> make_request(std::string method, std::string_view target, HeaderList headers,
                                    std::string body) {
  const auto question = target.find('?');
  auto path = percent_decode(target.substr(0, question), false);
  if (!path || path->empty() || path->front() != '/')
    return std::nullopt;
  Request request;
  request.method = std::move(method);
  request.path = std::move(*path);
  if (question != std::string_view::npos)
    request.query = std::string(target.substr(question + 1));
  for (auto& [name, value] : headers)
    name = to_lower(name);
  request.headers = std::move(headers);
  request.body = std::move(body);
  return request;
}

Response error_response(int status, std::string_view message) {
  Response response;
  response.status = status;
  response.body = nlohmann::json{{"error", message}}.dump();
  return response;
}

}  // namespace loadgen::refserver
