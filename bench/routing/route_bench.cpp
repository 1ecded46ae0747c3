// The routing benchmark (issue 11, item 5): labelled demand addresses made
// from the gazetteer (config/chongqing: communities.csv, townships.csv),
// routed by the real router (no service, no Redis), and what came of them:
//   route_accuracy  right township ÷ dispatched        (unambiguous sets)
//   route_coverage  dispatched ÷ demands               (unambiguous sets)
//   route_wrong     dispatched to a wrong unit ÷ demands (unambiguous sets)
//   ambiguous_guessed  names in several places, no clue, yet dispatched
//   route_us_per_demand  the router's time per demand (one thread)
// and the same, prefixed baseline_, for a router without the gazetteer (the
// config copied without communities.csv), measured in the same run;
// route_us_vs_baseline is the ratio of the two times.
// Output: one key=value line each, per set and overall (bench/run reads them).
//
// Usage: route_bench --config DIR [--per-set N] [--seed S] [--show-wrong K]
//        route_bench --config DIR --explain ADDRESS

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "adapters/config/loader.hpp"
#include "routing/router.hpp"

namespace r = hotline::routing;

namespace {

struct labelled {
  std::string address;
  std::string township; // the right answer; "" when only coordination is right
};

struct tally {
  std::size_t n = 0, right = 0, wrong = 0, coordination = 0;
};

std::string short_name(const std::string& name) {
  return r::community_short_name(name);
}

std::string stem(const std::string& township) {
  for (std::string suffix : {"街道", "镇", "乡"})
    if (township.size() > suffix.size() + 5
        && township.compare(township.size() - suffix.size(), suffix.size(), suffix) == 0)
      return township.substr(0, township.size() - suffix.size());
  return township;
}

} // namespace

