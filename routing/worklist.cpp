#include "routing/worklist.hpp"

#include <algorithm>
#include <charconv>

#include "routing/civil_time.hpp"

namespace hotline::routing {

bool waiting_for_answer(ticket_status s) {
  return s == ticket_status::dispatched || s == ticket_status::accepted;
}

namespace {

std::string cursor_of(const ticket_summary& t) {
  return std::to_string(t.due) + "_" + t.no;
}

// Deadline first (none last), then number.
bool before(const ticket_summary& a, const ticket_summary& b) {
  const auto da = a.due ? a.due : INT64_MAX;
  const auto db = b.due ? b.due : INT64_MAX;
  return da != db ? da < db : a.no < b.no;
}

} // namespace

bool overdue(const ticket_summary& t, instant now) {
  return t.due != 0 && waiting_for_answer(t.status) && now >= t.due;
}

bool due_today(const ticket_summary& t, instant now) {
  return t.due != 0 && waiting_for_answer(t.status) && !overdue(t, now)
         && shanghai_date(t.due - 1) == shanghai_date(now);
}

std::optional<worklist_filter> parse_worklist_filter(std::string_view s) {
  worklist_filter f;
  if (s.empty())
    return f;
  if (s == "overdue" || s == "due_today" || s == "supervised" || s == "awaiting_decision") {
    f.special = std::string(s);
    return f;
  }
  auto st = parse_status(s);
  if (!st || *st == ticket_status::none)
    return std::nullopt;
  f.status = st;
  return f;
}

bool valid_worklist_cursor(std::string_view c) {
  const auto bar = c.find('_');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 == c.size() || c.size() > 64)
    return false;
  long long due = 0;
  auto [p, ec] = std::from_chars(c.data(), c.data() + bar, due);
  return ec == std::errc() && p == c.data() + bar;
}

bool worklist::apply(const ticket_summary& t) {
  auto it = items_.find(t.no);
  if (it != items_.end() && it->second.t.version >= t.version)
    return false;
  const auto role = role_of(t, unit_, *policy_);
  const bool was_held = it != items_.end() && it->second.role != worklist_role::none;
  items_[t.no] = entry{t, role};
  if (role == worklist_role::none && (was_held || it == items_.end())) {
    departed_.push_back(t.no);
    while (departed_.size() > remembered_departures) {
      auto old = items_.find(departed_.front());
      if (old != items_.end() && old->second.role == worklist_role::none)
        items_.erase(old);
      departed_.pop_front();
    }
  }
  return true;
}

std::size_t worklist::size() const {
  std::size_t n = 0;
  for (const auto& [no, e] : items_)
    n += e.role != worklist_role::none;
  return n;
}

worklist_counts worklist::counts(instant now) const {
  worklist_counts c;
  for (const auto& [no, e] : items_) {
    if (e.role == worklist_role::none)
      continue;
    ++c.open;
    ++c.by_status[std::string(to_string(e.t.status))];
    ++c.by_role[std::string(to_string(e.role))];
    c.overdue += overdue(e.t, now);
    c.due_today += due_today(e.t, now);
    c.supervised += e.t.escalation && *e.t.escalation != escalation_level::reminder;
    c.awaiting_decision += e.role == worklist_role::approver;
  }
  return c;
}

bool worklist::matches(const entry& e, const worklist_filter& f, instant now) const {
  if (e.role == worklist_role::none)
    return false;
  if (f.status)
    return e.t.status == *f.status;
  if (f.special == "overdue")
    return overdue(e.t, now);
  if (f.special == "due_today")
    return due_today(e.t, now);
  if (f.special == "supervised")
    return e.t.escalation && *e.t.escalation != escalation_level::reminder;
  if (f.special == "awaiting_decision")
    return e.role == worklist_role::approver;
  return true;
}

worklist_page worklist::page(const worklist_filter& f, const std::string& cursor, std::size_t limit,
                             instant now) const {
  std::vector<const entry*> hits;
  for (const auto& [no, e] : items_)
    if (matches(e, f, now))
      hits.push_back(&e);
  std::sort(hits.begin(), hits.end(),
            [](const entry* a, const entry* b) { return before(a->t, b->t); });
  std::size_t from = 0;
  if (!cursor.empty()) {
    // The first item after the cursor's (due, no), even if that ticket left.
    ticket_summary mark;
    const auto bar = cursor.find('_');
    mark.due = std::stoll(cursor.substr(0, bar));
    mark.no = cursor.substr(bar + 1);
    while (from < hits.size() && !before(mark, hits[from]->t))
      ++from;
  }
  worklist_page out;
  for (std::size_t i = from; i < hits.size() && out.items.size() < limit; ++i) {
    out.items.push_back(hits[i]->t);
    out.roles.push_back(hits[i]->role);
  }
  if (from + out.items.size() < hits.size() && !out.items.empty())
    out.next_cursor = cursor_of(out.items.back());
  return out;
}

} // namespace hotline::routing
