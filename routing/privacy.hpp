#pragma once
// Masking of caller data (name, phone) for views, and the UTF-8 checks it
// rests on. Caller data is encrypted at rest and never logged; whatever a
// view shows of it goes through these functions first. Pure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::routing {

/// Returns `name` with its first code point kept and every following code
/// point replaced by one '*': 张三 -> 张*, 欧阳娜娜 -> 欧***, "Li Lei" -> L*****;
/// empty stays empty. Invalid UTF-8 bytes count as one code point each and
/// are never copied (an invalid first byte becomes '*' too), so the result is
/// always valid UTF-8.
std::string mask_name(std::string_view name);

/// Returns `phone` with its first 3 and last 4 characters kept and '*' for
/// each character between: 13812345678 -> 138****5678, 023-63891234 ->
/// 023*****1234. Strings of 7 characters or fewer keep only their last 2
/// (1234567 -> *****67). Characters are code points; invalid UTF-8 bytes are
/// masked like any other character and never copied.
std::string mask_phone(std::string_view phone);

/// Validates a phone number as a caller gave it: ASCII digits, an optional
/// leading '+' directly before the first digit, and spaces or '-' between
/// digits as separators; 5 to 20 digits; surrounding spaces are ignored.
/// Full-width digits (１３８) and other characters are rejected. Returns the number with the
/// separators removed ("+86 138-1234-5678" -> "+8613812345678"), or nullopt.
std::optional<std::string> normalize_phone(std::string_view phone);

/// True if `s` is valid UTF-8: shortest-form sequences only (no overlongs),
/// no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
/// sequences.
bool valid_utf8(std::string_view s);

/// Returns the number of code points in `s`. Meant for valid UTF-8; each
/// byte of an invalid sequence counts as one code point.
std::size_t utf8_length(std::string_view s);

} // namespace hotline::routing
