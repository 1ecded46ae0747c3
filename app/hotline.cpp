// hotline — operator command line (M-U-1 people and roles, M-D-3 access
// controlled).
//   hotline token --data-dir DIR (--unit UNIT_ID | --office) [--role R…] [--ttl 24h]
//       a signed automation token that expires
//   hotline user add --data-dir DIR --username NAME --unit UNIT_ID|office --role R…
//       [--display-name 名字]; the password is read from stdin (one line) or,
//       if stdin gives none, generated and printed once as "password: …"
//   hotline user disable|enable --username NAME, hotline user list
//   hotline integrator add --data-dir DIR --name NAME [--display-name 名字]
//       [--scope intake|read|updates]… [--field F]… [--rate N]; the API key
//       is printed once as "api_key: …" (issue 12)
//   hotline integrator disable --name NAME, hotline integrator list
//   hotline verify --data-dir DIR [--postgres URL] [--from DATE --to DATE]
//       checks the archive (issue 14; app/verify_command.hpp; exit 3 on findings)
//   hotline evaluate --data-dir DIR --period 2026-11 [--csv|--json] [--unit U] [--kind K]
//       the units' evaluation (issue 14, M-E-1; app/evaluate_command.hpp)
//   hotline brief --data-dir DIR --period 2026-11|2026-11-30 --out DIR
//       the brief for decision makers (issue 14, M-D-1; app/brief_command.hpp)
// The user and integrator commands use --redis URL if given, else the embedded Redis of the
// data dir: hotlined's if it runs, else one started (as hotlined would) for
// the command and stopped after it.
//
// Exit codes: 0 done, 1 failure (Redis, files), 2 bad input.

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>

#include "adapters/auth/accounts.hpp"
#include "adapters/auth/integrators.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/crypto/crypto.hpp"
#include "adapters/redis/embedded.hpp"
#include "app/cli_support.hpp"
#include "app/brief_command.hpp"
#include "app/evaluate_command.hpp"
#include "app/verify_command.hpp"
#include "routing/civil_time.hpp"

namespace fs = std::filesystem;
using namespace hotline;
using hotline::app::cli_error;
using hotline::app::cli_redis;
using hotline::app::load_config;
using hotline::app::now_ms;
using hotline::app::print_table;

