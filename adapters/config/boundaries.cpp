// district-boundaries.geojson: the district outlines of territory (属地).
#include <nlohmann/json.hpp>

#include <set>

#include "adapters/config/extras.hpp"

namespace hotline::config {

using namespace reading;

namespace {

constexpr const char* boundaries_file = "district-boundaries.geojson";

// ---------------------------------------------------------------------------
// GeoJSON district outlines

using json = nlohmann::json;

// A GeoJSON position [lon, lat, ...]; reported and nullopt when malformed.
std::optional<routing::point> parse_position(const json& j, const std::string& path,
                                             error_sink& errors) {
  if (!j.is_array() || j.size() < 2 || !j[0].is_number() || !j[1].is_number()) {
    errors.add(boundaries_file, path, "expected a position [longitude, latitude]");
    return std::nullopt;
  }
  const routing::point p{j[0].get<double>(), j[1].get<double>()};
  if (p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) {
    errors.add(boundaries_file, path, "position out of range (expected [longitude, latitude])");
    return std::nullopt;
  }
  return p;
}

// A Polygon's coordinates: outer ring, then holes. Stops at the first bad
// position of a ring: one broken ring should not produce thousands of lines.
std::optional<routing::polygon> parse_polygon(const json& j, const std::string& path,
                                              error_sink& errors) {
  if (!j.is_array() || j.empty()) {
    errors.add(boundaries_file, path, "expected a list of rings");
    return std::nullopt;
  }
  routing::polygon polygon;
  for (std::size_t r = 0; r < j.size(); ++r) {
    const std::string ring_path = indexed(path, r);
    const json& ring_json = j[r];
    if (!ring_json.is_array() || ring_json.size() < 3) {
      errors.add(boundaries_file, ring_path, "expected a ring of at least 3 positions");
      return std::nullopt;
    }
    routing::ring ring;
    for (std::size_t p = 0; p < ring_json.size(); ++p) {
      const auto point = parse_position(ring_json[p], indexed(ring_path, p), errors);
      if (!point)
        return std::nullopt;
      ring.push_back(*point);
    }
    polygon.push_back(std::move(ring));
  }
  return polygon;
}

std::optional<routing::multipolygon> parse_geometry(const json& geometry, const std::string& path,
                                                    error_sink& errors) {
  if (!geometry.is_object()) {
    errors.add(boundaries_file, path, "expected a geometry object");
    return std::nullopt;
  }
  const auto type = geometry.find("type");
  const auto coordinates = geometry.find("coordinates");
  if (type == geometry.end() || !type->is_string()) {
    errors.add(boundaries_file, member(path, "type"), "missing");
    return std::nullopt;
  }
  const std::string coordinates_path = member(path, "coordinates");
  if (coordinates == geometry.end()) {
    errors.add(boundaries_file, coordinates_path, "missing");
    return std::nullopt;
  }
  routing::multipolygon area;
  if (*type == "Polygon") {
    auto polygon = parse_polygon(*coordinates, coordinates_path, errors);
    if (!polygon)
      return std::nullopt;
    area.push_back(std::move(*polygon));
  } else if (*type == "MultiPolygon") {
    if (!coordinates->is_array() || coordinates->empty()) {
      errors.add(boundaries_file, coordinates_path, "expected a list of polygons");
      return std::nullopt;
    }
    for (std::size_t i = 0; i < coordinates->size(); ++i) {
      auto polygon = parse_polygon((*coordinates)[i], indexed(coordinates_path, i), errors);
      if (!polygon)
        return std::nullopt;
      area.push_back(std::move(*polygon));
    }
  } else {
    errors.add(boundaries_file, member(path, "type"),
               "unsupported geometry type " + in_quotes(type->get<std::string>())
                   + " (expected Polygon or MultiPolygon)");
    return std::nullopt;
  }
  return area;
}

// district-boundaries.geojson: one outline per district. Territory (属地)
// look-ups need every district, so a missing outline is an error too.
} // namespace

void load_shapes(const fs::path& dir, const district_table& districts, hotline_config& cfg,
                 error_sink& errors) {
  const auto text = read_file(dir / boundaries_file, boundaries_file, errors);
  if (!text)
    return;
  json doc;
  try {
    doc = json::parse(*text);
  } catch (const json::parse_error& e) {
    errors.add(boundaries_file, "", std::string("invalid JSON: ") + e.what());
    return;
  }
  const bool collection = doc.is_object() && doc.contains("type") && doc["type"].is_string()
                          && doc["type"] == "FeatureCollection";
  const auto features = collection ? doc.find("features") : doc.end();
  if (!collection || features == doc.end() || !features->is_array()) {
    errors.add(boundaries_file, "", "expected a FeatureCollection with a features list");
    return;
  }

  std::set<std::string> shaped;
  for (std::size_t i = 0; i < features->size(); ++i) {
    const json& feature = (*features)[i];
    const std::string path = indexed("features", i);
    if (!feature.is_object()) {
      errors.add(boundaries_file, path, "expected a Feature object");
      continue;
    }
    const auto properties = feature.find("properties");
    const std::string code_path = member(path, "properties.code");
    if (properties == feature.end() || !properties->is_object() || !properties->contains("code")
        || !(*properties)["code"].is_string()) {
      errors.add(boundaries_file, code_path, "missing district code");
      continue;
    }
    const std::string code = (*properties)["code"].get<std::string>();
    bool ok = true;
    if (districts.loaded) {
      const auto district = districts.name_of.find(code);
      if (district == districts.name_of.end()) {
        errors.add(boundaries_file, code_path,
                   "unknown district " + in_quotes(code) + " (not in districts.csv)");
        ok = false;
      } else if (properties->contains("name") && (*properties)["name"].is_string()
                 && (*properties)["name"].get<std::string>() != district->second) {
        // A code/name mismatch means one of the two is wrong: a shape under
        // the wrong code routes demands to the wrong district.
        errors.add(boundaries_file, member(path, "properties.name"),
                   "name " + in_quotes((*properties)["name"].get<std::string>())
                       + " does not match districts.csv's " + in_quotes(district->second) + " for "
                       + code);
        ok = false;
      }
    }
    if (!shaped.insert(code).second) {
      errors.add(boundaries_file, code_path, "second outline for district " + in_quotes(code));
      ok = false;
    }
    const auto geometry = feature.find("geometry");
    if (geometry == feature.end()) {
      errors.add(boundaries_file, member(path, "geometry"), "missing");
      continue;
    }
    auto area = parse_geometry(*geometry, member(path, "geometry"), errors);
    if (!ok || !area)
      continue;
    cfg.directory.add_shape({code, std::move(*area)});
  }

  for (const auto& d : districts.list) {
    if (shaped.count(d.code) == 0) {
      errors.add(boundaries_file, "features",
                 "no outline for district " + d.code + " (" + d.name + ")");
    }
  }
}

} // namespace hotline::config
