#pragma once
// An Open311 answer as one tree, rendered as XML or as JSON. GeoReport v2's
// JSON is the "Spark convention" of its XML: a list element (<services>,
// <values>, <errors>) becomes an array of its items and the repeated item
// element disappears. Building each answer once and rendering it twice keeps
// the two formats from drifting. XML goes through libxml2's writer (escaping,
// UTF-8, the declaration); JSON through nlohmann::json. No namespace: the
// spec's XML is schemaless.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace hotline::open311 {

enum class format { xml, json };

/// "services.xml" → xml and "services"; nullopt-like: `ok` false when the
/// name ends in neither ".xml" nor ".json".
struct split_name {
  bool ok = false;
  std::string stem;
  format fmt = format::xml;
};
split_name split_format(std::string_view name);

/// One element. Leaves hold text, rendered in JSON as a string (`text`), a
/// boolean (`boolean`, text "true"/"false") or a number (`number`, text a
/// decimal). `object`: named children. `list`: children that are items
/// (each named, e.g. "service"), a JSON array.
struct element {
  enum kind_t { text, boolean, number, object, list };
  std::string name;
  kind_t kind = text;
  std::string value;
  std::vector<element> children;

  static element leaf(std::string name, std::string value) {
    return {std::move(name), text, std::move(value), {}};
  }
  static element flag(std::string name, bool v) {
    return {std::move(name), boolean, v ? "true" : "false", {}};
  }
  static element num(std::string name, std::string decimal) {
    return {std::move(name), number, std::move(decimal), {}};
  }
  static element obj(std::string name, std::vector<element> children = {}) {
    return {std::move(name), object, "", std::move(children)};
  }
  static element items(std::string name, std::vector<element> children = {}) {
    return {std::move(name), list, "", std::move(children)};
  }
  element& add(element child) {
    children.push_back(std::move(child));
    return children.back();
  }
};

/// `<?xml version="1.0" encoding="UTF-8"?>` and the tree.
std::string to_xml(const element& root);
/// The Spark-convention JSON of the tree.
nlohmann::json to_json(const element& root);
/// The body in `fmt`.
std::string render(const element& root, format fmt);
/// "text/xml; charset=utf-8" or "application/json; charset=utf-8".
std::string content_type(format fmt);

} // namespace hotline::open311
