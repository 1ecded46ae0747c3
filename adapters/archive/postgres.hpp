#pragma once
// A small libpq wrapper (issue 14): one connection, statements with
// parameters (text, or binary for bytea), results read as text, and a pool
// of connections for the threads that read the archive. Plain SQL only, so
// PostgreSQL-compatible servers (openGauss, KingbaseES) serve it too.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace hotline::archive {

struct pg_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One statement parameter: text, binary (bytea) or NULL.
struct pg_param {
  std::string value;
  bool binary = false;
  static pg_param bytes(std::string b) { return {std::move(b), true}; }
};

/// A statement's rows, every value as text ("" for NULL).
class pg_rows {
 public:
  explicit pg_rows(pg_result* r);
  ~pg_rows();
  pg_rows(pg_rows&& o) noexcept;
  pg_rows(const pg_rows&) = delete;
  pg_rows& operator=(const pg_rows&) = delete;
  pg_rows& operator=(pg_rows&&) = delete;
  int size() const;
  std::string text(int row, int col) const;
  long long integer(int row, int col) const;
  /// A bytea column, unescaped to its raw bytes.
  std::string bytes(int row, int col) const;
  bool null(int row, int col) const;

 private:
  pg_result* r_;
};

class pg_connection {
 public:
  /// Connects with a libpq connection string or postgresql:// URL; throws
  /// pg_error with the server's reason (never the password).
  explicit pg_connection(const std::string& conninfo);
  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  /// Runs one statement; throws pg_error if it fails.
  pg_rows exec(const std::string& sql, const std::vector<pg_param>& params = {});
  /// False once the connection broke (the pool then opens a new one).
  bool ok() const;

 private:
  pg_conn* c_;
};

/// Connections shared by threads: each call takes one for its duration.
class pg_pool {
 public:
  pg_pool(std::string conninfo, std::size_t size);
  struct lease {
    pg_pool* pool;
    std::unique_ptr<pg_connection> conn;
    lease(pg_pool* p, std::unique_ptr<pg_connection> c) : pool(p), conn(std::move(c)) {}
    lease(lease&& o) noexcept : pool(o.pool), conn(std::move(o.conn)) { o.pool = nullptr; }
    ~lease();
    pg_connection* operator->() { return conn.get(); }
    pg_connection& operator*() { return *conn; }
  };
  /// A connection (a new one if the pooled one broke); waits while all are
  /// in use.
  lease acquire();
  const std::string& conninfo() const { return conninfo_; }

 private:
  friend struct lease;
  void give_back(std::unique_ptr<pg_connection> c);
  std::string conninfo_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pg_connection>> idle_;
  std::size_t out_ = 0, size_;
};

/// A postgresql:// URL with any password replaced by "***", for logs.
std::string redact_pg_url(const std::string& url);

} // namespace hotline::archive
