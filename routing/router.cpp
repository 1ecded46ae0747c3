#include "routing/router.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "routing/names.hpp"

namespace hotline::routing {

namespace {

constexpr name_table<confidence_level, 3> confidence_levels{{
    {confidence_level::high, "high"},
    {confidence_level::medium, "medium"},
    {confidence_level::low, "low"},
}};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size()
         && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A stem must keep at least two CJK characters (6 UTF-8 bytes), so that a
// name like 龙山镇 does not match every address containing 龙山.
std::optional<std::string> stem_of(const std::string& name,
                                   std::initializer_list<std::string_view> suffixes) {
  for (auto suffix : suffixes)
    if (ends_with(name, suffix)) {
      auto stem = name.substr(0, name.size() - suffix.size());
      if (stem.size() >= 6)
        return stem;
    }
  return std::nullopt;
}

std::string coords_text(point p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.4f, %.4f)", p.lon, p.lat);
  return buf;
}

} // namespace

std::string_view to_string(confidence_level l) {
  return name_of(confidence_levels, l);
}

std::optional<confidence_level> parse_confidence_level(std::string_view s) {
  return parse_of(confidence_levels, s);
}

std::string community_short_name(const std::string& official) {
  struct rule {
    std::string_view suffix, kind;
  };
  for (const auto& [suffix, kind] : {rule{"村民委员会", "村"}, rule{"居民委员会", "社区"},
                                     rule{"工作站", "社区"}, rule{"委员会", ""}})
    if (ends_with(official, suffix) && official.size() > suffix.size()) {
      std::string rest = official.substr(0, official.size() - suffix.size());
      if (kind.empty() || ends_with(rest, "村") || ends_with(rest, "社区"))
        return rest;
      return rest + std::string(kind);
    }
  return official;
}

router::router(const directory& dir) : dir_(dir) {
  // Issue 11: a community or village by its short name (领事巷社区, 太白村),
  // and from three characters on by its stem too (领事巷); a deployment's
  // own places by their names.
  const auto& places = dir.places();
  for (std::size_t i = 0; i < places.size(); ++i) {
    if (places[i].kind != place_kind::committee) {
      place_names_.add({places[i].name, std::to_string(i), false});
      continue;
    }
    const std::string short_name = community_short_name(places[i].name);
    place_names_.add({short_name, std::to_string(i), false});
    for (std::string_view suffix : {"社区", "村"})
      if (ends_with(short_name, suffix) && short_name.size() - suffix.size() >= 9)
        place_names_.add(
            {short_name.substr(0, short_name.size() - suffix.size()), std::to_string(i), true});
  }
  for (const auto& u : dir.units()) {
    if (u.kind == unit_kind::district_government) {
      district_names_.add({u.name, u.id, false});
      if (auto s = stem_of(u.name, {"自治县", "区", "县"}))
        district_names_.add({*s, u.id, true});
    } else if (u.kind == unit_kind::township) {
      township_names_.add({u.name, u.id, false});
      if (auto s = stem_of(u.name, {"街道", "镇", "乡"}))
        township_names_.add({*s, u.id, true});
    }
  }
}

namespace {

std::uint32_t prefix_of(const char* p) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(p[0]))
         | static_cast<std::uint32_t>(static_cast<unsigned char>(p[1])) << 8
         | static_cast<std::uint32_t>(static_cast<unsigned char>(p[2])) << 16;
}

} // namespace

void router::name_table::add(name_entry e) {
  const std::size_t i = entries.size();
  if (e.name.size() >= 3)
    by_prefix[prefix_of(e.name.data())].push_back(i);
  else
    short_names.push_back(i);
  entries.push_back(std::move(e));
}

