#include "app/brief_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "adapters/brief/gather.hpp"
#include "adapters/brief/render.hpp"
#include "adapters/monitor/detector.hpp"
#include "app/cli_support.hpp"

namespace hotline::app {

namespace fs = std::filesystem;

CLI::App* add_brief_command(CLI::App& app, brief_args& a) {
  auto* cmd = app.add_subcommand(
      "brief", "the brief for decision makers of a month or a day (M-D-1): brief.html with its "
               "charts, and a CSV per table");
  cmd->add_option("--data-dir", a.data_dir,
                  "the data folder of hotlined (its private Redis and PostgreSQL)")
      ->capture_default_str();
  cmd->add_option("--period", a.period, "a month YYYY-MM or a day YYYY-MM-DD")->required();
  cmd->add_option("--out", a.out, "the folder to write into (created if missing)")->required();
  cmd->add_option("--as-of", a.as_of, "as of this time, ISO 8601 with an offset (default: now)");
  cmd->add_option("--postgres", a.postgres_url, "use this PostgreSQL instead of the private one");
  cmd->add_option("--redis", a.redis_url, "use this Redis instead of the embedded one");
  cmd->add_option("--config", a.config_dir, "configuration (default: config/chongqing)");
  return cmd;
}

namespace {

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f)
    throw cli_error{1, "cannot write " + p.string()};
}

} // namespace

int run_brief(const brief_args& a) {
  const auto span = routing::volume::parse_span(a.period);
  if (!span)
    throw cli_error{2,
                    "--period must be a month YYYY-MM or a day YYYY-MM-DD, got '" + a.period + "'"};
  const auto now = as_of_or_now(a.as_of);
  if (routing::shanghai_midnight(span->from) > now)
    throw cli_error{2, "--period " + a.period + " has not begun yet"};
  const auto cfg = require_config(a.config_dir);
  std::error_code ec;
  fs::create_directories(a.out, ec);
  if (ec)
    throw cli_error{1, "cannot create " + a.out + ": " + ec.message()};

  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 2);
  redis::store store(pool);
  brief::document doc;
  {
    cli_archive archived(a.postgres_url, a.data_dir, where, !a.redis_url.empty(), cfg);
    if (!archived.pool())
      std::cerr << "hotline brief: no archive (no --postgres, no private PostgreSQL): tickets in "
                   "Redis only\n";
    // M-D-1: the warnings raised in the period (up to now).
    monitor::detector detector(pool, "hl", cfg.warnings, cfg.directory, nullptr,
                               std::chrono::hours(1));
    const auto end = std::min(now, routing::shanghai_midnight(routing::add_days(span->to, 1)));
    const auto warnings
        = detector.list(routing::shanghai_midnight(span->from), end, brief::max_warnings);
    doc = brief::compose(brief::gather(store, pool, archived.pool(), cfg, *span, now, warnings),
                         cfg.directory);
  }
  const fs::path out(a.out);
  write_file(out / "brief.html", brief::html(doc));
  int files = 1;
  for (const auto& s : doc.sections)
    if (!s.data.id.empty()) {
      write_file(out / (s.data.id + ".csv"), brief::csv(s.data));
      ++files;
    }
  std::cout << "brief: " << doc.title << ": " << files << " files in " << fs::absolute(out).string()
            << std::endl;
  return 0;
}

} // namespace hotline::app
