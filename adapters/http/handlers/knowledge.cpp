// The knowledge base (issue 13; M-KB-1..4): units write and keep their
// articles, the office reviews them, staff and the public search them.
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"
#include "adapters/knowledge/service.hpp"
#include "routing/privacy.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
namespace kb = hotline::routing::kb;
using nlohmann::json;

namespace {

// A list of short texts (`max` of them at most, each 1..`len` characters).
std::vector<std::string> text_list(const json& body, const std::string& key, std::size_t max,
                                   std::size_t len, bool required) {
  const auto i = body.find(key);
  if (i == body.end() || i->is_null()) {
    if (required)
      throw api_error{400, "missing_field", "required", key};
    return {};
  }
  if (!i->is_array() || i->size() > max)
    throw api_error{422, "invalid_field",
                    "must be an array of at most " + std::to_string(max) + " texts", key};
  std::vector<std::string> out;
  for (std::size_t k = 0; k < i->size(); ++k) {
    const json one{{"v", (*i)[k]}};
    auto t = text_field(one, "v", key + "[" + std::to_string(k) + "]", 1, len);
    if (std::find(out.begin(), out.end(), t) == out.end())
      out.push_back(std::move(t));
  }
  return out;
}

// The content of a draft or a revision, every field checked.
kb::content content_of(const call_ptr& c, const json& body) {
  const auto& dir = c->ctx.svc.config.directory;
  kb::content k;
  k.title = text_field(body, "title", "title", 2, 200);
  k.body = text_field(body, "body", "body", 2, 20000);
  k.categories = text_list(body, "categories", 10, 64, true);
  if (k.categories.empty())
    throw api_error{422, "invalid_field", "name at least one category", "categories"};
  for (const auto& code : k.categories)
    if (!dir.find_category(code))
      throw api_error{422, "unknown_category", "unknown category '" + code + "'", "categories"};
  k.keywords = text_list(body, "keywords", 20, 30, false);
  k.districts = text_list(body, "districts", 38, 6, false);
  for (const auto& d : k.districts) {
    const auto* u = dir.find_unit(d);
    if (!u || u->kind != r::unit_kind::district_government)
      throw api_error{422, "invalid_field", "unknown district '" + d + "'", "districts"};
  }
  const auto rb = text_field(body, "review_by", "review_by", 0, 10, false);
  if (!rb.empty()) {
    k.review_by = r::parse_date(rb);
    if (!k.review_by)
      throw api_error{422, "invalid_field", "must be a date YYYY-MM-DD", "review_by"};
  }
  k.internal_note = text_field(body, "internal_note", "internal_note", 0, 2000, false);
  return k;
}

json person_json(const r::person& p) {
  if (p.user.empty())
    return nullptr;
  return {{"user", p.user}, {"name", p.name}};
}

json content_json(const actors::services& svc, const kb::content& k, bool staff) {
  json v{{"title", k.title},
         {"body", k.body},
         {"categories", k.categories},
         {"keywords", k.keywords},
         {"districts", k.districts},
         {"review_by", k.review_by ? json(r::format_date(*k.review_by)) : json(nullptr)}};
  json names = json::array();
  for (const auto& code : k.categories) {
    const auto* cat = svc.config.directory.find_category(code);
    names.push_back({{"code", code}, {"name", cat ? cat->name : code}});
  }
  v["category_names"] = names;
  if (staff)
    v["internal_note"] = k.internal_note;
  return v;
}

// Staff: the article with every version, who wrote and who approved it.
json staff_view(const actors::services& svc, const kb::article& a) {
  json versions = json::array();
  for (const auto& v : a.versions) {
    json reviews = json::array();
    for (const auto& x : v.reviews)
      reviews.push_back({{"at", r::format_instant(x.at)},
                         {"decision", x.approved ? "approve" : "return"},
                         {"comment", x.comment},
                         {"by", person_json(x.by)}});
    json one = content_json(svc, v.c, true);
    one["version"] = v.number;
    one["written_at"] = r::format_instant(v.written_at);
    one["written_by"] = person_json(v.written_by);
    one["reviews"] = reviews;
    one["published_at"] = v.published_at ? json(r::format_instant(*v.published_at)) : json(nullptr);
    one["approved_by"] = person_json(v.approved_by);
    versions.push_back(one);
  }
  json out{{"id", a.id},
           {"owner", unit_json(svc, a.owner)},
           {"status", kb::to_string(a.current())},
           {"published_version", a.published ? json(a.published) : json(nullptr)},
           {"working_version", a.working ? json(a.working) : json(nullptr)},
           {"updated_at", r::format_instant(a.updated_at)},
           {"versions", versions}};
  if (a.is_retired)
    out["retire_reason"] = a.retire_reason;
  return out;
}

// The public: the live version only, without the internal note or people.
json public_view(const actors::services& svc, const kb::article& a) {
  const auto* v = a.live();
  json out = content_json(svc, v->c, false);
  out["id"] = a.id;
  out["version"] = v->number;
  out["owner"] = unit_json(svc, a.owner);
  out["published_at"] = r::format_instant(*v->published_at);
  return out;
}

std::string month_now(const call_ptr& c) {
  return r::format_date(r::shanghai_date(c->ctx.svc.clk.now())).substr(0, 7);
}

// Counts uses in the background: a failure to count never fails the call.
void count_later(const call_ptr& c, std::vector<std::pair<std::string, std::string>> uses) {
  if (uses.empty() || !c->ctx.knowledge)
    return;
  auto* kbs = c->ctx.knowledge;
  c->ctx.blocking([kbs, month = month_now(c), uses = std::move(uses)] {
    try {
      kbs->count(month, uses);
    } catch (const std::exception&) {
      // Statistics only: the answer was given.
    }
  });
}

bool is_staff(const call_ptr& c) {
  return c->who.has_value();
}

int status_of(const kb::refusal& no) {
  if (no.code == "not_found")
    return 404;
  if (no.code == "forbidden")
    return 403;
  if (no.code == "invalid")
    return 422;
  return 409;
}

// Runs a command and answers the staff view (201 for a new article).
void act(const call_ptr& c, std::string id, kb::command cmd, int ok_status) {
  with_storage(c, [c, id = std::move(id), cmd = std::move(cmd), ok_status] {
    auto out = kbase(c).act(id, cmd, c->ctx.svc.clk.now(), c->person());
    if (out.refused)
      throw api_error{status_of(*out.refused), out.refused->code, out.refused->message,
                      out.refused->field};
    json v = staff_view(c->ctx.svc, out.article);
    v["version"] = out.article.working ? out.article.working : out.article.published;
    c->reply(ok_status, v);
  });
}

const std::string& article_id(const call_ptr& c) {
  const auto& id = c->param("id");
  const bool plausible
      = !id.empty() && id.size() <= 64
        && id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
  if (!plausible)
    throw api_error{404, "not_found", "no article " + id, "id"};
  return id;
}

} // namespace