std::vector<std::size_t> router::name_table::occurring(const std::string& text) const {
  std::vector<std::size_t> out;
  for (std::size_t pos = 0; pos + 3 <= text.size(); ++pos) {
    auto i = by_prefix.find(prefix_of(text.data() + pos));
    if (i == by_prefix.end())
      continue;
    for (auto k : i->second)
      if (text.compare(pos, entries[k].name.size(), entries[k].name) == 0)
        out.push_back(k);
  }
  for (auto k : short_names)
    if (text.find(entries[k].name) != std::string::npos)
      out.push_back(k);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

struct name_hit {
  std::string unit_id;
  std::string name;
  bool stem;
};

// Best matches of `names` in `text`, restricted to units accepted by `keep`:
// full names before stems, longer before shorter; all ties returned.
template <class Table, class Keep>
std::vector<name_hit> best_hits(const std::string& text, const Table& names, Keep keep) {
  std::vector<name_hit> hits;
  for (auto k : names.occurring(text)) {
    const auto& e = names.entries[k];
    if (keep(e.unit_id))
      hits.push_back({e.unit_id, e.name, e.stem});
  }
  if (hits.empty())
    return hits;
  auto better = [](const name_hit& a, const name_hit& b) {
    if (a.stem != b.stem)
      return !a.stem;
    return a.name.size() > b.name.size();
  };
  std::sort(hits.begin(), hits.end(), better);
  std::vector<name_hit> best;
  std::set<std::string> seen;
  for (const auto& h : hits) {
    if (!best.empty() && better(best.front(), h))
      break;
    if (seen.insert(h.unit_id).second)
      best.push_back(h);
  }
  return best;
}

} // namespace

// `text` with every full name of `tables` that occurs in it replaced by
// spaces, longest first (土桥正街社区 goes whole, not as 土桥 + 正街社区),
// except inside a full name of `keep` (跃进村 stays in 跃进村街道). With a
// `district`, places of other districts are no names here (a village 跃进村
// elsewhere does not hide 大渡口区's street 跃进村).
std::string router::blanked(const std::string& text,
                            std::initializer_list<const name_table*> tables, const name_table* keep,
                            const std::string& district) const {
  std::vector<std::pair<std::size_t, std::size_t>> kept; // [from, to) ranges
  if (keep)
    for (auto k : keep->occurring(text))
      if (!keep->entries[k].stem)
        for (auto pos = text.find(keep->entries[k].name); pos != std::string::npos;
             pos = text.find(keep->entries[k].name, pos + 1))
          kept.emplace_back(pos, pos + keep->entries[k].name.size());
  std::vector<const std::string*> names;
  for (const auto* table : tables)
    for (auto k : table->occurring(text))
      if (!table->entries[k].stem
          && (district.empty() || table != &place_names_
              || dir_.places()[std::stoul(table->entries[k].unit_id)].district == district))
        names.push_back(&table->entries[k].name);
  std::stable_sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) {
    return a->size() > b->size();
  });
  std::string out = text;
  for (const auto* name : names)
    for (auto pos = out.find(*name); pos != std::string::npos; pos = out.find(*name, pos + 1)) {
      const bool inside = std::any_of(kept.begin(), kept.end(), [&](const auto& r) {
        return pos >= r.first && pos + name->size() <= r.second;
      });
      if (!inside)
        out.replace(pos, name->size(), name->size(), ' ');
    }
  return out;
}

