#pragma once
// `hotline brief --data-dir DIR --period 2026-11|2026-11-30 --out DIR
// [--postgres URL] [--redis URL] [--config DIR] [--as-of TIME]` (issue 14
// item 5, M-D-1): the monthly or daily brief for decision makers, written
// as `brief.html` (one self-contained page, charts included) and one CSV
// per table. Exit codes: 0 written, 1 failure (Redis, PostgreSQL, files),
// 2 bad input.

#include <CLI/CLI.hpp>

#include <string>

namespace hotline::app {

struct brief_args {
  std::string data_dir = "data";
  std::string config_dir;
  std::string postgres_url;
  std::string redis_url;
  std::string period;
  std::string out;
  std::string as_of;
};

CLI::App* add_brief_command(CLI::App& app, brief_args& args);
/// Runs it; says on stdout what it wrote. Throws cli_error.
int run_brief(const brief_args& args);

} // namespace hotline::app
