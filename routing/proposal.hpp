#pragma once
// Proposals learned from the office (issue 11; M-RT-2, M-RT-4). Pure.
//
// When the office designates a unit for a ticket the router could not
// place, the choice is evidence: this category, at this place (committee
// or deployment place, township, district), with these key words, went to
// that unit. A return is evidence against the unit that returned it. For a
// ticket waiting in the coordination queue the office is shown the unit it
// chose most often for the ticket's neighbours, with the count and the
// tickets behind it. A proposal is advice: it never dispatches by itself.

#include <optional>
#include <string>
#include <vector>

#include "routing/router.hpp"
#include "routing/ticket.hpp"

namespace hotline::routing {

/// One decision of the office about one ticket.
struct evidence {
  std::string ticket_no;
  std::string unit_id;  // the unit designated as lead, or the unit that returned it
  bool chosen = true;   // false: a return (M-RT-4), evidence against unit_id
  std::string category; // the ticket's category
  std::string district, township, place; // where, as the router found it
  std::vector<std::string> terms;        // content_terms of the demand
  instant at = 0;
};

/// The key words of a demand's content: its pairs of adjacent Chinese
/// characters (Chinese has no spaces; bigrams are the common index unit)
/// and its ascii words, without those every demand has (反映, 希望, 问题…),
/// sorted and unique, at most `max_terms` (the first ones of the text).
std::vector<std::string> content_terms(const std::string& text, std::size_t max_terms = 64);

/// What a ticket's facts are for learning and proposing: its category,
/// where the router finds it (`where` = router::locate of its intake) and
/// its content's terms. `unit_id` is left empty.
evidence facts_of(const std::string& ticket_no, const registered& intake, const territory& where);

/// The office's decision that event `e` is, applied to a ticket in state
/// `before`: a designation of a ticket that waited for the office (M-RT-2)
/// names the unit chosen; a return (M-RT-4) the unit that returned it;
/// nullopt for every other step. Only unit_id, chosen and at are set: the
/// caller adds the ticket's facts (facts_of, which looks up the place) when
/// there are any. Called by the append's own walk over its events.
std::optional<evidence> decision_in(const ticket_state& before, const event& e);

/// Where a ticket's stored evidence is kept, one entry per ticket and
/// unit: a later designation of the same ticket replaces the earlier one.
std::string evidence_key(const evidence& e);

struct proposal {
  std::string unit_id;
  /// How many neighbours the office gave this unit, less those this unit
  /// returned (always at least 1).
  int support = 0;
  /// The neighbours' ticket numbers behind it, the most alike first (≤ 3).
  std::vector<std::string> examples;
  /// What made them neighbours: "place", "township" or "district".
  std::string basis;
  std::string reason; // Chinese, for the office
};

/// The unit the office chose most often for neighbours of `query` (same
/// category; the same committee or place, else the same township, else the
/// same district), or nullopt when the office has not decided any. Ties go
/// to the unit whose tickets are more alike in content, then the latest.
std::optional<proposal> propose(const evidence& query, const std::vector<evidence>& known,
                                const directory& dir);

} // namespace hotline::routing
