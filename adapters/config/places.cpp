#include "adapters/config/extras.hpp"

#include <set>
#include <string>
#include <tuple>

namespace hotline::config {

using namespace reading;
using routing::unit_kind;

namespace {

constexpr const char* communities_file = "communities.csv";
constexpr const char* places_file = "places.csv";

// Code points in a UTF-8 text (the text was checked to be UTF-8 by its
// reader only as far as CSV goes, so count lead bytes).
std::size_t characters(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

} // namespace

// communities.csv: one village or community committee per row, in a
// township of townships.csv (issue 11). Optional: without it, addresses are
// resolved by district and township names alone.
void load_communities(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  std::error_code ec;
  if (!fs::exists(dir / communities_file, ec))
    return;
  const auto rows = load_csv(dir / communities_file, communities_file,
                             {"code", "name", "townshipCode", "areaCode"}, errors);
  if (!rows)
    return;
  std::set<std::string> codes;
  for (const auto& row : *rows) {
    const std::string& code = row.values.at("code");
    const std::string& name = row.values.at("name");
    const std::string& township = row.values.at("townshipCode");
    const std::string& district = row.values.at("areaCode");
    if (!is_digits(code, 12)) {
      errors.add(communities_file, line_key(row.line, "code"),
                 "malformed community code " + in_quotes(code) + " (expected 12 digits)");
      continue;
    }
    if (!codes.insert(code).second) {
      errors.add(communities_file, line_key(row.line, "code"),
                 "duplicate community code " + in_quotes(code));
      continue;
    }
    if (name.empty()) {
      errors.add(communities_file, line_key(row.line, "name"), "must not be empty");
      continue;
    }
    const routing::unit* town = cfg.directory.find_unit(township);
    if (!town || town->kind != unit_kind::township) {
      errors.add(communities_file, line_key(row.line, "townshipCode"),
                 "unknown township " + in_quotes(township) + " (not in townships.csv)");
      continue;
    }
    if (code.compare(0, 9, township) != 0) {
      errors.add(communities_file, line_key(row.line, "code"),
                 "community code " + in_quotes(code) + " does not start with its township code "
                     + in_quotes(township));
      continue;
    }
    if (district != town->district) {
      errors.add(communities_file, line_key(row.line, "areaCode"),
                 "district " + in_quotes(district) + " is not the district of township "
                     + in_quotes(township) + " (" + in_quotes(town->district) + ")");
      continue;
    }
    cfg.directory.add_place({code, name, township, district, routing::place_kind::committee});
  }
}

// places.csv: `kind,name,township` (+ an optional free `note` column, for
// the people who keep the table). A road through several townships is one
// row per township: the router then needs another clue to choose (issue
// 11, docs/ROUTING.md "Places a deployment adds").
void load_places(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  std::error_code ec;
  if (!fs::exists(dir / places_file, ec))
    return;
  const auto rows = load_csv(dir / places_file, places_file, {"kind", "name", "township"}, errors);
  if (!rows)
    return;
  std::set<std::tuple<std::string, std::string>> seen; // name, township
  for (const auto& row : *rows) {
    const std::string& kind_text = row.values.at("kind");
    const std::string& name = row.values.at("name");
    const std::string& township = row.values.at("township");
    const auto kind = routing::parse_place_kind(kind_text);
    if (!kind || *kind == routing::place_kind::committee) {
      errors.add(places_file, line_key(row.line, "kind"),
                 "unknown kind " + in_quotes(kind_text)
                     + " (expected road, estate, landmark or grid; committees are in "
                       "communities.csv)");
      continue;
    }
    // Two characters at least: a one-character name would match half the
    // addresses of the city.
    if (characters(name) < 2 || characters(name) > 40) {
      errors.add(places_file, line_key(row.line, "name"),
                 "must be 2 to 40 characters, found " + in_quotes(name));
      continue;
    }
    if (name.find_first_of(" \t\r\n") != std::string::npos) {
      errors.add(places_file, line_key(row.line, "name"),
                 "must not contain spaces or line breaks: " + in_quotes(name));
      continue;
    }
    const routing::unit* town = cfg.directory.find_unit(township);
    if (!town || town->kind != unit_kind::township) {
      errors.add(places_file, line_key(row.line, "township"),
                 "unknown township " + in_quotes(township)
                     + " (expected a 9-digit code of townships.csv)");
      continue;
    }
    if (!seen.emplace(name, township).second) {
      errors.add(places_file, line_key(row.line, "name"),
                 "duplicate place " + in_quotes(name) + " in township " + in_quotes(township));
      continue;
    }
    cfg.directory.add_place({"", name, township, town->district, *kind});
  }
}

} // namespace hotline::config
