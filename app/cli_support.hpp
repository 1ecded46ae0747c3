#pragma once
// What the `hotline` subcommands share: refusals with an exit code, the
// configuration, Redis of a data dir (hotlined's, or one started for the
// command) and tables on a terminal.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/archive/embedded_pg.hpp"
#include "adapters/archive/postgres.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/redis/connection.hpp"
#include "adapters/redis/embedded.hpp"

namespace hotline::app {

/// A refusal with its exit code: 2 for bad input, 1 for a failure.
struct cli_error {
  int code;
  std::string message;
};

std::int64_t now_ms();

/// The configuration to check units against: --config if given, else
/// config/chongqing when that folder exists here, else none.
std::optional<config::hotline_config> load_config(const std::string& given);
/// The same, or a refusal (exit 2) when there is none.
config::hotline_config require_config(const std::string& given);

/// `--as-of TIME` (ISO 8601 with an offset), or now when not given; a
/// refusal (exit 2) naming the flag when malformed.
routing::instant as_of_or_now(const std::string& given);

/// Redis for a user command: --redis URL, else the embedded server of the
/// data dir. hotlined holds the data dir's lock while it runs: if we can
/// take it, no hotlined runs and we start (or adopt) the server ourselves,
/// keeping the lock so no hotlined starts on it meanwhile, and stop it at
/// the end, as hotlined would.
class cli_redis {
 public:
  cli_redis(const std::string& url, const std::filesystem::path& data_dir);
  ~cli_redis();
  cli_redis(const cli_redis&) = delete;
  cli_redis& operator=(const cli_redis&) = delete;

  const redis::endpoint& where() const { return ep_; }
  /// Whether hotlined runs on the data dir (its lock was held).
  bool hotlined_runs() const { return hotlined_runs_; }

 private:
  redis::endpoint ep_;
  int lock_fd_ = -1;
  bool hotlined_runs_ = false;
  std::unique_ptr<redis::embedded_redis> embedded_;
};

/// The archive for a user command (issue 14): --postgres URL, else the
/// private PostgreSQL of the data dir if it has one (hotlined's if it runs,
/// else started for the command and stopped after), else none: every
/// ticket is then still in Redis. Tickets archived before the facts tables
/// existed get their rows first (once).
class cli_archive {
 public:
  cli_archive(const std::string& url, const std::filesystem::path& data_dir, const cli_redis& redis,
              bool redis_given, const config::hotline_config& cfg);
  ~cli_archive();
  cli_archive(const cli_archive&) = delete;
  cli_archive& operator=(const cli_archive&) = delete;

  /// Null without an archive.
  archive::pg_pool* pool() { return pool_.get(); }

 private:
  std::unique_ptr<archive::embedded_pg> embedded_;
  std::unique_ptr<archive::pg_pool> pool_;
};

/// Prints rows as columns (CJK characters take two).
void print_table(const std::vector<std::vector<std::string>>& rows);

} // namespace hotline::app