namespace {

routing::role_set parse_roles(const std::vector<std::string>& names) {
  routing::role_set roles;
  for (const auto& n : names) {
    const auto r = routing::parse_role(n);
    if (!r)
      throw cli_error{2, "unknown role '" + n
                             + "' (operator, supervisor, liaison, handler, auditor, admin)"};
    roles.add(*r);
  }
  return roles;
}

/// "90m", "24h", "3600s", "7d" in milliseconds; at most a year.
std::int64_t parse_ttl(const std::string& text) {
  static const std::regex shape("([0-9]{1,7})([smhd])");
  std::smatch m;
  if (!std::regex_match(text, m, shape))
    throw cli_error{2, "--ttl must be a number and a unit, e.g. 90m, 24h, 3600s, 7d"};
  const std::int64_t n = std::stoll(m[1]);
  const char unit = m[2].str()[0];
  const std::int64_t ms = n
                          * (unit == 's'   ? 1000
                             : unit == 'm' ? 60'000
                             : unit == 'h' ? 3'600'000
                                           : 86'400'000);
  if (ms <= 0 || ms > 366LL * 86'400'000)
    throw cli_error{2, "--ttl must be between 1s and 366d"};
  return ms;
}

/// One line of stdin, without its line end; "" if stdin gives nothing. On
/// a terminal, asks on stderr and does not echo.
std::string read_password_line() {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios old{};
  if (tty) {
    std::cerr << "password (empty: generate one): " << std::flush;
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  if (!std::getline(std::cin, line))
    line.clear();
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

struct token_args {
  std::string data_dir = "data";
  std::string unit_id;
  bool office = false;
  std::vector<std::string> roles;
  std::string ttl = "24h";
  std::string config_dir;
};

int run_token(const token_args& a) {
  if (a.unit_id.empty() && !a.office)
    throw cli_error{2, "give --unit UNIT_ID or --office"};
  auto roles = parse_roles(a.roles);
  if (roles.empty())
    roles.add(a.office ? routing::role::supervisor : routing::role::liaison);
  if (auto e = routing::check_account_roles(a.office, roles))
    throw cli_error{2, e->message};
  const std::int64_t ttl = parse_ttl(a.ttl);
  if (!a.office) {
    if (const auto cfg = load_config(a.config_dir)) {
      if (a.unit_id == cfg->directory.office_id() || a.unit_id == "office")
        throw cli_error{2, "'" + a.unit_id + "' is the office: use --office, not --unit"};
      if (!cfg->directory.find_unit(a.unit_id))
        throw cli_error{2, "no unit '" + a.unit_id + "' in the configuration"};
    }
  }
  const auto secret = crypto::load_or_create_key(fs::path(a.data_dir) / "keys" / "token.key");
  crypto::token_grant g;
  g.office = a.office;
  g.unit_id = a.office ? "" : a.unit_id;
  g.roles = roles;
  g.expires_at = now_ms() + ttl;
  try {
    std::cout << crypto::sign_automation_token(secret, g) << "\n";
  } catch (const std::invalid_argument& e) {
    throw cli_error{2, e.what()};
  }
  return 0;
}

struct user_args {
  std::string data_dir = "data";
  std::string config_dir;
  std::string redis_url;
  std::string username;
  std::string unit_id;
  std::vector<std::string> roles;
  std::string display_name;
};

int run_user_add(const user_args& a) {
  const auto cfg = load_config(a.config_dir);
  if (!cfg)
    throw cli_error{2, "no configuration to check the unit: give --config DIR"};
  auth::new_account n;
  n.username = a.username;
  n.display_name = a.display_name.empty() ? a.username : a.display_name;
  n.unit_id = a.unit_id == "office" ? cfg->directory.office_id() : a.unit_id;
  n.roles = parse_roles(a.roles);
  // Check everything but the password before reading it.
  if (!routing::valid_username(n.username))
    throw cli_error{2, "a username has 3-64 characters of a-z 0-9 . _ -"};
  if (auto problem = auth::display_name_problem(n.display_name))
    throw cli_error{2, *problem};
  const bool office = n.unit_id == cfg->directory.office_id();
  if (!office && !cfg->directory.find_unit(n.unit_id))
    throw cli_error{2, "no unit '" + n.unit_id + "' in the configuration"};
  if (auto e = routing::check_account_roles(office, n.roles))
    throw cli_error{2, e->message};
  n.password = read_password_line();
  const bool generated = n.password.empty();
  if (generated)
    n.password = auth::generate_password();
  else if (auto problem = auth::password_problem(n.password))
    throw cli_error{2, *problem};

  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 1);
  auth::accounts accounts(pool);
  const auto added = accounts.add(n, cfg->directory, now_ms());
  std::cerr << "hotline user add: added " << added.username << " (" << added.display_name << ", "
            << added.unit_id << ", " << routing::join_roles(added.roles) << ")\n";
  if (generated)
    std::cout << "password: " << n.password << std::endl;
  return 0;
}

int run_user_switch(const user_args& a, bool disable) {
  if (!routing::valid_username(a.username))
    throw cli_error{2, "a username has 3-64 characters of a-z 0-9 . _ -"};
  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 1);
  auth::accounts accounts(pool);
  if (disable)
    accounts.disable(a.username, now_ms());
  else
    accounts.enable(a.username, now_ms());
  std::cerr << "hotline user " << (disable ? "disable" : "enable") << ": " << a.username
            << (disable ? " disabled, its sessions ended\n" : " enabled\n");
  return 0;
}

int run_user_list(const user_args& a) {
  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 1);
  auth::accounts accounts(pool);
  std::vector<std::vector<std::string>> rows{
      {"USERNAME", "NAME", "UNIT", "ROLES", "STATUS", "CREATED"}};
  for (const auto& acc : accounts.list())
    rows.push_back({acc.username, acc.display_name, acc.unit_id + (acc.office ? " (office)" : ""),
                    routing::join_roles(acc.roles), acc.disabled ? "disabled" : "active",
                    routing::format_instant(acc.created_at)});
  print_table(rows);
  return 0;
}

