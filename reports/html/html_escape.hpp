#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// Making user text (scenario names, YAML, error messages, target output) safe in report.html.
namespace loadgen::reports::html {

// Text for an element's content or a quoted attribute: & < > " ' become entities.
std::string escape(std::string_view text);

// JSON for a <script type="application/json"> block: '<', '>' and '&' are written as \u003c,
// \u003e and \u0026 (still the same JSON), so no text inside can close the script element or
// open a comment; invalid UTF-8 is replaced with U+FFFD rather than failing the report.
std::string script_json(const nlohmann::json& json);

}  // namespace loadgen::reports::html
