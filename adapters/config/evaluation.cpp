// evaluation.yaml: how handling units are evaluated (issue 14, M-E-1;
// docs/EVALUATION.md): the response limit, the minimum volume for a rank
// and the weights of the score; and the ticket workflow's policy of a
// configuration, shared by the actors and the `hotline` commands.
#include "adapters/config/extras.hpp"

namespace hotline::config {

using namespace reading;

namespace {

constexpr const char* evaluation_file = "evaluation.yaml";

} // namespace

routing::policy policy_of(const hotline_config& cfg) {
  routing::policy p;
  p.cal = &cfg.calendar;
  p.consultation_days = cfg.sla.consultation_days;
  p.other_days = cfg.sla.other_days;
  p.reopen_limit = cfg.sla.reopen_limit;
  p.return_window_days = cfg.sla.return_window_days;
  p.reminder_before_ms = cfg.sla.reminder_before_hours * 3'600'000LL;
  p.notice_after_ms = cfg.sla.notice_after_hours * 3'600'000LL;
  p.office_id = cfg.directory.office_id();
  p.opinion_days_before = cfg.sla.opinion_days_before;
  return p;
}

void load_evaluation(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  std::error_code ec;
  if (!fs::exists(dir / evaluation_file, ec))
    return;
  const auto root = load_yaml(dir / evaluation_file, evaluation_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(evaluation_file, errors);
  yaml.reject_unknown_keys(*root, "", {"response_working_days", "min_received", "weights"});
  auto& r = cfg.evaluation;
  if (yaml_reader::get(*root, "response_working_days").IsDefined())
    if (auto n = yaml.integer_at(*root, "response_working_days", "")) {
      if (*n < 1 || *n > 30)
        yaml.error("response_working_days", "must be 1 to 30 working days");
      else
        r.response_working_days = *n;
    }
  if (yaml_reader::get(*root, "min_received").IsDefined())
    if (auto n = yaml.integer_at(*root, "min_received", "")) {
      if (*n < 0)
        yaml.error("min_received", "must not be negative");
      else
        r.min_received = *n;
    }
  const YAML::Node weights = yaml_reader::get(*root, "weights");
  if (!weights.IsDefined())
    return;
  if (!yaml.expect_map(weights, "weights"))
    return;
  std::map<std::string, double> given;
  for (const auto& entry : weights) {
    const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    const std::string path = member("weights", name);
    const auto& names = routing::evaluation::rate_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      yaml.error(path, "unknown rate (known: response_rate, on_time_rate, resolution_rate, "
                       "satisfaction_rate, opinion_on_time_rate, kb_review_rate, return_rate, "
                       "reopen_rate)");
      continue;
    }
    double w = 0;
    if (!entry.second.IsScalar() || !YAML::convert<double>::decode(entry.second, w) || !(w >= 0)
        || w > 1e6) {
      yaml.error(path, "expected a weight from 0 to 1000000");
      continue;
    }
    given[name] = w;
  }
  bool any = false;
  for (const auto& [name, w] : given)
    any = any || w > 0;
  if (!any)
    yaml.error("weights", "at least one weight must be above 0");
  else
    r.weights = given;
}

} // namespace hotline::config