struct integrator_args {
  std::string data_dir = "data";
  std::string redis_url;
  std::string name;
  std::string display_name;
  std::vector<std::string> scopes;
  std::vector<std::string> fields;
  int rate = 120;
};

// Issue 12: an integrator and its API key, shown once (Redis keeps its hash).
int run_integrator_add(const integrator_args& a) {
  auth::integrator who;
  who.name = a.name;
  who.display = a.display_name;
  for (const auto& s : a.scopes.empty() ? std::vector<std::string>{"intake", "read"} : a.scopes) {
    const auto scope = auth::parse_integrator_scope(s);
    if (!scope)
      throw cli_error{2, "unknown scope '" + s + "' (intake, read, updates)"};
    who.scopes.push_back(*scope);
  }
  who.fields = a.fields.empty() ? auth::default_integrator_fields() : a.fields;
  who.rate_per_minute = a.rate;
  if (auto problem = auth::integrator_name_problem(who.name))
    throw cli_error{2, *problem};
  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 1);
  const auto key = auth::integrators(pool).add(who, now_ms());
  std::cerr << "hotline integrator add: added " << who.name << " (channel " << who.channel()
            << "); the key is shown only now\n";
  std::cout << "api_key: " << key << std::endl;
  return 0;
}

int run_integrator_disable(const integrator_args& a) {
  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 1);
  auth::integrators(pool).disable(a.name, now_ms());
  std::cerr << "hotline integrator disable: " << a.name << " disabled, its key refused\n";
  return 0;
}

