#include "adapters/archive/service.hpp"

#include <spdlog/spdlog.h>

namespace hotline::archive {

service::service(const service_options& opts, redis::store& store, const cluster::ownership& own,
                 std::function<routing::instant()> now)
    : store_(store) {
  std::string conninfo = opts.postgres_url;
  if (conninfo.empty()) {
    if (!opts.embedded) {
      spdlog::warn("archive: off (no --postgres): closed tickets stay in Redis");
      return;
    }
    embedded_pg_options pg;
    pg.data_dir = opts.data_dir;
    embedded_ = std::make_unique<embedded_pg>(pg);
    conninfo = embedded_->conninfo();
  }
  // Readers (actors, HTTP pool threads) and the archiver share a few.
  pool_ = std::make_unique<pg_pool>(conninfo, 6);
  tables_ = std::make_unique<tables>(*pool_);
  tables_->ensure_schema();
  tables_->derive_facts(opts.facts);
  archiver_ = std::make_unique<archiver>(store, *tables_, own, std::move(now), opts.archiving);
  store.read_archive(archiver_.get());
}

service::~service() {
  stop();
  store_.read_archive(nullptr);
}

void service::start() {
  if (archiver_)
    archiver_->start();
}

void service::stop() {
  if (archiver_)
    archiver_->stop();
}

std::string service::where() const {
  if (!pool_)
    return "off";
  return embedded_ ? "embedded" : redact_pg_url(pool_->conninfo());
}

} // namespace hotline::archive
