#include "app/verify_command.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "adapters/archive/embedded_pg.hpp"
#include "adapters/archive/verify.hpp"
#include "routing/civil_time.hpp"

namespace hotline::app {

namespace fs = std::filesystem;

CLI::App* add_verify_command(CLI::App& app, verify_args& args) {
  auto* cmd = app.add_subcommand(
      "verify", "check the archive's hash chains and daily Merkle roots (M-SV-3); exit 3 if "
                "anything was altered, removed or inserted");
  cmd->add_option("--data-dir", args.data_dir,
                  "the data folder of hotlined (its private PostgreSQL)")
      ->capture_default_str();
  cmd->add_option("--postgres", args.postgres_url,
                  "use this PostgreSQL instead of the private one");
  cmd->add_option("--from", args.from, "first close day checked, YYYY-MM-DD");
  cmd->add_option("--to", args.to, "last close day checked, YYYY-MM-DD");
  return cmd;
}

int run_verify(const verify_args& args) {
  for (const auto* d : {&args.from, &args.to})
    if (!d->empty() && !routing::parse_date(*d)) {
      std::cerr << "hotline verify: dates are YYYY-MM-DD, got '" << *d << "'\n";
      return 2;
    }
  std::string conninfo = args.postgres_url;
  std::unique_ptr<archive::embedded_pg> embedded;
  int lock_fd = -1;
  if (conninfo.empty()) {
    const fs::path dir(args.data_dir);
    if (!fs::exists(dir / "postgres" / "PG_VERSION")) {
      std::cerr << "hotline verify: no private PostgreSQL in " << fs::absolute(dir).string()
                << " (give --postgres URL)\n";
      return 1;
    }
    // As the user commands do with Redis: hotlined's server if it runs
    // (left running), else one started for the check and stopped after.
    lock_fd = ::open((dir / "hotlined.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    const bool hotlined_runs = lock_fd >= 0 && ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0;
    archive::embedded_pg_options opts;
    opts.data_dir = dir;
    opts.stop_adopted = !hotlined_runs;
    embedded = std::make_unique<archive::embedded_pg>(opts);
    conninfo = embedded->conninfo();
  }
  int rc = 0;
  {
    archive::pg_connection c(conninfo);
    const auto report = archive::verify(
        c, args.from.empty() ? std::nullopt : std::optional<std::string>(args.from),
        args.to.empty() ? std::nullopt : std::optional<std::string>(args.to));
    for (const auto& f : report.findings)
      std::cout << f.kind << " " << f.id << ": " << f.problem << "\n";
    std::cout << "verify: " << report.tickets << " tickets, " << report.events << " events, "
              << report.days << " days checked; " << report.findings.size() << " finding(s)"
              << std::endl;
    rc = report.findings.empty() ? 0 : 3;
  }
  embedded.reset();
  if (lock_fd >= 0)
    ::close(lock_fd);
  return rc;
}

} // namespace hotline::app
