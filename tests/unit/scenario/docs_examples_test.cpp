#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

// The fenced blocks whose info string is exactly "yaml": complete scenarios. Fragments are
// fenced as "yaml fragment" and are not loaded on their own.
std::vector<std::pair<int, std::string>> yaml_examples(const std::string& markdown) {
  std::vector<std::pair<int, std::string>> examples;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  int start = 0;
  bool inside = false;
  std::string block;
  while (std::getline(in, line)) {
    ++number;
    if (!inside && line == "```yaml") {
      inside = true;
      start = number;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      examples.emplace_back(start, block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return examples;
}

TEST(FormatDoc, EveryCompleteExampleLoads) {
  const std::string path = std::string(LOADGEN_DOCS_DIR) + "/scenario-format.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  const auto examples = yaml_examples(text.str());
  EXPECT_GE(examples.size(), 5u);
  for (const auto& [line, yaml] : examples) {
    // The variables example binds ${rate} from the command line, as its text says.
    const auto options = yaml.find("${rate}") != std::string::npos
                             ? testing::test_options({{"rate", "50"}})
                             : testing::test_options();
    const auto result = load_string(yaml, "scenario-format.md:" + std::to_string(line), options);
    EXPECT_TRUE(result.ok()) << "example at line " << line << ":\n" << testing::joined(result);
  }
}

}  // namespace
}  // namespace loadgen::scenario
