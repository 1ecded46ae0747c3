#pragma once
// The parts of a configuration folder loaded outside loader.cpp, internal
// to adapters/config: the district outlines and the holiday calendars; and
// the optional files:
// the places an address may name (issue 11: the village and community
// committees of communities.csv, the roads, estates, landmarks and grid
// cells a deployment adds in places.csv) and the knowledge base's starter
// articles (issue 13: knowledge.yaml).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "adapters/config/loader.hpp"
#include "adapters/config/reading.hpp"

namespace hotline::config {

struct district_info {
  std::string code;
  std::string name;
};

// The districts as read, in file order, with a code index. `loaded` is false
// when districts.csv could not be used at all: checks that refer to
// districts are then skipped instead of failing once per township.
struct district_table {
  bool loaded = false;
  std::vector<district_info> list;
  std::map<std::string, std::string> name_of; // code → name
};

/// district-boundaries.geojson: one outline per district (属地).
void load_shapes(const std::filesystem::path& dir, const district_table& districts,
                 hotline_config& cfg, reading::error_sink& errors);

/// calendar/cn-<year>.yaml: the holiday arrangements (M-DL-6).
void load_calendar(const std::filesystem::path& dir, hotline_config& cfg,
                   reading::error_sink& errors);

/// communities.csv (optional): one committee per row, in a township of
/// townships.csv.
void load_communities(const std::filesystem::path& dir, hotline_config& cfg,
                      reading::error_sink& errors);

/// knowledge.yaml (optional): starter articles of the knowledge base
/// (issue 13), checked against the units, categories and districts.
void load_knowledge(const std::filesystem::path& dir, hotline_config& cfg,
                    reading::error_sink& errors);

/// evaluation.yaml (optional): the evaluation's rules and score weights
/// (issue 14, M-E-1).
void load_evaluation(const std::filesystem::path& dir, hotline_config& cfg,
                     reading::error_sink& errors);
/// warnings.yaml (optional): the early warnings' thresholds (issue 14,
/// M-D-1), checked by routing::warn::check.
void load_warnings(const std::filesystem::path& dir, hotline_config& cfg,
                   reading::error_sink& errors);

/// places.csv (optional): a deployment's own places, each → a township.
void load_places(const std::filesystem::path& dir, hotline_config& cfg,
                 reading::error_sink& errors);

} // namespace hotline::config
