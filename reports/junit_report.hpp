#pragma once

#include <string>

#include "harness/run/result.hpp"

namespace loadgen::reports {

// JUnit XML with one test case per SLO, as CI systems (GitLab, Jenkins, GitHub actions that
// publish JUnit) show them: a failure carries the observed value and the threshold.
std::string junit_xml(const run::Result& result);

// Escapes &, <, >, " and ' for XML attributes and text.
std::string xml_escape(std::string_view text);

}  // namespace loadgen::reports
