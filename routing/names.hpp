#pragma once
// Small shared helpers of the domain: name tables for enumerations (code
// text ↔ value), and the `overloaded` visitor for std::variant.

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace hotline::routing {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

/// The name of `v` in table `t`, "unknown" if absent.
template <class E, std::size_t N>
std::string_view name_of(const name_table<E, N>& t, E v) {
  for (const auto& [k, n] : t)
    if (k == v)
      return n;
  return "unknown";
}

/// The value named `s` in table `t`, nullopt if none.
template <class E, std::size_t N>
std::optional<E> parse_of(const name_table<E, N>& t, std::string_view s) {
  for (const auto& [k, n] : t)
    if (n == s)
      return k;
  return std::nullopt;
}

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

} // namespace hotline::routing
