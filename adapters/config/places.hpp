#pragma once
// The places an address may name (issue 11), internal to adapters/config:
// the village and community committees of communities.csv and the roads,
// estates, landmarks and grid cells a deployment adds in places.csv.

#include <filesystem>

#include "adapters/config/loader.hpp"
#include "adapters/config/reading.hpp"

namespace hotline::config {

/// communities.csv (optional): one committee per row, in a township of
/// townships.csv.
void load_communities(const std::filesystem::path& dir, hotline_config& cfg,
                      reading::error_sink& errors);

/// places.csv (optional): a deployment's own places, each → a township.
void load_places(const std::filesystem::path& dir, hotline_config& cfg,
                 reading::error_sink& errors);

} // namespace hotline::config