int main(int argc, char** argv) {
  std::string config;
  std::size_t per_set = 1000;
  unsigned seed = 20261130;
  int show_wrong = 0;  // print this many wrong routes with their reasons
  std::string explain; // route this one address and say why
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--config")
      config = argv[i + 1];
    else if (a == "--per-set")
      per_set = std::stoul(argv[i + 1]);
    else if (a == "--explain")
      explain = argv[i + 1];
    else if (a == "--show-wrong")
      show_wrong = std::stoi(argv[i + 1]);
    else if (a == "--seed")
      seed = static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  if (config.empty()) {
    std::cerr << "usage: route_bench --config DIR [--per-set N] [--seed S]\n";
    return 2;
  }
  const auto cfg = hotline::config::load(config);
  const auto& dir = cfg.directory;
  const r::router router(dir);
  if (!explain.empty()) {
    // One address, with the territory's reasons.
    r::location where;
    where.address = explain;
    const auto t = router.locate(where);
    std::cout << "district=" << t.district << " township=" << t.township << "\n";
    for (const auto& why : t.reasons)
      std::cout << why.rule << " " << why.text << "\n";
    return 0;
  }
  std::string category;
  for (const auto& c : dir.categories())
    if (!c.competent.empty() && c.coordination.empty()
        && c.competent.front().kind == r::unit_kind::township
        && std::count(c.kinds.begin(), c.kinds.end(), r::demand_kind::complaint)) {
      category = c.code;
      break;
    }
  // Where each short name lies: in how many townships, overall and per district.
  std::map<std::string, std::set<std::string>> towns;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> towns_in_district;
  for (const auto& c : dir.places()) {
    towns[short_name(c.name)].insert(c.township);
    towns_in_district[{c.district, short_name(c.name)}].insert(c.township);
  }
  std::vector<const r::place*> places;
  for (const auto& c : dir.places())
    places.push_back(&c);
  std::vector<const r::unit*> townships;
  for (const auto& u : dir.units())
    if (u.kind == r::unit_kind::township)
      townships.push_back(&u);
  std::mt19937 rng(seed);
  std::shuffle(places.begin(), places.end(), rng);
  std::shuffle(townships.begin(), townships.end(), rng);
  // Made-up roads that are in no unit's or community's name, so that the
  // answer stays known (a real 中山路 may also be 中山路街道's stem).
  std::vector<std::string> roads;
  for (std::string road :
       {"人民路", "建设路", "解放路", "新华路", "中山路", "滨江路", "和平路", "胜利路", "幸福大道",
        "朝晖巷", "青松路", "星光大道", "锦绣路", "翠柳巷"}) {
    const std::string stem = road.substr(0, road.size() - 3);
    bool clash = false;
    for (const auto& u : dir.units())
      clash = clash || u.name.find(stem) != std::string::npos;
    for (const auto& c : dir.places())
      clash = clash || c.name.find(stem) != std::string::npos;
    if (!clash)
      roads.push_back(road);
  }
  if (roads.empty())
    roads.push_back("一环路");
  auto road
      = [&](std::size_t i) { return roads[i % roads.size()] + std::to_string(i % 300 + 1) + "号"; };
  auto district_name = [&](const std::string& code) { return dir.find_unit(code)->name; };

  std::map<std::string, std::vector<labelled>> sets;
  for (std::size_t i = 0; i < places.size(); ++i) {
    const auto& c = *places[i];
    const auto name = short_name(c.name);
    const bool unique = towns[name].size() == 1;
    const bool unique_in_district = towns_in_district[{c.district, name}].size() == 1;
    auto& alone = sets[unique ? "community" : "ambiguous_no_clue"];
    if (alone.size() < per_set)
      alone.push_back({"重庆市" + name + std::to_string(i % 20 + 1) + "组",
                       unique ? c.township : std::string()});
    if (!unique && unique_in_district && sets["ambiguous_with_district"].size() < per_set)
      sets["ambiguous_with_district"].push_back(
          {district_name(c.district) + name + std::to_string(i % 20 + 1) + "组", c.township});
    if (unique_in_district && sets["community_district"].size() < per_set)
      sets["community_district"].push_back(
          {district_name(c.district) + name + road(i), c.township});
  }
  for (std::size_t i = 0; i < townships.size() * 3 && sets["township"].size() < per_set; ++i) {
    const auto* t = townships[i % townships.size()];
    sets["township"].push_back({"重庆市" + t->name + road(i), t->id});
  }
  for (std::size_t i = 0; i < townships.size() * 3 && sets["road_style"].size() < per_set; ++i) {
    // "{district}{township stem}{road}": the stem alone, with its district.
    const auto* t = townships[i % townships.size()];
    sets["road_style"].push_back({district_name(t->district) + stem(t->name) + road(i), t->id});
  }

  // The same addresses through a router without the gazetteer (the config
  // copied without communities.csv): the baseline, measured in this run.
  namespace fs = std::filesystem;
  const fs::path bare = fs::temp_directory_path() / ("route-bench-" + std::to_string(::getpid()));
  fs::remove_all(bare);
  fs::copy(config, bare, fs::copy_options::recursive);
  fs::remove(bare / "communities.csv");
  const auto bare_cfg = hotline::config::load(bare);
  fs::remove_all(bare);
  const r::router baseline(bare_cfg.directory);

  auto ratio = [](std::size_t a, std::size_t b) { return b ? double(a) / double(b) : 0.0; };
  struct score {
    std::map<std::string, tally> sets;
    tally unambiguous;
    // Issue 11: dispatched and wrong by confidence level (unambiguous
    // sets): a level is worth its name if wrong routes gather in the low.
    std::map<r::confidence_level, std::pair<std::size_t, std::size_t>> by_level;
    double us_per_demand = 0;
  };
  auto run = [&](const r::router& with, bool report_wrong) {
    score out;
    std::size_t routed = 0;
    const auto began = std::chrono::steady_clock::now();
    for (const auto& [set, demands] : sets) {
      auto& t = out.sets[set];
      for (const auto& d : demands) {
        r::demand_facts f;
        f.kind = r::demand_kind::complaint;
        f.category = category;
        f.where.address = d.address;
        const auto res = with.route(f);
        ++routed;
        ++t.n;
        if (const auto* a = std::get_if<r::assignment>(&res)) {
          if (set != "ambiguous_no_clue") {
            auto& level = out.by_level[a->sure.level];
            ++level.first;
            level.second += a->unit_id != d.township;
          }
          if (a->unit_id == d.township) {
            ++t.right;
          } else {
            ++t.wrong;
            if (report_wrong && show_wrong > 0) {
              --show_wrong;
              std::cerr << "wrong: " << d.address << " → " << dir.find_unit(a->unit_id)->name
                        << " (not " << dir.find_unit(d.township)->name << ")\n";
              for (const auto& why : a->reasons)
                std::cerr << "  " << why.rule << " " << why.text << "\n";
            }
          }
        } else {
          ++t.coordination;
        }
      }
      if (set != "ambiguous_no_clue") {
        out.unambiguous.n += t.n;
        out.unambiguous.right += t.right;
        out.unambiguous.wrong += t.wrong;
        out.unambiguous.coordination += t.coordination;
      }
    }
    out.us_per_demand
        = routed
              ? std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - began)
                        .count()
                    / double(routed)
              : 0.0;
    return out;
  };
  const auto base = run(baseline, false);
  const auto now = run(router, true);
  auto print = [&](const char* prefix, const score& sc) {
    const auto& u = sc.unambiguous;
    for (const auto& [set, t] : sc.sets)
      std::printf("%sset_%s=n:%zu right:%zu wrong:%zu coordination:%zu\n", prefix, set.c_str(), t.n,
                  t.right, t.wrong, t.coordination);
    std::printf("%sroute_accuracy=%.4f\n", prefix, ratio(u.right, u.right + u.wrong));
    std::printf("%sroute_coverage=%.4f\n", prefix, ratio(u.right + u.wrong, u.n));
    std::printf("%sroute_wrong=%.4f\n", prefix, ratio(u.wrong, u.n));
    const auto& amb = sc.sets.at("ambiguous_no_clue");
    std::printf("%sambiguous_guessed=%zu\n", prefix, amb.right + amb.wrong);
    for (auto level :
         {r::confidence_level::high, r::confidence_level::medium, r::confidence_level::low}) {
      const auto i = sc.by_level.find(level);
      const auto [n, wrong]
          = i == sc.by_level.end() ? std::pair<std::size_t, std::size_t>{0, 0} : i->second;
      std::printf("%sconfidence_%s=dispatched:%zu wrong:%zu wrong_share:%.4f\n", prefix,
                  std::string(r::to_string(level)).c_str(), n, wrong, ratio(wrong, n));
    }
    std::printf("%sroute_us_per_demand=%.2f\n", prefix, sc.us_per_demand);
  };
  print("baseline_", base);
  print("", now);
  std::printf("route_us_vs_baseline=%.2f\n",
              base.us_per_demand > 0 ? now.us_per_demand / base.us_per_demand : 0.0);
  return 0;
}
