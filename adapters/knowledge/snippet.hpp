#pragma once
// The snippet of a search hit (issue 13): the stretch of the text where the
// query's terms stand thickest, HTML-escaped, the terms in <mark>…</mark>.
// Written here rather than with Xapian's MSet::snippet, which marks only
// single characters of a Chinese query and would need them in the query
// itself, where they cost more than the whole search of character pairs.

#include <string>
#include <vector>

namespace hotline::knowledge {

/// `text` cut to about `width` characters around the densest matches of
/// `terms` (character pairs, lower-case ascii words), "…" where cut.
std::string snippet(const std::string& text, const std::vector<std::string>& terms,
                    std::size_t width = 80);

} // namespace hotline::knowledge
