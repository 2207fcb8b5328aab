#include "reports/verdict_text.hpp"

namespace loadgen::reports {

std::string verdict_word(const run::Result& r) {
  if (r.verdict == "pass") return "PASS";
  if (r.verdict == "none") return "NONE";
  if (r.verdict == "shard") return "AT MERGE";
  return "FAIL";
}

std::string verdict_class(const run::Result& r) {
  if (r.verdict == "pass" || r.verdict == "none") return r.verdict;
  if (r.verdict == "shard") return "none";
  return "fail";
}

std::string verdict_reasons(const run::Result& r) {
  std::string out;
  for (const auto& why : r.verdict_reasons) out += (out.empty() ? "" : "; ") + why;
  return out;
}

}  // namespace loadgen::reports
