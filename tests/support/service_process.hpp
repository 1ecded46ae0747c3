#pragma once
// Runs the real `hotlined` binary for end-to-end tests: its own data dir,
// any free port, stdout read until it prints the URL it serves.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hotline::test {

class service_process {
 public:
  /// Starts build/bin/hotlined with --data-dir `data_dir`, --listen
  /// 127.0.0.1:0 and the repository's Chongqing config, plus `extra` flags;
  /// waits (at most 60 s) for its "serving http://…" line.
  service_process(const std::filesystem::path& data_dir, std::vector<std::string> extra = {});
  ~service_process();

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// Sends `sig` and waits for the process to end; returns its wait status.
  int stop(int sig);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::uint16_t port_ = 0;
};

/// Runs `build/bin/hotline` with `args`; returns its stdout, trimmed.
std::string run_cli(const std::vector<std::string>& args);

/// What a `hotline` run printed and how it ended.
struct cli_result {
  int exit_code = -1; // -1 if it did not exit normally
  std::string out;    // stdout, as printed
  std::string err;    // stderr, as printed
};

/// Runs `build/bin/hotline` with `args`, `input` on its stdin (nullopt:
/// /dev/null), whatever the exit code.
cli_result run_cli_full(const std::vector<std::string>& args,
                        const std::optional<std::string>& input = std::nullopt);

/// Waits until process `pid` (not necessarily our child: an orphaned
/// redis-server) has exited, at most `timeout`; true if it has. Uses a
/// pidfd, so the kernel wakes us when it ends.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

/// The pid of the embedded redis-server of a data dir (from its pidfile).
pid_t embedded_redis_pid(const std::filesystem::path& data_dir);

} // namespace hotline::test
