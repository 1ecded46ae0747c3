#include "app/evaluate_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

#include "adapters/evaluation/evaluator.hpp"
#include "app/cli_support.hpp"

namespace hotline::app {

namespace fs = std::filesystem;
namespace ev = routing::evaluation;

CLI::App* add_evaluate_command(CLI::App& app, evaluate_args& a) {
  auto* cmd = app.add_subcommand(
      "evaluate", "the handling units' evaluation of a month or a year (M-E-1): rates, score, "
                  "rank within each kind of unit");
  cmd->add_option("--data-dir", a.data_dir,
                  "the data folder of hotlined (its private Redis and PostgreSQL)")
      ->capture_default_str();
  cmd->add_option("--period", a.period, "a month YYYY-MM or a year YYYY")->required();
  cmd->add_option("--unit", a.unit, "only this unit's line");
  cmd->add_option("--kind", a.kind,
                  "only units of this kind (township, district_department, city_department, "
                  "district_government, enterprise)");
  cmd->add_option("--as-of", a.as_of,
                  "evaluate as of this time, ISO 8601 with an offset (default: now); an API "
                  "answer's as_of gives its figures again");
  auto* csv = cmd->add_flag("--csv", a.csv, "every figure as CSV");
  auto* json = cmd->add_flag("--json", a.json, "the same JSON as GET /api/v1/evaluation");
  csv->excludes(json);
  cmd->add_option("--postgres", a.postgres_url, "use this PostgreSQL instead of the private one");
  cmd->add_option("--redis", a.redis_url, "use this Redis instead of the embedded one");
  cmd->add_option("--config", a.config_dir, "configuration (default: config/chongqing)");
  return cmd;
}

int run_evaluate(const evaluate_args& a) {
  const auto p = ev::parse_period(a.period);
  if (!p)
    throw cli_error{2, "--period must be a month YYYY-MM or a year YYYY, got '" + a.period + "'"};
  const auto as_of = as_of_or_now(a.as_of);
  const auto cfg = require_config(a.config_dir);
  hotline::evaluation::filter f;
  if (!a.unit.empty()) {
    const auto* u = cfg.directory.find_unit(a.unit);
    if (!u || u->kind == routing::unit_kind::office)
      throw cli_error{2, "no handling unit '" + a.unit + "' in the configuration"};
    f.unit = a.unit;
  }
  if (!a.kind.empty()) {
    const auto k = routing::parse_unit_kind(a.kind);
    if (!k || *k == routing::unit_kind::office)
      throw cli_error{2, "--kind must be township, district_department, city_department, "
                         "district_government or enterprise"};
    f.kind = k;
  }

  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 2);
  redis::store store(pool);
  std::string out;
  {
    cli_archive archived(a.postgres_url, a.data_dir, where, !a.redis_url.empty(), cfg);
    if (!archived.pool())
      std::cerr << "hotline evaluate: no archive (no --postgres, no private PostgreSQL): tickets "
                   "in Redis only\n";
    hotline::evaluation::evaluator e(store, pool, archived.pool(), cfg);
    const auto report = e.evaluate(*p, as_of);
    if (a.json) {
      out = hotline::evaluation::report_json(report, cfg.directory, f).dump(2) + "\n";
    } else if (a.csv) {
      out = hotline::evaluation::report_csv(report, cfg.directory, f);
    } else {
      std::vector<std::vector<std::string>> rows{{"UNIT", "NAME", "KIND", "RECEIVED", "RESPONSE",
                                                  "ON_TIME", "RESOLUTION", "SATISFACTION", "SCORE",
                                                  "RANK"}};
      auto num = [](const nlohmann::json& v) { return v.is_null() ? std::string("-") : v.dump(); };
      for (const auto& l : report.lines) {
        if (!f.keeps(l))
          continue;
        const auto j = hotline::evaluation::line_json(l, cfg.directory);
        rows.push_back({j["unit_id"], j["unit_name"], j["kind"], num(j["received"]),
                        num(j["response_rate"]), num(j["on_time_rate"]), num(j["resolution_rate"]),
                        num(j["satisfaction_rate"]), num(j["score"]), num(j["rank"])});
      }
      print_table(rows);
      std::cout << "period " << p->text << " as of " << routing::format_instant(as_of) << "\n";
    }
  }
  std::cout << out << std::flush;
  return 0;
}

} // namespace hotline::app
