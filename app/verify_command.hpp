#pragma once
// `hotline verify --data-dir DIR [--postgres URL] [--from DATE --to DATE]`
// (issue 14, M-SV-3): checks the archive's hash chains and day roots and
// names every ticket or day altered, removed or inserted. Exit codes: 0
// intact, 3 findings, 1 failure (PostgreSQL, files), 2 bad input.

#include <CLI/CLI.hpp>

#include <string>

namespace hotline::app {

struct verify_args {
  std::string data_dir = "data";
  std::string postgres_url;
  std::string from, to;
};

/// Adds the subcommand to `app`; `args` receives its options.
CLI::App* add_verify_command(CLI::App& app, verify_args& args);
/// Runs it; prints the findings on stdout.
int run_verify(const verify_args& args);

} // namespace hotline::app
