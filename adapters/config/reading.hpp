#pragma once
// Reading a configuration folder's files (internal to adapters/config):
// every error collected with its file and key, CSV by column name, YAML
// through a typed reader that names each node it complains about.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/config/loader.hpp"
#include "routing/civil_time.hpp"

namespace hotline::config::reading {

namespace fs = std::filesystem;
using routing::civil_date;

// ---------------------------------------------------------------------------
// Error collection and key paths

// Collects the errors of one load across all files, so that one run of the
// loader shows an operator everything that needs fixing.
class error_sink {
 public:
  void add(std::string file, std::string key, std::string message) {
    errors_.push_back({std::move(file), std::move(key), std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  std::vector<config_error> take() { return std::move(errors_); }

 private:
  std::vector<config_error> errors_;
};

std::string indexed(std::string_view base, std::size_t i);
std::string member(std::string_view base, std::string_view name);
std::string in_quotes(std::string_view s);

// ---------------------------------------------------------------------------
// Small syntax checks

/// Exactly `n` ascii digits.
bool is_digits(std::string_view s, std::size_t n);
bool is_lower_alnum(char c);
/// A function suffix: "urban-management". It becomes part of unit ids and is
/// written in categories, so it stays plain lower-case ascii.
bool is_function_name(std::string_view s);
/// Dot-separated lower-case ascii segments: "cq.housing", "env.noise", at
/// least `min_segments` of them.
bool is_dotted_name(std::string_view s, std::size_t min_segments);
std::string replace_all(std::string text, std::string_view from, std::string_view to);

// ---------------------------------------------------------------------------
// Files

/// The whole file, or nullopt with an error naming it.
std::optional<std::string> read_file(const fs::path& path, const std::string& display,
                                     error_sink& errors);

struct csv_row {
  int line = 0;
  std::map<std::string, std::string> values; // required column → value
};

std::string line_key(int line);
std::string line_key(int line, std::string_view column);

/// Reads a CSV file whose first line names its columns and picks out the
/// `required` columns by name (extra columns are ignored). nullopt, with the
/// error reported, when the file cannot be used at all.
std::optional<std::vector<csv_row>> load_csv(const fs::path& path, const std::string& display,
                                             std::initializer_list<const char*> required,
                                             error_sink& errors);

/// Parses a YAML file whose top level must be a mapping; nullopt (reported)
/// otherwise.
std::optional<YAML::Node> load_yaml(const fs::path& path, const std::string& display,
                                    error_sink& errors);

// Typed, error-reporting access to the nodes of one YAML file. Every accessor
// takes the key path of the node so that errors name it exactly.
class yaml_reader {
 public:
  yaml_reader(std::string file, error_sink& errors) : file_(std::move(file)), errors_(errors) {}

  const std::string& file() const { return file_; }
  void error(const std::string& key, std::string message) const {
    errors_.add(file_, key, std::move(message));
  }

  // The value of `key` in `map`; an undefined node when `map` is not a
  // mapping (yaml-cpp throws on subscripting a scalar) or lacks the key.
  static YAML::Node get(const YAML::Node& map, const std::string& key) {
    if (!map.IsMap())
      return YAML::Node(YAML::NodeType::Undefined);
    // A missing key is an undefined node that later checks report with the
    // file and key; returning map[key] itself made yaml-cpp throw
    // InvalidNode past them (found by fuzz/config_loader_fuzz).
    const YAML::Node value = map[key];
    return value.IsDefined() ? value : YAML::Node(YAML::NodeType::Undefined);
  }

  bool expect_map(const YAML::Node& node, const std::string& path) const {
    if (node.IsMap())
      return true;
    error(path, node.IsDefined() ? "expected a mapping" : "missing");
    return false;
  }

  bool expect_sequence(const YAML::Node& node, const std::string& path) const {
    if (node.IsSequence())
      return true;
    error(path, node.IsDefined() ? "expected a list" : "missing");
    return false;
  }

  // Typos in key names would otherwise be silently ignored and the intended
  // setting lost, so unknown keys are errors.
  void reject_unknown_keys(const YAML::Node& map, const std::string& path,
                           std::initializer_list<std::string_view> known) const {
    if (!map.IsMap())
      return;
    for (const auto& entry : map) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(member(path, key), "unknown key");
      }
    }
  }

  // A non-empty scalar.
  std::optional<std::string> text(const YAML::Node& node, const std::string& path) const {
    if (!node.IsDefined() || node.IsNull()) {
      error(path, "missing");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      error(path, "expected a text value");
      return std::nullopt;
    }
    if (node.Scalar().empty()) {
      error(path, "must not be empty");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<std::string> text_at(const YAML::Node& map, const std::string& key,
                                     const std::string& path) const {
    return text(get(map, key), member(path, key));
  }

  std::optional<int> integer_at(const YAML::Node& map, const std::string& key,
                                const std::string& path) const {
    const std::string key_path = member(path, key);
    const auto value = text(get(map, key), key_path);
    if (!value)
      return std::nullopt;
    int number = 0;
    if (!YAML::convert<int>::decode(get(map, key), number)) {
      error(key_path, "expected an integer, found " + in_quotes(*value));
      return std::nullopt;
    }
    return number;
  }

  std::optional<civil_date> date(const YAML::Node& node, const std::string& path) const {
    const auto value = text(node, path);
    if (!value)
      return std::nullopt;
    const auto parsed = routing::parse_date(*value);
    if (!parsed)
      error(path, "malformed date " + in_quotes(*value) + " (expected YYYY-MM-DD)");
    return parsed;
  }

 private:
  std::string file_;
  error_sink& errors_;
};

} // namespace hotline::config::reading
