#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "harness/scenario/variables.hpp"
#include "harness/scenario/yaml_reader.hpp"

// YAML values as JSON, for `json:` bodies and `check.json` expectations. Internal to the
// loader.
namespace loadgen::scenario {

// Plain scalars become JSON's true/false/null/numbers when they read as such; quoted ones
// stay strings. Strings have static variables bound; with `allowed` == kRequest they keep
// dynamic ones as ${...} text, for a body that becomes a Template. Nothing when a string
// has a problem (reported).
std::optional<nlohmann::json> to_json(Reader& r, const Field& field, Dynamic allowed);

}  // namespace loadgen::scenario
