#include "adapters/knowledge/service.hpp"

#include <nlohmann/json.hpp>

namespace hotline::knowledge {

namespace kb = hotline::routing::kb;

service::service(redis::pool& p, const std::filesystem::path& index_parent, std::string prefix)
    : store_(p, std::move(prefix)), index_(index_parent) {}

std::size_t service::start(const std::vector<kb::seed>& seeds, routing::instant now) {
  std::size_t seeded = 0;
  const routing::person config{"config", "知识库初始内容（配置）"};
  std::vector<std::string> ids;
  for (const auto& s : seeds)
    ids.push_back(s.id);
  const auto stored = store_.load_many(ids);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const auto& s = seeds[i];
    if (!stored[i].empty())
      continue;
    // 0 = another node seeded it first: fine.
    if (store_.append(s.id, 0, {kb::drafted{now, s.owner, s.c, config, true}}) > 0)
      ++seeded;
  }
  sync();
  return seeded;
}

service::outcome service::act(std::string id, const kb::command& cmd, routing::instant now,
                              const routing::person& by) {
  if (id.empty())
    id = store_.next_id();
  // A version conflict means another writer got in first: decide again on
  // what it wrote, a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto events = store_.load(id);
    auto a = kb::fold(id, events);
    if (!a.exists() && !std::holds_alternative<kb::create>(cmd))
      return {a, kb::refusal{"not_found", "no article " + id, "id"}};
    auto d = kb::decide(a, cmd, now, by);
    if (auto* no = std::get_if<kb::refusal>(&d))
      return {a, *no};
    const auto& fresh = std::get<std::vector<kb::event>>(d);
    if (store_.append(id, events.size(), fresh) == 0)
      continue;
    for (const auto& e : fresh)
      a = kb::apply(std::move(a), e);
    {
      std::lock_guard<std::mutex> lock(sync_mtx_);
      index_.put(a);
    }
    return {a, std::nullopt};
  }
  return {kb::article{}, kb::refusal{"conflict", "the article changed concurrently; retry", "id"}};
}

std::optional<kb::article> service::get(const std::string& id) {
  auto a = kb::fold(id, store_.load(id));
  if (!a.exists())
    return std::nullopt;
  return a;
}

void service::sync() {
  std::lock_guard<std::mutex> lock(sync_mtx_);
  const auto ch = store_.changes_after(seen_);
  const auto events = store_.load_many(ch.ids);
  std::vector<kb::article> changed;
  for (std::size_t i = 0; i < ch.ids.size(); ++i)
    changed.push_back(kb::fold(ch.ids[i], events[i]));
  if (!changed.empty())
    index_.put_all(changed);
  seen_ = std::max(seen_, ch.rev);
}

std::vector<kb::article> service::all() {
  return store_.articles();
}

std::size_t service::remind(routing::civil_date today, const std::string& office_id,
                            redis::feed& feed, std::int64_t keep_after_ms, int days) {
  std::size_t sent = 0;
  for (const auto& a : all()) {
    const bool overdue = kb::review_overdue(a, today);
    if (!overdue && !kb::review_due_within(a, today, days))
      continue;
    const auto* v = a.live();
    const std::string kind = overdue ? "overdue" : "due";
    if (!store_.first_time(a.id + "|" + std::to_string(v->number) + "|" + kind))
      continue;
    const nlohmann::json data{
        {"event", "kb_review_" + kind},
        {"article", {{"id", a.id}, {"version", v->number}, {"title", v->c.title}}},
        {"owner", a.owner},
        {"review_by", routing::format_date(*v->c.review_by)}};
    std::vector<std::string> units{a.owner};
    if (overdue)
      units.push_back(office_id); // M-KB-3: the office follows up
    feed.publish("kb_review_" + kind, units, data.dump(), keep_after_ms);
    ++sent;
  }
  return sent;
}

std::vector<search_hit> service::search(const search_query& q) {
  sync();
  return index_.search(q);
}

} // namespace hotline::knowledge
