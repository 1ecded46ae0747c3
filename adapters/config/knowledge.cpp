// knowledge.yaml: the knowledge base's starter articles (issue 13). Each is
// owned by a unit (M-KB-2) and names existing categories and districts; a
// mistake is reported with its key like any other configuration error.
#include <set>

#include "adapters/config/extras.hpp"

namespace hotline::config {

using namespace reading;

namespace {

constexpr const char* knowledge_file = "knowledge.yaml";

std::vector<std::string> text_list(const yaml_reader& yaml, const YAML::Node& map,
                                   const std::string& key, const std::string& path, bool required) {
  std::vector<std::string> out;
  const YAML::Node list = yaml_reader::get(map, key);
  if (!required && !list.IsDefined())
    return out;
  if (!yaml.expect_sequence(list, member(path, key)))
    return out;
  for (std::size_t i = 0; i < list.size(); ++i)
    if (auto t = yaml.text(list[i], indexed(member(path, key), i)))
      out.push_back(*t);
  return out;
}

} // namespace

void load_knowledge(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  std::error_code ec;
  if (!fs::exists(dir / knowledge_file, ec))
    return;
  const auto root = load_yaml(dir / knowledge_file, knowledge_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(knowledge_file, errors);
  yaml.reject_unknown_keys(*root, "", {"articles"});
  const YAML::Node list = yaml_reader::get(*root, "articles");
  if (!yaml.expect_sequence(list, "articles"))
    return;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string path = indexed("articles", i);
    if (!yaml.expect_map(entry, path))
      continue;
    yaml.reject_unknown_keys(entry, path,
                             {"id", "owner", "title", "categories", "districts", "keywords",
                              "review_by", "body", "internal_note"});
    const std::size_t before = errors.size();
    routing::kb::seed s;
    if (auto id = yaml.text_at(entry, "id", path)) {
      if (id->rfind("kb.", 0) != 0 || !is_dotted_name(*id, 3))
        yaml.error(member(path, "id"), "malformed id " + in_quotes(*id)
                                           + " (expected kb.<area>.<topic> in lower-case ascii)");
      else if (!ids.insert(*id).second)
        yaml.error(member(path, "id"), "duplicate article id " + in_quotes(*id));
      s.id = *id;
    }
    if (auto owner = yaml.text_at(entry, "owner", path)) {
      const auto* u = cfg.directory.find_unit(*owner);
      if (!u || u->kind == routing::unit_kind::office)
        yaml.error(member(path, "owner"), "not a handling unit: " + in_quotes(*owner));
      s.owner = *owner;
    }
    if (auto t = yaml.text_at(entry, "title", path))
      s.c.title = *t;
    if (auto b = yaml.text_at(entry, "body", path))
      s.c.body = *b;
    s.c.categories = text_list(yaml, entry, "categories", path, true);
    for (std::size_t k = 0; k < s.c.categories.size(); ++k)
      if (!cfg.directory.find_category(s.c.categories[k]))
        yaml.error(indexed(member(path, "categories"), k),
                   "unknown category " + in_quotes(s.c.categories[k]));
    s.c.districts = text_list(yaml, entry, "districts", path, false);
    for (std::size_t k = 0; k < s.c.districts.size(); ++k) {
      const auto* d = cfg.directory.find_unit(s.c.districts[k]);
      if (!d || d->kind != routing::unit_kind::district_government)
        yaml.error(indexed(member(path, "districts"), k),
                   "unknown district " + in_quotes(s.c.districts[k]));
    }
    s.c.keywords = text_list(yaml, entry, "keywords", path, false);
    if (yaml_reader::get(entry, "review_by").IsDefined())
      s.c.review_by = yaml.date(yaml_reader::get(entry, "review_by"), member(path, "review_by"));
    if (yaml_reader::get(entry, "internal_note").IsDefined()
        && !yaml_reader::get(entry, "internal_note").IsNull()) {
      const auto note = yaml_reader::get(entry, "internal_note");
      if (note.IsScalar())
        s.c.internal_note = note.Scalar();
      else
        yaml.error(member(path, "internal_note"), "expected a text value");
    }
    if (errors.size() == before)
      cfg.knowledge.push_back(std::move(s));
  }
}

} // namespace hotline::config
