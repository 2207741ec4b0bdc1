// A child process for black-box tests: the real crier and crier-sandbox binaries.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace crier::testing {

class Process {
 public:
  // Starts `argv[0]` with `argv`, stdout and stderr appended to `log_path`.
  Process(std::vector<std::string> argv, const std::string& log_path);
  ~Process();  // kills the child (SIGKILL) if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signo);
  // The exit status (WEXITSTATUS, or 128+signal) if it exited within `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
};

// Waits until `path` exists with a non-empty first line and returns it (e.g. a port file).
std::optional<std::string> WaitForFileLine(const std::string& path,
                                           std::chrono::milliseconds timeout);

}  // namespace crier::testing