// POST /api/v1/kb/articles — a unit drafts an article of its own (M-KB-2).
void kb_create(const call_ptr& c) {
  const auto unit = acting_unit(c);
  auto body = parse_body(c->req);
  act(c, "", kb::create{unit, content_of(c, body)}, 201);
}

// PUT /api/v1/kb/articles/{id} — the owner writes a new version; the
// published one stays live until the new one is approved.
void kb_revise(const call_ptr& c) {
  const auto unit = acting_unit(c);
  const auto id = article_id(c);
  auto body = parse_body(c->req);
  act(c, id, kb::revise{unit, content_of(c, body)}, 200);
}

// POST /api/v1/kb/articles/{id}/submit — to the office for review.
void kb_submit(const call_ptr& c) {
  const auto unit = acting_unit(c);
  act(c, article_id(c), kb::submit{unit}, 200);
}

// POST /api/v1/kb/articles/{id}/review — the office approves or returns
// with a comment (M-KB-3).
void kb_review(const call_ptr& c) {
  if (!c->office())
    throw api_error{403, "forbidden", "the office reviews articles (M-KB-3)", "authorization"};
  auto body = parse_body(c->req);
  const auto decision = text_field(body, "decision", "decision", 1, 16);
  if (decision != "approve" && decision != "return")
    throw api_error{422, "invalid_field", "must be approve or return", "decision"};
  const auto comment = text_field(body, "comment", "comment", 0, 2000, false);
  act(c, article_id(c), kb::decide_review{decision == "approve", comment}, 200);
}

