#pragma once

#include <string>
#include <vector>

#include "harness/scenario/loader.hpp"
#include "harness/scenario/template.hpp"

// The ${...} variables of a scenario. Static ones are bound at load: ${env:NAME} (or
// ${env:NAME:-default}), ${tmp}, ${bin} and every --set key. Dynamic ones stay in the
// templates for the engine, and only where it fills them in.
namespace loadgen::scenario {

// Which dynamic variables a field may keep.
enum class Dynamic {
  kNone,
  kPort,     // ${port}: target.base_url, target.start.command and target.start.env
  kRequest,  // ${uuid} ${seq} ${vu} ${now_ms}: request paths, headers and bodies
  kFlow,     // those, and any other name: flow steps, whose loader checks each is set
};

class Variables {
 public:
  explicit Variables(const LoadOptions& options);

  struct Problem {
    std::string placeholder;  // "${prot}", as written, to find it in the source
    std::string message;
  };
  struct Bound {
    Template value;
    std::vector<Problem> problems;
  };
  // Binds every static variable; reports unknown ones, unset environment variables and
  // dynamic ones that `allowed` does not admit.
  Bound bind(const Template& t, Dynamic allowed) const;

 private:
  std::optional<std::string> lookup(std::string_view name) const;
  std::string why_unbound(const std::string& name, Dynamic allowed) const;

  LoadOptions options_;
};

}  // namespace loadgen::scenario
