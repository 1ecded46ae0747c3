#pragma once
// The archive as hotlined runs it (issue 14): where PostgreSQL is (the
// private server under the data dir, or --postgres URL), the schema, the
// archiver's thread and the store's read fallback, in one object so the
// service's main keeps one line per step.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "adapters/archive/archiver.hpp"
#include "adapters/archive/embedded_pg.hpp"

namespace hotline::archive {

struct service_options {
  /// libpq URL or connection string; empty: the private server, if any.
  std::string postgres_url;
  /// Start the private server when no URL is given (the embedded default).
  bool embedded = true;
  std::filesystem::path data_dir;
  archiver_options archiving;
  /// Issue 14, M-E-1: derives each archived ticket's evaluation facts.
  fact_deriver facts;
};

class service {
 public:
  /// Connects (starting the private server if asked), creates the schema
  /// and makes `store` read archived tickets. Throws if PostgreSQL cannot
  /// be reached. Without a URL and with `embedded` off: no archive.
  service(const service_options& opts, redis::store& store, const cluster::ownership& own,
          std::function<routing::instant()> now);
  ~service();
  /// Starts moving closed tickets (after the node took its partitions).
  void start();
  void stop();
  bool enabled() const { return archiver_ != nullptr; }
  /// Where the archive is, for the serving line (no password).
  std::string where() const;
  /// The archive's connections (null when off), for the evaluation.
  pg_pool* pool() const { return pool_.get(); }

 private:
  redis::store& store_;
  std::unique_ptr<embedded_pg> embedded_;
  std::unique_ptr<pg_pool> pool_;
  std::unique_ptr<tables> tables_;
  std::unique_ptr<archiver> archiver_;
};

} // namespace hotline::archive