territory router::locate(const location& where) const {
  territory t;
  using lvl = confidence_level;
  // 1. Coordinates: point in the district outlines.
  std::string coord_district;
  bool near_border = false;
  if (where.coords) {
    for (const auto& s : dir_.shapes())
      if (contains(s.area, *where.coords)) {
        coord_district = s.code;
        near_border = distance_to_border(s.area, *where.coords) < border_uncertainty_degrees;
        break;
      }
    if (!coord_district.empty()) {
      const unit* d = dir_.find_unit(coord_district);
      t.reasons.push_back({"M-RT-1", "坐标" + coords_text(*where.coords) + "位于" + d->name
                                         + (near_border ? "（靠近简化边界，置信度低）" : "")});
    } else {
      t.reasons.push_back({"M-RT-1", "坐标" + coords_text(*where.coords) + "不在任何区县范围内"});
    }
  }
  // 2. District named in the address text. Township names are blanked out
  // first: 江北街道 (in 涪陵区) must not read as 江北区, nor 巫山镇 (in 开州区)
  // as 巫山县.
  // (Only names found in the address can be found once parts of it are
  // blanked: spaces make no new name.)
  // Places likewise (长寿村 is not 长寿区; issue 11).
  const std::string district_text
      = blanked(where.address, {&township_names_, &place_names_}, nullptr);
  auto district_hits
      = best_hits(district_text, district_names_, [](const std::string&) { return true; });
  std::string text_district = district_hits.size() == 1 ? district_hits.front().unit_id : "";
  const auto text_sure = [&]() -> confidence {
    const auto& h = district_hits.front();
    if (h.stem)
      return {lvl::medium, "区县简称“" + h.name + "”"};
    return {lvl::high, "地址中含区县名“" + h.name + "”"};
  };
  if (!coord_district.empty()) {
    t.district = coord_district;
    const std::string pin_name = dir_.find_unit(coord_district)->name;
    if (text_district == coord_district)
      t.district_sure = {lvl::high, "坐标与地址中的区县名相符：" + pin_name};
    else if (text_district.empty())
      t.district_sure = near_border ? confidence{lvl::low, "仅有坐标，且靠近简化边界：" + pin_name}
                                    : confidence{lvl::high, "坐标位于" + pin_name};
    if (!text_district.empty() && text_district != coord_district) {
      const unit* d = dir_.find_unit(text_district);
      if (near_border) {
        t.district = text_district;
        t.district_sure = {lvl::medium, "坐标靠近边界，以地址中的" + d->name + "为准"};
        t.reasons.push_back({"M-RT-1", "坐标靠近边界，以地址中的" + d->name + "为准"});
      } else {
        // M-RT-2: away from any border the two cannot both be right.
        t.spans_districts = true;
        t.reasons.push_back(
            {"M-RT-2", "地址提到" + d->name + "，坐标却在" + pin_name + "：跨区县"});
      }
    }
  } else if (!text_district.empty()) {
    t.district = text_district;
    t.district_sure = text_sure();
    t.reasons.push_back({"M-RT-1", "地址中含区县名“" + district_hits.front().name + "”："
                                       + dir_.find_unit(text_district)->name});
  } else if (district_hits.size() > 1) {
    t.reasons.push_back({"M-RT-2", "地址中的区县名不唯一"});
  }
  // 3. Places named in the address (issue 11): committees, and the roads,
  // estates, landmarks and grid cells of the deployment, within the
  // district if known. Their names are blanked for the township step, so a
  // village named like a township elsewhere (红光村, 红光镇) is not read as it.
  const std::string district = t.district;
  const auto& places = dir_.places();
  auto place_of = [&](const std::string& i) -> const place& { return places[std::stoul(i)]; };
  // (Within a township's own full name a place name is no clue of its own:
  // 太安镇 is not the stem of 太安镇社区, 跃进村街道 not the village 跃进村;
  // but a township's name inside a place's full name is part of that name:
  // 玉溪镇社区 is a community.)
  const auto place_hits = best_hits(
      blanked(where.address, {&township_names_}, &place_names_), place_names_,
      [&](const std::string& i) { return district.empty() || place_of(i).district == district; });

  // District names too: 云阳县 is not 云阳镇's stem followed by 县.
  const std::string township_text
      = blanked(where.address, {&place_names_, &district_names_}, &township_names_, district);
  std::vector<std::string> place_towns; // the townships they lie in, each once
  for (const auto& h : place_hits)
    if (std::find(place_towns.begin(), place_towns.end(), place_of(h.unit_id).township)
        == place_towns.end())
      place_towns.push_back(place_of(h.unit_id).township);
  auto town_label = [&](const std::string& id) {
    const unit* town = dir_.find_unit(id);
    return town->name + "（" + dir_.find_unit(town->district)->name + "）";
  };
  const std::string place_name = place_hits.empty() ? std::string() : place_hits.front().name;
  t.place = place_name;
  const place_kind kind_found
      = place_hits.empty() ? place_kind::committee : place_of(place_hits.front().unit_id).kind;
  const std::string place_label = place_hits.empty()
                                      ? ""
                                      : std::string(label_zh(kind_found))
                                            + (place_hits.front().stem               ? "简称"
                                               : kind_found == place_kind::committee ? "名"
                                                                                     : "");
  // How sure a place alone makes the township: a stem may be a road of the
  // same name, a road may run on into the next township.
  const auto place_sure = [&]() -> confidence {
    if (place_hits.front().stem)
      return {lvl::medium, place_label + "“" + place_name + "”，也可能是同名道路或地名"};
    if (kind_found == place_kind::road)
      return {lvl::medium, "道路“" + place_name + "”可能延伸到相邻乡镇街道"};
    return {lvl::high, place_label + "“" + place_name + "”"};
  };
  // 4. Township/street named in the address text, within the district if known.
  auto township_hits = best_hits(township_text, township_names_, [&](const std::string& id) {
    return district.empty() || dir_.find_unit(id)->district == district;
  });
  // A place settles a choice between townships the text allows.
  if (township_hits.size() > 1 && !place_towns.empty()) {
    std::vector<name_hit> agreeing;
    for (const auto& h : township_hits)
      if (std::find(place_towns.begin(), place_towns.end(), h.unit_id) != place_towns.end())
        agreeing.push_back(h);
    if (agreeing.size() == 1)
      township_hits = agreeing;
  }
  auto set_township = [&](const std::string& id, confidence sure) {
    t.township = id;
    t.township_sure = std::move(sure);
    if (t.district.empty()) {
      t.district = dir_.find_unit(id)->district;
      t.district_sure = t.township_sure;
    }
  };
  if (township_hits.size() == 1) {
    const unit* town = dir_.find_unit(township_hits.front().unit_id);
    const auto& hit = township_hits.front();
    set_township(town->id, hit.stem
                               ? confidence{lvl::medium, "乡镇街道简称“" + hit.name + "”"}
                               : confidence{lvl::high, "地址中含乡镇街道名“" + hit.name + "”"});
    t.reasons.push_back({"M-RT-1", std::string("地址中含")
                                       + (hit.stem ? "乡镇街道简称“" : "乡镇街道名“") + hit.name
                                       + "”：" + town->name});
    if (!place_towns.empty()) {
      if (std::find(place_towns.begin(), place_towns.end(), town->id) != place_towns.end()) {
        t.township_sure = {lvl::high, "乡镇街道与" + place_label + "“" + place_name + "”相符"};
        t.reasons.push_back(
            {"M-RT-1", place_label + "“" + place_name + "”属" + town->name + "，相符"});
      } else if (!place_hits.front().stem) {
        // Two clues that cannot both be right: the office decides. (A
        // stem elsewhere is most likely a road of the same name: ignored.)
        t.township.clear();
        t.township_candidates = place_towns;
        t.township_candidates.push_back(town->id);
        t.reasons.push_back({"M-RT-2", place_label + "“" + place_name + "”不属" + town->name
                                           + "（属" + town_label(place_towns.front())
                                           + "），属地不明"});
      }
    }
  } else if (township_hits.size() > 1) {
    std::string names;
    for (const auto& h : township_hits) {
      if (!names.empty())
        names += "、";
      names += dir_.find_unit(h.unit_id)->name;
    }
    // As with a place in several townships: the office decides (issue 11).
    for (const auto& h : township_hits)
      t.township_candidates.push_back(h.unit_id);
    t.reasons.push_back({"M-RT-1", "地址可对应多个乡镇街道（" + names + "），不指定乡镇街道"});
  } else if (place_towns.size() == 1) {
    set_township(place_towns.front(), place_sure());
    t.reasons.push_back({"M-RT-1", "地址中含" + place_label + "“" + place_name + "”：属"
                                       + town_label(place_towns.front())});
  } else if (place_towns.size() > 1) {
    // 1,514 short names recur; without another clue the router does not
    // guess (M-RT-2): it names the candidates for the office.
    std::string names;
    for (std::size_t i = 0; i < place_towns.size() && i < 8; ++i)
      names += (names.empty() ? "" : "、") + town_label(place_towns[i]);
    if (place_towns.size() > 8)
      names += "等" + std::to_string(place_towns.size()) + "处";
    t.township_candidates = place_towns;
    t.reasons.push_back({"M-RT-2", place_label + "“" + place_name + "”在多处：" + names
                                       + "；无其他线索，属地不明"});
  }
  return t;
}

