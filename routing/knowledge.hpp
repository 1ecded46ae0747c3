#pragma once
// The knowledge base (知识库, issue 13): articles, their versions and their
// review (M-KB-1..3). Pure: events, `apply`, `decide`, like a ticket.
//
//   a unit drafts (owner = its unit) ─ revise* ─ submit ─┬─ office approves ─ published
//                                                        └─ office returns (comment) ─ revise …
//   published ─ revise (the published version stays live while the new one
//               is reviewed) ─ submit ─ …
//   any ─ retire (owner or office, with a reason)
//
// Every version is kept with who wrote it and who approved it (M-KB-2:
// 谁提供、谁维护、谁更新; M-KB-3: the office checks before anything is
// published).

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "routing/access.hpp"
#include "routing/civil_time.hpp"

namespace hotline::routing::kb {

/// What one version says.
struct content {
  std::string title;
  std::string body;                    // plain text; paragraphs separated by blank lines
  std::vector<std::string> categories; // category codes
  std::vector<std::string> keywords;
  std::vector<std::string> districts; // 6-digit codes; empty: the whole city
  std::optional<civil_date> review_by;
  std::string internal_note; // staff only, never shown to the public
};

/// An article the configuration ships (config/…/knowledge.yaml): stored,
/// published, once, when the knowledge base does not hold its id yet.
struct seed {
  std::string id; // kb.<area>.<topic>
  std::string owner;
  content c;
};

// --- events ------------------------------------------------------------------

/// A unit wrote a first version (or the configuration seeded one: then it
/// is published at once, approved by the configuration's `source`).
struct drafted {
  instant at = 0;
  std::string owner; // unit id
  content c;
  person by;
  bool seeded = false; // from config/…/knowledge.yaml: published as it is
};
struct revised {
  instant at = 0;
  content c;
  person by;
};
struct submitted {
  instant at = 0;
  person by;
};
struct reviewed {
  instant at = 0;
  bool approved = false;
  std::string comment;
  person by;
};
struct retired {
  instant at = 0;
  std::string reason;
  person by;
};
using event = std::variant<drafted, revised, submitted, reviewed, retired>;
std::string_view event_type(const event& e);

// --- state -------------------------------------------------------------------

enum class status { draft, submitted, returned, published, retired };
std::string_view to_string(status s);
std::optional<status> parse_status(std::string_view s);

struct review {
  instant at = 0;
  bool approved = false;
  std::string comment;
  person by;
};

struct version {
  int number = 0; // 1, 2, …
  content c;
  instant written_at = 0;
  person written_by;
  std::vector<review> reviews; // returns and the approval, in order
  std::optional<instant> published_at;
  person approved_by; // empty until approved
};

struct article {
  std::string id;
  std::string owner;
  std::uint64_t revision = 0; // events applied
  std::vector<version> versions;
  int published = 0; // the live version's number; 0: none
  int working = 0;   // the version being written or reviewed; 0: none
  status working_status = status::draft;
  bool is_retired = false;
  std::string retire_reason;
  instant updated_at = 0;

  bool exists() const { return revision > 0; }
  /// The article's status: retired, else the working version's, else published.
  status current() const;
  const version* live() const { return published ? &versions[published - 1] : nullptr; }
  const version* in_work() const { return working ? &versions[working - 1] : nullptr; }
  /// The latest version (for staff and the owner).
  const version& latest() const { return versions.back(); }
};

article apply(article a, const event& e);
article fold(const std::string& id, const std::vector<event>& events);

// --- commands ----------------------------------------------------------------

struct create {
  std::string owner;
  content c;
};
struct revise {
  std::string unit; // the acting unit: only the owner revises
  content c;
};
struct submit {
  std::string unit;
};
struct decide_review {
  bool approve = false;
  std::string comment;
};
struct retire {
  std::string unit; // the owner, or the office (office = true)
  bool office = false;
  std::string reason;
};
using command = std::variant<create, revise, submit, decide_review, retire>;

struct refusal {
  std::string code; // conflict | forbidden | invalid | not_found
  std::string message;
  std::string field;
};
using decision = std::variant<std::vector<event>, refusal>;

/// What `cmd` by `by` at `now` does to `a` (M-KB-2, M-KB-3).
decision decide(const article& a, const command& cmd, instant now, const person& by);

// --- gaps (M-KB-3) -------------------------------------------------------------

/// A consultation answered at once without citing an article.
struct unanswered {
  std::string ticket_no;
  std::string category;
  std::vector<std::string> terms; // routing::content_terms of its content
  instant at = 0;
};

/// Questions without an article: unanswered consultations of one category
/// whose contents are alike, the most asked first.
struct gap {
  std::string id; // stable: "{category}|{first ticket}"
  std::string category;
  std::vector<std::string> tickets; // oldest first
  std::vector<std::string> terms;   // the terms every one of them shares
};
/// Groups `items` (any order): each joins the first group of its category
/// whose first question shares at least `alike` of its terms (Jaccard),
/// else starts one.
std::vector<gap> find_gaps(std::vector<unanswered> items, double alike = 0.25);

/// Review-by dates (M-KB-2): due within `days` of `today` (reminder to the
/// owner), or past (flagged to the office).
bool review_due_within(const article& a, civil_date today, int days);
bool review_overdue(const article& a, civil_date today);

} // namespace hotline::routing::kb
