// hotline — operator command line.
//   hotline token --data-dir DIR --unit UNIT_ID   a bearer token for a unit
//   hotline token --data-dir DIR --office         a bearer token for the office

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "adapters/config/loader.hpp"
#include "adapters/crypto/crypto.hpp"

using namespace hotline;

int main(int argc, char** argv) {
  CLI::App app{"hotline — operator tools for the 12345 hotline router"};
  app.require_subcommand(1);
  auto* token = app.add_subcommand("token", "print a signed bearer token on stdout");
  std::string data_dir = "data";
  std::string unit_id;
  std::string config_dir;
  bool office = false;
  token->add_option("--data-dir", data_dir, "the data folder of hotlined (holds the secret)")
      ->capture_default_str();
  auto* unit_opt = token->add_option("--unit", unit_id, "unit id, e.g. 500103 or cq.housing");
  auto* office_opt = token->add_flag("--office", office, "a token for the coordination office");
  unit_opt->excludes(office_opt);
  token->add_option("--config", config_dir,
                    "if given, check that the unit exists in this configuration");
  CLI11_PARSE(app, argc, argv);

  if (unit_id.empty() && !office) {
    std::cerr << "hotline token: give --unit UNIT_ID or --office\n";
    return 2;
  }
  try {
    if (!config_dir.empty() && !unit_id.empty()) {
      auto cfg = config::load(config_dir);
      if (!cfg.directory.find_unit(unit_id)) {
        std::cerr << "hotline token: no unit '" << unit_id << "' in " << config_dir << "\n";
        return 2;
      }
    }
    const auto secret
        = crypto::load_or_create_key(std::filesystem::path(data_dir) / "keys" / "token.key");
    crypto::principal p;
    p.who = office ? crypto::role::office : crypto::role::unit;
    p.unit_id = office ? "" : unit_id;
    std::cout << crypto::sign_token(secret, p) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hotline token: " << e.what() << "\n";
    return 1;
  }
}
