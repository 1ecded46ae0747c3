#pragma once
// The optional files of a configuration folder, internal to adapters/config:
// the places an address may name (issue 11: the village and community
// committees of communities.csv, the roads, estates, landmarks and grid
// cells a deployment adds in places.csv) and the knowledge base's starter
// articles (issue 13: knowledge.yaml).

#include <filesystem>

#include "adapters/config/loader.hpp"
#include "adapters/config/reading.hpp"

namespace hotline::config {

/// communities.csv (optional): one committee per row, in a township of
/// townships.csv.
void load_communities(const std::filesystem::path& dir, hotline_config& cfg,
                      reading::error_sink& errors);

/// knowledge.yaml (optional): starter articles of the knowledge base
/// (issue 13), checked against the units, categories and districts.
void load_knowledge(const std::filesystem::path& dir, hotline_config& cfg,
                    reading::error_sink& errors);

/// places.csv (optional): a deployment's own places, each → a township.
void load_places(const std::filesystem::path& dir, hotline_config& cfg,
                 reading::error_sink& errors);

} // namespace hotline::config
