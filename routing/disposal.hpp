#pragma once
// Immediate disposal of a demand (M-C-1): a ticket, or at once a direct
// answer, a call transfer, a three-way call, or a refusal on a configured
// basis (M-S-2, M-S-3). Pure.

#include <optional>
#include <string>
#include <string_view>

namespace hotline::routing {

enum class disposal_kind { ticket, direct_answer, call_transfer, three_way_call, refusal };
std::string_view to_string(disposal_kind k);
std::optional<disposal_kind> parse_disposal_kind(std::string_view s);
std::string_view label_zh(disposal_kind k);

/// A configured ground for not accepting a demand (M-S-2) and, where one
/// exists, the body the caller is referred to (M-S-3).
struct refusal_rule {
  std::string code;  // "litigation"
  std::string basis; // the ground, told to the caller (Chinese)
  std::string rule;  // "M-S-2"
  std::string referral_name;
  std::string referral_contact;
};

/// How a demand was disposed of at intake when not as a ticket.
struct disposal {
  disposal_kind kind = disposal_kind::ticket;
  std::string answer; // direct_answer: the answer given
  std::string target; // call_transfer / three_way_call: to whom
  std::optional<refusal_rule> refusal;
  /// direct_answer: the knowledge-base article the answer rests on
  /// (issue 13, M-KB-3 use counts; M-C-1), "" / 0 for none.
  std::string article_id = {};
  int article_version = 0;
};

} // namespace hotline::routing