route_result router::route(const demand_facts& demand) const {
  const category* cat = dir_.find_category(demand.category);
  if (!cat)
    return routing_error{"category", "unknown_category",
                         "unknown category '" + demand.category + "'"};
  if (std::find(cat->kinds.begin(), cat->kinds.end(), demand.kind) == cat->kinds.end())
    return routing_error{"kind", "kind_not_in_category",
                         "category '" + cat->code + "' does not take kind '"
                             + std::string(to_string(demand.kind)) + "'"};
  territory t = locate(demand.where);
  // Issue 11: a township-level matter whose place the clues do not settle.
  const bool township_unsettled = t.township.empty() && !t.township_candidates.empty()
                                  && !cat->competent.empty()
                                  && cat->competent.front().kind == unit_kind::township;
  // M-RT-2: cross-district, overlapping duties or a gap: the office decides.
  if (t.spans_districts || township_unsettled || !cat->coordination.empty()) {
    needs_coordination n;
    n.reasons = std::move(t.reasons);
    if (!cat->coordination.empty())
      n.reasons.push_back({"M-RT-2", "类别“" + cat->name + "”：" + cat->coordination});
    n.reasons.push_back({"M-RT-2", "转热线协调，按职能就近原则指定牵头单位和协同单位"});
    return n;
  }
  const competence* passed_over = nullptr; // a preferred kind the place did not settle
  for (const auto& c : cat->competent) {
    const unit* target = nullptr;
    confidence sure;
    switch (c.kind) {
    case unit_kind::township:
      if (!t.township.empty())
        target = dir_.find_unit(t.township);
      sure = t.township_sure;
      break;
    case unit_kind::district_department:
      if (!t.district.empty())
        target = dir_.district_department(t.district, c.function);
      sure = t.district_sure;
      break;
    case unit_kind::district_government:
      if (!t.district.empty())
        target = dir_.find_unit(t.district);
      sure = t.district_sure;
      break;
    case unit_kind::city_department:
    case unit_kind::enterprise:
    case unit_kind::office:
      target = dir_.find_unit(c.unit_id);
      sure = {confidence_level::high, "全市由同一单位办理，不依赖属地"};
      break;
    }
    if (!target) {
      if (!passed_over)
        passed_over = &c;
      continue;
    }
    // The category prefers another unit that the place did not settle: the
    // next in its order is a fallback, never sure (issue 11).
    if (passed_over && sure.level == confidence_level::high)
      sure = {confidence_level::medium,
              std::string("未能确定") + std::string(label_zh(passed_over->kind)) + "，由后一顺位的"
                  + std::string(label_zh(target->kind)) + "办理"};
    // Issue 11: a category can ask the office to look at what the router
    // is not sure of rather than dispatch it (M-RT-2).
    if (sure.level == confidence_level::low
        && cat->low_confidence == low_confidence_policy::coordinate) {
      needs_coordination n;
      n.reasons = std::move(t.reasons);
      n.reasons.push_back({"M-RT-2", "置信度低（" + sure.reason + "）：类别“" + cat->name
                                         + "”设定低置信度的派单由热线协调"});
      return n;
    }
    assignment a;
    a.unit_id = target->id;
    a.supervisor_id = target->supervisor;
    a.sure = std::move(sure);
    a.reasons = std::move(t.reasons);
    a.reasons.push_back({"M-RT-1", "类别“" + cat->name + "”由" + std::string(label_zh(target->kind))
                                       + "办理：" + target->name});
    if (const unit* sup = dir_.find_unit(target->supervisor))
      a.reasons.push_back({"M-RT-1", "督办单位：" + sup->name});
    return a;
  }
  needs_coordination n;
  n.reasons = std::move(t.reasons);
  n.reasons.push_back(
      {"M-RT-2", "类别“" + cat->name + "”的承办单位需要属地，但属地不明，转热线协调"});
  return n;
}

} // namespace hotline::routing