int run_integrator_list(const integrator_args& a) {
  cli_redis where(a.redis_url, a.data_dir);
  redis::pool pool(where.where(), 1);
  std::vector<std::vector<std::string>> rows{
      {"NAME", "DISPLAY", "SCOPES", "FIELDS", "RATE/MIN", "STATUS", "CREATED"}};
  for (const auto& i : auth::integrators(pool).list()) {
    std::string scopes, fields;
    for (auto s : i.scopes)
      scopes += (scopes.empty() ? "" : ",") + std::string(auth::to_string(s));
    for (const auto& f : i.fields)
      fields += (fields.empty() ? "" : ",") + f;
    rows.push_back({i.name, i.display, scopes, fields, std::to_string(i.rate_per_minute),
                    i.disabled ? "disabled" : "active", routing::format_instant(i.created_at)});
  }
  print_table(rows);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Library logs go to stderr: stdout carries only tokens, passwords, tables.
  auto logger = spdlog::stderr_color_mt("hotline");
  logger->set_level(spdlog::level::warn);
  spdlog::set_default_logger(logger);

  CLI::App app{"hotline — operator tools for the 12345 hotline router"};
  app.require_subcommand(1);

  token_args t;
  auto* token = app.add_subcommand("token", "print a signed, expiring automation token");
  token->add_option("--data-dir", t.data_dir, "the data folder of hotlined (holds the secret)")
      ->capture_default_str();
  auto* unit_opt = token->add_option("--unit", t.unit_id, "unit id, e.g. 500103 or cq.housing");
  auto* office_opt = token->add_flag("--office", t.office, "a token for the coordination office");
  unit_opt->excludes(office_opt);
  token->add_option("--role", t.roles,
                    "a role of the token, repeatable (default: liaison, or supervisor for the "
                    "office)");
  token->add_option("--ttl", t.ttl, "lifetime, e.g. 90m, 24h, 3600s, 7d")->capture_default_str();
  token->add_option("--config", t.config_dir,
                    "configuration to check the unit in (default: config/chongqing if present)");

  user_args u;
  auto* user = app.add_subcommand("user", "staff accounts");
  user->require_subcommand(1);
  const auto common = [&u](CLI::App* cmd) {
    cmd->add_option("--data-dir", u.data_dir, "the data folder of hotlined (its embedded Redis)")
        ->capture_default_str();
    cmd->add_option("--redis", u.redis_url, "use this Redis instead of the embedded one");
    cmd->add_option("--config", u.config_dir,
                    "configuration (default: config/chongqing if present)");
  };
  auto* add = user->add_subcommand("add", "add an account; the password comes from stdin");
  common(add);
  add->add_option("--username", u.username, "3-64 characters of a-z 0-9 . _ -")->required();
  add->add_option("--unit", u.unit_id, "the unit's id, or 'office'")->required();
  add->add_option("--role", u.roles, "a role, repeatable")->required();
  add->add_option("--display-name", u.display_name, "the name staff see (default: username)");
  auto* disable = user->add_subcommand("disable", "refuse logins and end all sessions");
  common(disable);
  disable->add_option("--username", u.username)->required();
  auto* enable = user->add_subcommand("enable", "allow logins again");
  common(enable);
  enable->add_option("--username", u.username)->required();
  auto* list = user->add_subcommand("list", "print every account (never a hash)");
  common(list);

  integrator_args ig;
  auto* integrator = app.add_subcommand("integrator", "outside systems and their API keys");
  integrator->require_subcommand(1);
  const auto ig_common = [&ig](CLI::App* cmd) {
    cmd->add_option("--data-dir", ig.data_dir, "the data folder of hotlined (its embedded Redis)")
        ->capture_default_str();
    cmd->add_option("--redis", ig.redis_url, "use this Redis instead of the embedded one");
  };
  auto* ig_add = integrator->add_subcommand("add", "add an integrator; prints its API key once");
  ig_common(ig_add);
  ig_add->add_option("--name", ig.name, "2-32 characters of a-z 0-9 -")->required();
  ig_add->add_option("--display-name", ig.display_name, "the name staff see (default: name)");
  ig_add->add_option("--scope", ig.scopes,
                     "intake, read or updates, repeatable (default: intake and read)");
  ig_add->add_option("--field", ig.fields,
                     "a ticket field it may receive, repeatable (default: status_notes, agency, "
                     "expected, description, address, location)");
  ig_add->add_option("--rate", ig.rate, "requests per minute per key")->capture_default_str();
  auto* ig_disable = integrator->add_subcommand("disable", "refuse the integrator's key");
  ig_common(ig_disable);
  ig_disable->add_option("--name", ig.name)->required();
  auto* ig_list = integrator->add_subcommand("list", "print every integrator (never a key)");
  ig_common(ig_list);
  hotline::app::verify_args v;
  auto* verify = hotline::app::add_verify_command(app, v);
  hotline::app::evaluate_args ea;
  auto* evaluate = hotline::app::add_evaluate_command(app, ea);
  hotline::app::brief_args ba;
  auto* brief = hotline::app::add_brief_command(app, ba);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::string name = "hotline token";
  for (auto* cmd : {add, disable, enable, list})
    if (cmd->parsed())
      name = "hotline user " + cmd->get_name();
  for (auto* cmd : {ig_add, ig_disable, ig_list})
    if (cmd->parsed())
      name = "hotline integrator " + cmd->get_name();
  if (verify->parsed())
    name = "hotline verify";
  if (evaluate->parsed())
    name = "hotline evaluate";
  if (brief->parsed())
    name = "hotline brief";
  try {
    if (verify->parsed())
      return hotline::app::run_verify(v);
    if (evaluate->parsed())
      return hotline::app::run_evaluate(ea);
    if (brief->parsed())
      return hotline::app::run_brief(ba);
    if (token->parsed())
      return run_token(t);
    if (ig_add->parsed())
      return run_integrator_add(ig);
    if (ig_disable->parsed())
      return run_integrator_disable(ig);
    if (ig_list->parsed())
      return run_integrator_list(ig);
    if (add->parsed())
      return run_user_add(u);
    if (disable->parsed() || enable->parsed())
      return run_user_switch(u, disable->parsed());
    return run_user_list(u);
  } catch (const cli_error& e) {
    std::cerr << name << ": " << e.message << "\n";
    return e.code;
  } catch (const auth::integrator_refused& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  } catch (const auth::account_refused& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
}
