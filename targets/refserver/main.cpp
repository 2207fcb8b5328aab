#include "targets/refserver/app.hpp"
#include "targets/refserver/cli.hpp"

int main(int argc, char** argv) {
  auto cli = loadgen::refserver::parse_command_line(argc, argv);
  if (!cli.config)
    return cli.exit_code;
  return loadgen::refserver::run_app(*cli.config);
}
