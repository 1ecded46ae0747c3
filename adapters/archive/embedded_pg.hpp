#pragma once
// The embedded default of the archive (issue 14): a private PostgreSQL
// under the data dir, as adapters/redis/embedded.hpp does for Redis —
// created by initdb on first start, reachable only by a unix socket in its
// own folder (a loopback port when that path would be too long), stopped on
// exit, adopted when a killed hotlined left it running.
//
// PostgreSQL refuses to run as root: as root, initdb and the server run as
// the unprivileged system user `postgres` (created by Debian's
// postgresql-common), which then owns <data-dir>/postgres and must be able
// to enter every folder above it.

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace hotline::archive {

struct embedded_pg_options {
  std::filesystem::path data_dir;
  /// Where initdb and postgres are; empty: the newest of
  /// /usr/lib/postgresql/{17,16,15}/bin.
  std::filesystem::path bin_dir;
  /// The user to run as when we are root.
  std::string run_as = "postgres";
  /// Tests: the server is killed when the thread that started it ends.
  bool die_with_parent = false;
  /// Stop an adopted server on destruction (hotlined: yes; `hotline
  /// verify` next to a running hotlined: no).
  bool stop_adopted = true;
};

class embedded_pg {
 public:
  /// Creates (first start), starts or adopts the server, waits until it
  /// accepts connections and makes sure the database `hotline` exists.
  /// Throws std::runtime_error with the reason and the tail of its log.
  explicit embedded_pg(embedded_pg_options opts);
  /// Stops the server (fast shutdown: open transactions roll back) and
  /// waits for it, unless it was adopted and stop_adopted is off.
  ~embedded_pg();
  embedded_pg(const embedded_pg&) = delete;
  embedded_pg& operator=(const embedded_pg&) = delete;

  /// A libpq connection string to the database `hotline`.
  const std::string& conninfo() const { return conninfo_; }
  bool adopted() const { return adopted_; }
  pid_t pid() const { return pid_; }

 private:
  embedded_pg_options opts_;
  std::string conninfo_;
  pid_t pid_ = -1;
  bool adopted_ = false;
};

/// The pid of the running private PostgreSQL of `data_dir`, or -1.
pid_t embedded_pg_pid(const std::filesystem::path& data_dir);

} // namespace hotline::archive
