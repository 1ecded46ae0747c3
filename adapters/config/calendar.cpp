// calendar/cn-<year>.yaml: the official holiday arrangements (M-DL-6).
#include "adapters/config/extras.hpp"

namespace hotline::config {

using namespace reading;

namespace {

constexpr const char* calendar_folder = "calendar";

// ---------------------------------------------------------------------------
// Holiday calendars (M-DL-6)

// One calendar/cn-<year>.yaml. nullopt (reported) when anything in it is
// wrong: a half-read year would give wrong deadlines without a warning.
std::optional<routing::holiday_year>
load_calendar_year(const fs::path& path, const std::string& display, error_sink& errors) {
  const auto root = load_yaml(path, display, errors);
  if (!root)
    return std::nullopt;
  const yaml_reader yaml(display, errors);
  const std::size_t errors_before = errors.size();
  yaml.reject_unknown_keys(*root, "", {"year", "source", "holidays", "workdays"});

  routing::holiday_year year;
  const auto number = yaml.integer_at(*root, "year", "");
  if (number) {
    year.year = *number;
    // The file name is what an operator looks for; it must not lie.
    const std::string expected = "cn-" + std::to_string(*number) + ".yaml";
    if (path.filename().string() != expected) {
      yaml.error("year", "year " + std::to_string(*number)
                             + " does not match the file name (expected " + expected + ")");
    }
  }
  if (auto source = yaml.text_at(*root, "source", ""))
    year.source = std::move(*source);

  const auto within_year = [&](const civil_date& d, const std::string& key) {
    if (number && d.year != *number) {
      yaml.error(key, "date " + routing::format_date(d) + " is not in " + std::to_string(*number));
      return false;
    }
    return true;
  };

  const YAML::Node holidays = yaml_reader::get(*root, "holidays");
  if (yaml.expect_sequence(holidays, "holidays")) {
    for (std::size_t i = 0; i < holidays.size(); ++i) {
      const std::string path_i = indexed("holidays", i);
      const YAML::Node h = holidays[i];
      if (!yaml.expect_map(h, path_i))
        continue;
      yaml.reject_unknown_keys(h, path_i, {"name", "from", "to"});
      const auto name = yaml.text_at(h, "name", path_i);
      const auto from = yaml.date(yaml_reader::get(h, "from"), member(path_i, "from"));
      const auto to = yaml.date(yaml_reader::get(h, "to"), member(path_i, "to"));
      const bool from_ok = from && within_year(*from, member(path_i, "from"));
      const bool to_ok = to && within_year(*to, member(path_i, "to"));
      if (!name || !from_ok || !to_ok)
        continue;
      if (*to < *from) {
        yaml.error(member(path_i, "to"), "ends before it starts (" + routing::format_date(*from)
                                             + " > " + routing::format_date(*to) + ")");
        continue;
      }
      year.holidays.push_back({*name, *from, *to});
    }
  }

  const YAML::Node workdays = yaml_reader::get(*root, "workdays");
  if (yaml.expect_sequence(workdays, "workdays")) {
    for (std::size_t i = 0; i < workdays.size(); ++i) {
      const std::string path_i = indexed("workdays", i);
      const auto d = yaml.date(workdays[i], path_i);
      if (!d || !within_year(*d, path_i))
        continue;
      // 调休上班 days are weekend days made working days; a weekday here is
      // a typo for some other date.
      if (routing::weekday(*d) < 5) {
        yaml.error(path_i, routing::format_date(*d) + " is a weekday, not a weekend day");
        continue;
      }
      for (const auto& h : year.holidays) {
        if (h.from <= *d && *d <= h.to) {
          yaml.error(path_i, routing::format_date(*d) + " is also inside holiday " + h.name);
        }
      }
      year.workdays.push_back(*d);
    }
  }

  if (errors.size() != errors_before)
    return std::nullopt;
  return year;
}

// Every calendar/cn-*.yaml, in name order. No file at all is an error: every
// deadline would be provisional.
} // namespace

void load_calendar(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  const fs::path folder = dir / calendar_folder;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    errors.add(calendar_folder, "", "missing folder (one cn-<year>.yaml file per year)");
    return;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 8 && name.compare(0, 3, "cn-") == 0
        && name.compare(name.size() - 5, 5, ".yaml") == 0) {
      files.push_back(entry.path());
    }
  }
  if (ec) {
    errors.add(calendar_folder, "", "cannot be read: " + ec.message());
    return;
  }
  if (files.empty()) {
    errors.add(calendar_folder, "", "no cn-<year>.yaml files");
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const std::string display = std::string(calendar_folder) + "/" + file.filename().string();
    auto year = load_calendar_year(file, display, errors);
    if (!year)
      continue;
    if (cfg.calendar.has_year(year->year)) {
      errors.add(display, "year", "year " + std::to_string(year->year) + " defined twice");
      continue;
    }
    cfg.calendar.add_year(*year);
  }
}

} // namespace hotline::config
