#include "routing/proposal.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

namespace hotline::routing {

namespace {

// Pairs every demand has, which say nothing of its matter.
constexpr std::array<std::string_view, 24> common_pairs{
    "反映", "希望", "问题", "市民", "来电", "诉求", "请求", "处理", "解决", "相关", "部门", "现在",
    "目前", "一直", "没有", "我们", "他们", "要求", "情况", "表示", "称其", "尽快", "帮助", "已经",
};

// The code point starting at `i` and its length in bytes (1 for a stray
// byte, so malformed text is walked past, never misread as CJK).
std::pair<char32_t, std::size_t> next_code_point(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80)
    return {c, 1};
  if ((c & 0xE0) == 0xC0 && i + 1 < s.size())
    return {static_cast<char32_t>((c & 0x1F) << 6 | (b(1) & 0x3F)), 2};
  if ((c & 0xF0) == 0xE0 && i + 2 < s.size())
    return {static_cast<char32_t>((c & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F)), 3};
  if ((c & 0xF8) == 0xF0 && i + 3 < s.size())
    return {static_cast<char32_t>((c & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6
                                  | (b(3) & 0x3F)),
            4};
  return {0xFFFD, 1};
}

bool is_han(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

bool is_ascii_alnum(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// |a ∩ b| / |a ∪ b| of two sorted term lists.
double alike(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty())
    return 0;
  std::size_t both = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      ++both;
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(both) / static_cast<double>(a.size() + b.size() - both);
}

enum class basis { place = 3, township = 2, district = 1 };

bool neighbours(const evidence& q, const evidence& e, basis level) {
  switch (level) {
  case basis::place:
    // The same name in another district is another place.
    return !q.place.empty() && e.place == q.place
           && (q.district.empty() || e.district.empty() || q.district == e.district);
  case basis::township:
    return !q.township.empty() && e.township == q.township;
  case basis::district:
    return !q.district.empty() && e.district == q.district;
  }
  return false;
}

} // namespace

std::vector<std::string> content_terms(const std::string& text, std::size_t max_terms) {
  std::vector<std::string> out;
  auto add = [&](std::string term) {
    if (out.size() >= max_terms)
      return;
    if (std::find(common_pairs.begin(), common_pairs.end(), term) != common_pairs.end())
      return;
    if (std::find(out.begin(), out.end(), term) == out.end())
      out.push_back(std::move(term));
  };
  std::size_t prev_at = 0, prev_len = 0; // the previous Han character, if adjacent
  std::string word;                      // an ascii word being read
  for (std::size_t i = 0; i < text.size();) {
    const auto [c, len] = next_code_point(text, i);
    if (is_han(c)) {
      if (prev_len > 0)
        add(text.substr(prev_at, prev_len + len));
      prev_at = i;
      prev_len = len;
    } else {
      prev_len = 0;
    }
    if (is_ascii_alnum(c)) {
      word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else {
      if (word.size() >= 2)
        add(word);
      word.clear();
    }
    i += len;
  }
  if (word.size() >= 2)
    add(word);
  std::sort(out.begin(), out.end());
  return out;
}

evidence facts_of(const std::string& ticket_no, const registered& intake, const territory& where) {
  evidence e;
  e.ticket_no = ticket_no;
  e.category = intake.category;
  e.district = where.district;
  e.township = where.township;
  e.place = where.place;
  e.terms = content_terms(intake.content);
  return e;
}

std::optional<evidence> decision_in(const ticket_state& before, const event& e) {
  evidence out;
  if (const auto* d = std::get_if<dispatched>(&e);
      d && before.status == ticket_status::coordinating) {
    out.unit_id = d->unit_id;
    out.at = d->at;
    return out;
  }
  if (const auto* r = std::get_if<returned>(&e)) {
    out.unit_id = r->unit_id;
    out.chosen = false;
    out.at = r->at;
    return out;
  }
  return std::nullopt;
}

std::string evidence_key(const evidence& e) {
  return e.chosen ? e.ticket_no : e.ticket_no + "|returned|" + e.unit_id;
}

std::optional<proposal> propose(const evidence& query, const std::vector<evidence>& known,
                                const directory& dir) {
  struct tally {
    int net = 0;
    double alike_sum = 0;
    instant latest = 0;
    std::vector<std::pair<double, const evidence*>> chosen; // (alike, evidence)
  };
  for (basis level : {basis::place, basis::township, basis::district}) {
    std::map<std::string, tally> by_unit;
    for (const auto& e : known) {
      if (e.category != query.category || e.ticket_no == query.ticket_no
          || !neighbours(query, e, level) || !dir.find_unit(e.unit_id))
        continue;
      auto& t = by_unit[e.unit_id];
      if (!e.chosen) {
        --t.net; // M-RT-4: it returned a neighbour
        continue;
      }
      const double a = alike(query.terms, e.terms);
      ++t.net;
      t.alike_sum += a;
      t.latest = std::max(t.latest, e.at);
      t.chosen.emplace_back(a, &e);
    }
    const std::pair<const std::string, tally>* best = nullptr;
    for (const auto& entry : by_unit) {
      const auto& t = entry.second;
      if (t.net <= 0)
        continue;
      if (!best || t.net > best->second.net
          || (t.net == best->second.net
              && (t.alike_sum > best->second.alike_sum
                  || (t.alike_sum == best->second.alike_sum && t.latest > best->second.latest))))
        best = &entry;
    }
    if (!best)
      continue;
    auto examples = best->second.chosen;
    std::sort(examples.begin(), examples.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first)
        return a.first > b.first;
      return a.second->at > b.second->at;
    });
    proposal p;
    p.unit_id = best->first;
    p.support = best->second.net;
    for (std::size_t i = 0; i < examples.size() && i < 3; ++i)
      p.examples.push_back(examples[i].second->ticket_no);
    const unit* u = dir.find_unit(p.unit_id);
    std::string where;
    switch (level) {
    case basis::place:
      p.basis = "place";
      where = "“" + query.place + "”";
      break;
    case basis::township:
      p.basis = "township";
      where = dir.find_unit(query.township) ? dir.find_unit(query.township)->name : query.township;
      break;
    case basis::district:
      p.basis = "district";
      where = dir.find_unit(query.district) ? dir.find_unit(query.district)->name : query.district;
      break;
    }
    p.reason = where + "的同类诉求，热线协调指定" + u->name + "净" + std::to_string(p.support)
               + "次（指定减退单，M-RT-2、M-RT-4）；仅供参考，不自动派单";
    return p;
  }
  return std::nullopt;
}

} // namespace hotline::routing