// POST /api/v1/kb/articles/{id}/retire — the owner or the office, with a
// reason; the public no longer finds it.
void kb_retire(const call_ptr& c) {
  auto body = parse_body(c->req);
  kb::retire cmd;
  cmd.office = c->office();
  cmd.unit = c->who ? c->who->unit_id : "";
  cmd.reason = text_field(body, "reason", "reason", 1, 1000);
  act(c, article_id(c), cmd, 200);
}

// GET /api/v1/kb/articles/{id} — staff: every version; the public: the
// published version, without internal notes (M-KB-4).
void kb_article(const call_ptr& c) {
  const auto id = article_id(c);
  with_storage(c, [c, id] {
    auto a = kbase(c).get(id);
    if (is_staff(c)) {
      if (!a)
        throw api_error{404, "not_found", "no article " + id, "id"};
      return c->reply(200, staff_view(c->ctx.svc, *a));
    }
    if (!a || a->is_retired || !a->published)
      throw api_error{404, "not_found", "no published article " + id, "id"};
    c->reply(200, public_view(c->ctx.svc, *a));
    count_later(c, {{id, "opened"}});
  });
}

// GET /api/v1/kb/search?q=&category=&district=&unit=&status=&limit= —
// ranked Chinese full-text search with highlighted snippets; the public
// sees published articles only (M-KB-4, M-P-2's self-service).
void kb_search(const call_ptr& c) {
  const auto& q = c->req.query;
  knowledge::search_query s;
  s.text = q.count("q") ? q.at("q") : "";
  if (s.text.empty() || !r::valid_utf8(s.text) || s.text.size() > 400)
    throw api_error{422, "invalid_field", "a search text of 1 to 400 bytes is required", "q"};
  s.category = q.count("category") ? q.at("category") : "";
  if (!s.category.empty() && !c->ctx.svc.config.directory.find_category(s.category))
    throw api_error{422, "unknown_category", "unknown category '" + s.category + "'", "category"};
  s.district = q.count("district") ? q.at("district") : "";
  if (!s.district.empty()) {
    const auto* u = c->ctx.svc.config.directory.find_unit(s.district);
    if (!u || u->kind != r::unit_kind::district_government)
      throw api_error{422, "invalid_field", "unknown district '" + s.district + "'", "district"};
  }
  s.unit = q.count("unit") ? q.at("unit") : "";
  if (q.count("limit")) {
    const auto& l = q.at("limit");
    if (l.empty() || l.size() > 2 || l.find_first_not_of("0123456789") != std::string::npos
        || std::stoul(l) < 1 || std::stoul(l) > 50)
      throw api_error{422, "invalid_field", "must be a number from 1 to 50", "limit"};
    s.limit = std::stoul(l);
  }
  const std::string status = q.count("status") ? q.at("status") : "";
  if (!is_staff(c)) {
    if (!status.empty() && status != "published")
      throw api_error{403, "forbidden", "the public finds published articles only", "status"};
    s.statuses = {kb::status::published};
  } else if (status.empty()) {
    s.statuses
        = {kb::status::published, kb::status::draft, kb::status::submitted, kb::status::returned};
  } else {
    auto one = kb::parse_status(status);
    if (!one)
      throw api_error{422, "invalid_field",
                      "must be draft, submitted, returned, published or retired", "status"};
    s.statuses = {*one};
  }
  with_storage(c, [c, s] {
    json results = json::array();
    std::vector<std::pair<std::string, std::string>> shown;
    for (const auto& h : kbase(c).search(s)) {
      shown.emplace_back(h.id, "shown");
      json one{{"id", h.id},
               {"version", h.version},
               {"title", h.title},
               {"snippet", h.snippet},
               {"score", h.score},
               {"categories", h.categories},
               {"owner", unit_json(c->ctx.svc, h.owner)}};
      if (is_staff(c))
        one["status"] = kb::to_string(h.status);
      results.push_back(one);
    }
    c->reply(200, {{"query", s.text}, {"results", results}});
    count_later(c, std::move(shown));
  });
}

void kb_check_citation(const call_ptr& c, const r::disposal& how) {
  const auto a = kbase(c).get(how.article_id);
  const bool published = a && how.article_version >= 1
                         && how.article_version <= static_cast<int>(a->versions.size())
                         && a->versions[how.article_version - 1].published_at.has_value();
  if (!published)
    throw api_error{422, "invalid_field",
                    "no published version " + std::to_string(how.article_version) + " of article '"
                        + how.article_id + "'",
                    "disposal.article"};
}

} // namespace hotline::http::handlers
