#pragma once
// Tamper evidence of the archive (issue 14, M-SV-3: a true, complete
// archive). Each ticket's events form a hash chain: the chain starts from
// SHA-256("hotline-chain-v1|" + ticket number), so a chain cannot be moved
// to another ticket, and each event's hash is SHA-256(previous hash ‖ the
// event's stored bytes). Each day's archived closed tickets form a Merkle
// tree over their last hashes, ordered by ticket number; its root is kept
// in a table of its own. Hashes are 32 raw bytes; `hex` prints them.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/crypto/crypto.hpp"

namespace hotline::archive {

/// The hash before ticket `no`'s first event.
std::string chain_start(std::string_view ticket_no);
/// The hash of an event with stored bytes `event` after `previous`.
std::string chain_next(std::string_view previous, std::string_view event);
/// The hash of every event of ticket `no`, in order.
std::vector<std::string> chain_of(std::string_view ticket_no,
                                  const std::vector<std::string>& events);

/// The Merkle root of a day's tickets, given as (ticket number, last hash)
/// in any order: leaves SHA-256(0x00 ‖ no ‖ 0x00 ‖ hash) sorted by number,
/// inner nodes SHA-256(0x01 ‖ left ‖ right), an odd node carried up as it
/// is. The root of no ticket is SHA-256 of the empty string.
std::string merkle_root(std::vector<std::pair<std::string, std::string>> tickets);

/// A day's record of its tickets, kept with its root: "no:hexhash,…"
/// sorted by number, and back (raw hashes; entries that cannot be read are
/// skipped, so the root no longer matches).
std::string format_day_list(std::vector<std::pair<std::string, std::string>> tickets);
std::vector<std::pair<std::string, std::string>> parse_day_list(std::string_view list);

/// Lowercase hex of raw bytes, and back (adapters/crypto).
using crypto::hex;
using crypto::unhex;

} // namespace hotline::archive
