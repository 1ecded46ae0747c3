#include "routing/knowledge.hpp"

#include <algorithm>
#include <iterator>

#include "routing/names.hpp"

namespace hotline::routing::kb {

namespace {

constexpr name_table<status, 5> statuses{{
    {status::draft, "draft"},
    {status::submitted, "submitted"},
    {status::returned, "returned"},
    {status::published, "published"},
    {status::retired, "retired"},
}};

refusal conflict(const std::string& message) {
  return {"conflict", message, ""};
}

} // namespace

std::string_view to_string(status s) {
  return name_of(statuses, s);
}

std::optional<status> parse_status(std::string_view s) {
  return parse_of(statuses, s);
}

std::string_view event_type(const event& e) {
  return std::visit(overloaded{[](const drafted&) { return "drafted"; },
                               [](const revised&) { return "revised"; },
                               [](const submitted&) { return "submitted"; },
                               [](const reviewed&) { return "reviewed"; },
                               [](const retired&) { return "retired"; }},
                    e);
}

status article::current() const {
  if (is_retired)
    return status::retired;
  if (working)
    return working_status;
  return status::published;
}

article apply(article a, const event& e) {
  ++a.revision;
  std::visit(overloaded{[&](const drafted& x) {
                          a.owner = x.owner;
                          version v;
                          v.number = 1;
                          v.c = x.c;
                          v.written_at = x.at;
                          v.written_by = x.by;
                          if (x.seeded) {
                            v.published_at = x.at;
                            v.approved_by = x.by;
                            a.published = 1;
                          } else {
                            a.working = 1;
                            a.working_status = status::draft;
                          }
                          a.versions.push_back(std::move(v));
                          a.updated_at = x.at;
                        },
                        [&](const revised& x) {
                          version v;
                          v.number = static_cast<int>(a.versions.size()) + 1;
                          v.c = x.c;
                          v.written_at = x.at;
                          v.written_by = x.by;
                          a.versions.push_back(std::move(v));
                          a.working = static_cast<int>(a.versions.size());
                          a.working_status = status::draft;
                          a.updated_at = x.at;
                        },
                        [&](const submitted& x) {
                          a.working_status = status::submitted;
                          a.updated_at = x.at;
                        },
                        [&](const reviewed& x) {
                          auto& v = a.versions[a.working - 1];
                          v.reviews.push_back({x.at, x.approved, x.comment, x.by});
                          if (x.approved) {
                            v.published_at = x.at;
                            v.approved_by = x.by;
                            a.published = a.working;
                            a.working = 0;
                          } else {
                            a.working_status = status::returned;
                          }
                          a.updated_at = x.at;
                        },
                        [&](const retired& x) {
                          a.is_retired = true;
                          a.retire_reason = x.reason;
                          a.updated_at = x.at;
                        }},
             e);
  return a;
}

article fold(const std::string& id, const std::vector<event>& events) {
  article a;
  a.id = id;
  for (const auto& e : events)
    a = apply(std::move(a), e);
  return a;
}

decision decide(const article& a, const command& cmd, instant now, const person& by) {
  return std::visit(
      overloaded{
          [&](const create& c) -> decision {
            if (a.exists())
              return conflict("the article exists already");
            return std::vector<event>{drafted{now, c.owner, c.c, by, false}};
          },
          [&](const revise& r) -> decision {
            // M-KB-2: the unit that provides an article maintains it.
            if (r.unit != a.owner)
              return refusal{"forbidden", "only the owner unit revises its article", "unit_id"};
            if (a.is_retired)
              return conflict("the article is retired");
            if (a.working && a.working_status == status::submitted)
              return conflict("a version is under review; wait for the office's decision");
            return std::vector<event>{revised{now, r.c, by}};
          },
          [&](const submit& s) -> decision {
            if (s.unit != a.owner)
              return refusal{"forbidden", "only the owner unit submits its article", "unit_id"};
            if (a.is_retired)
              return conflict("the article is retired");
            if (!a.working)
              return conflict("no new version to submit; revise the article first");
            if (a.working_status == status::submitted)
              return conflict("the version is under review already");
            return std::vector<event>{submitted{now, by}};
          },
          [&](const decide_review& d) -> decision {
            // M-KB-3: the office checks what enters the knowledge base.
            if (a.is_retired)
              return conflict("the article is retired");
            if (!a.working || a.working_status != status::submitted)
              return conflict("no version is waiting for review");
            if (!d.approve && d.comment.empty())
              return refusal{"invalid", "a return needs a comment for the unit", "comment"};
            return std::vector<event>{reviewed{now, d.approve, d.comment, by}};
          },
          [&](const retire& r) -> decision {
            if (!r.office && r.unit != a.owner)
              return refusal{"forbidden", "only the owner unit or the office retires an article",
                             "unit_id"};
            if (a.is_retired)
              return conflict("the article is retired already");
            if (r.reason.empty())
              return refusal{"invalid", "a reason is required", "reason"};
            return std::vector<event>{retired{now, r.reason, by}};
          }},
      cmd);
}

namespace {

double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  const auto all = a.size() + b.size() - both.size();
  return all ? static_cast<double>(both.size()) / static_cast<double>(all) : 0.0;
}

} // namespace

std::vector<gap> find_gaps(std::vector<unanswered> items, double alike) {
  std::sort(items.begin(), items.end(), [](const unanswered& x, const unanswered& y) {
    return x.at != y.at ? x.at < y.at : x.ticket_no < y.ticket_no;
  });
  std::vector<gap> out;
  std::vector<std::vector<std::string>> first_terms;
  for (auto& item : items) {
    std::sort(item.terms.begin(), item.terms.end());
    std::size_t g = 0;
    for (; g < out.size(); ++g)
      if (out[g].category == item.category && jaccard(first_terms[g], item.terms) >= alike)
        break;
    if (g == out.size()) {
      out.push_back({item.category + "|" + item.ticket_no, item.category, {}, item.terms});
      first_terms.push_back(item.terms);
    } else {
      std::vector<std::string> shared;
      std::set_intersection(out[g].terms.begin(), out[g].terms.end(), item.terms.begin(),
                            item.terms.end(), std::back_inserter(shared));
      out[g].terms = std::move(shared);
    }
    out[g].tickets.push_back(item.ticket_no);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const gap& x, const gap& y) { return x.tickets.size() > y.tickets.size(); });
  return out;
}

namespace {

std::optional<civil_date> live_review_by(const article& a) {
  if (a.is_retired || !a.published)
    return std::nullopt;
  return a.versions[a.published - 1].c.review_by;
}

} // namespace

bool review_due_within(const article& a, civil_date today, int days) {
  const auto by = live_review_by(a);
  return by && days_from_civil(*by) >= days_from_civil(today)
         && days_from_civil(*by) - days_from_civil(today) <= days;
}

bool review_overdue(const article& a, civil_date today) {
  const auto by = live_review_by(a);
  return by && days_from_civil(*by) < days_from_civil(today);
}

} // namespace hotline::routing::kb
