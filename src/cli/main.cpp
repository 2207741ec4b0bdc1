// The crier executable: every command is in the crier_cli library; this only wires in the
// real process environment.
#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/serve.h"

int main(int argc, char** argv) {
  winsize ws{};
  const bool tty = isatty(STDOUT_FILENO) == 1;
  const int columns =
      (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) ? ws.ws_col : 80;
  crier::cli::CliContext ctx{
      .out = std::cout,
      .err = std::cerr,
      .out_is_tty = tty,
      .columns = columns,
      .env = crier::cli::ProcessEnv,
      .clock = crier::SystemClock::Instance(),
      .sleep = [](crier::Duration d) { std::this_thread::sleep_for(d); },
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  return crier::cli::RunCommandLine(args, ctx, {crier::cli::AddServeCommand});
}
