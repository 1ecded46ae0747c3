#include "routing/privacy.hpp"

#include <algorithm>

namespace hotline::routing {
namespace {

/// Length in bytes of the valid UTF-8 sequence starting at `s[i]`, or 0 if
/// the bytes there do not form one (RFC 3629, Table 3-7 of Unicode).
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return k < s.size() && at(k) >= lo && at(k) <= hi;
  };
  const unsigned char b = at(i);
  if (b < 0x80)
    return 1;
  if (b >= 0xc2 && b <= 0xdf)
    return cont(i + 1) ? 2 : 0;
  if (b == 0xe0)
    return cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0; // no overlongs
  if (b == 0xed)
    return cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0; // no surrogates
  if (b >= 0xe1 && b <= 0xef)
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (b == 0xf0)
    return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0; // no overlongs
  if (b >= 0xf1 && b <= 0xf3)
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (b == 0xf4)
    return cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0; // <= U+10FFFF
  return 0; // stray continuation byte, C0/C1, F5..FF
}

/// One step of a walk over `s`: a valid code point, or a single invalid byte.
struct step {
  std::size_t size;
  bool valid;
};

step next(std::string_view s, std::size_t i) {
  const std::size_t n = sequence_length(s, i);
  return n == 0 ? step{1, false} : step{n, true};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::string mask_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const step st = next(name, i);
    // A one-character name would be shown whole: mask it too.
    if (i == 0 && st.valid && st.size < name.size()) {
      out.append(name.substr(0, st.size));
    } else {
      out.push_back('*');
    }
    i += st.size;
  }
  return out;
}

std::string mask_phone(std::string_view phone) {
  const std::size_t n = utf8_length(phone);
  // Code points [0, keep_head) and [n - keep_tail, n) are shown; never half
  // or more of a number shorter than a mobile one (a local landline of 8
  // digits keeps only its last 3).
  const std::size_t keep_head = n >= 11 ? 3 : 0;
  const std::size_t keep_tail = n >= 11 ? 4 : n >= 8 ? 3 : std::min<std::size_t>(2, n / 2);
  std::string out;
  out.reserve(phone.size());
  std::size_t index = 0;
  for (std::size_t i = 0; i < phone.size(); ++index) {
    const step st = next(phone, i);
    const bool shown = index < keep_head || index >= n - keep_tail;
    if (shown && st.valid) {
      out.append(phone.substr(i, st.size));
    } else {
      out.push_back('*');
    }
    i += st.size;
  }
  return out;
}

std::optional<std::string> normalize_phone(std::string_view phone) {
  const auto first = phone.find_first_not_of(' ');
  if (first == std::string_view::npos)
    return std::nullopt;
  phone = phone.substr(first, phone.find_last_not_of(' ') - first + 1);

  std::string out;
  std::size_t i = 0;
  if (phone[0] == '+') {
    out.push_back('+');
    i = 1;
  }
  // Must start and end on a digit; separators only between digits.
  if (i >= phone.size() || !is_digit(phone[i]) || !is_digit(phone.back()))
    return std::nullopt;
  std::size_t digits = 0;
  for (; i < phone.size(); ++i) {
    const char c = phone[i];
    if (is_digit(c)) {
      out.push_back(c);
      if (++digits > 20)
        return std::nullopt;
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  if (digits < 5)
    return std::nullopt;
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); i += next(s, i).size)
    ++count;
  return count;
}

} // namespace hotline::routing
