#include "adapters/knowledge/snippet.hpp"

#include <algorithm>
#include <cctype>

#include "adapters/text/html.hpp"

namespace hotline::knowledge {

namespace {

std::size_t code_point_length(unsigned char c) {
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0)
    return 2;
  if ((c & 0xF0) == 0xE0)
    return 3;
  if ((c & 0xF8) == 0xF0)
    return 4;
  return 1; // a stray byte: one
}

bool matches_at(const std::string& text, std::size_t at, const std::string& term) {
  if (at + term.size() > text.size())
    return false;
  for (std::size_t k = 0; k < term.size(); ++k) {
    const auto c = static_cast<unsigned char>(text[at + k]);
    const char lower = c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c);
    if (lower != term[k])
      return false;
  }
  return true;
}

} // namespace

std::string snippet(const std::string& text, const std::vector<std::string>& terms,
                    std::size_t width) {
  std::vector<std::size_t> starts; // byte offset of each character
  for (std::size_t i = 0; i < text.size(); i += code_point_length(text[i]))
    starts.push_back(i);
  starts.push_back(text.size());
  const std::size_t n = starts.size() - 1;
  std::vector<char> marked(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& t : terms)
      if (!t.empty() && matches_at(text, starts[i], t)) {
        for (std::size_t j = i; j < n && starts[j] < starts[i] + t.size(); ++j)
          marked[j] = 1;
      }
  // The window of `width` characters holding the most marked ones.
  const std::size_t w = std::min(width, n);
  std::size_t best = 0, count = 0, best_count = 0;
  for (std::size_t i = 0; i < w; ++i)
    count += static_cast<std::size_t>(marked[i]);
  best_count = count;
  for (std::size_t i = w; i < n; ++i) {
    count += static_cast<std::size_t>(marked[i]);
    count -= static_cast<std::size_t>(marked[i - w]);
    if (count > best_count) {
      best_count = count;
      best = i - w + 1;
    }
  }
  // Centred on its matches, so that what follows them shows too.
  if (best_count > 0) {
    std::size_t first = best, last = best + w - 1;
    while (!marked[first])
      ++first;
    while (!marked[last])
      --last;
    const std::size_t mid = (first + last) / 2;
    best = std::min(mid > w / 2 ? mid - w / 2 : 0, n - w);
  }
  std::string out;
  if (best > 0)
    out += "…";
  for (std::size_t i = best; i < best + w;) {
    std::size_t j = i;
    while (j < best + w && marked[j] == marked[i])
      ++j;
    if (marked[i])
      out += "<mark>";
    text::html_escape_into(out, std::string_view(text).substr(starts[i], starts[j] - starts[i]));
    if (marked[i])
      out += "</mark>";
    i = j;
  }
  if (best + w < n)
    out += "…";
  return out;
}

} // namespace hotline::knowledge
