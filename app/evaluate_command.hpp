#pragma once
// `hotline evaluate --data-dir DIR --period 2026-11 [--unit U] [--kind K]
// [--csv | --json] [--as-of TIME] [--postgres URL] [--redis URL]` (issue 14,
// M-E-1): the units' evaluation of a month or a year, computed by the same
// code as GET /api/v1/evaluation (adapters/evaluation), so the figures are
// the same. Exit codes: 0 done, 1 failure (Redis, PostgreSQL, files), 2
// bad input.

#include <CLI/CLI.hpp>

#include <string>

namespace hotline::app {

struct evaluate_args {
  std::string data_dir = "data";
  std::string config_dir;
  std::string postgres_url;
  std::string redis_url;
  std::string period;
  std::string unit;
  std::string kind;
  std::string as_of;
  bool csv = false;
  bool json = false;
};

/// Adds the subcommand to `app`; `args` receives its options.
CLI::App* add_evaluate_command(CLI::App& app, evaluate_args& args);
/// Runs it; prints the figures on stdout. Throws cli_error.
int run_evaluate(const evaluate_args& args);

} // namespace hotline::app
