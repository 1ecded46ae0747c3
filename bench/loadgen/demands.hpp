#pragma once
// Realistic demands for the load generator: every township/street of
// config/chongqing/townships.csv (under its district of districts.csv) and
// every category that the router assigns on its own (GET /api/v1/categories
// without `coordination`), with a kind the category takes, a Chinese
// content and a caller. Each demand has its own request id and phone, so
// none is linked to another as a repeat (M-S-2) and each opens a ticket.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace bench {

struct township {
  std::string code, name, district_name;
};

struct category {
  std::string code, name;
  std::vector<std::string> kinds;
};

// Splits one line of the config's simple CSV (quoted fields hold no comma).
inline std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r')
      cur += c;
  }
  out.push_back(cur);
  return out;
}

inline std::vector<township> load_townships(const std::string& config_dir) {
  std::unordered_map<std::string, std::string> districts;
  std::ifstream d(config_dir + "/districts.csv");
  if (!d)
    throw std::runtime_error("cannot read " + config_dir + "/districts.csv");
  std::string line;
  std::getline(d, line); // header: code,name,…
  while (std::getline(d, line)) {
    auto f = csv_fields(line);
    if (f.size() >= 2)
      districts[f[0]] = f[1];
  }
  std::vector<township> out;
  std::ifstream t(config_dir + "/townships.csv");
  if (!t)
    throw std::runtime_error("cannot read " + config_dir + "/townships.csv");
  std::getline(t, line); // header: code,name,areaCode,…
  while (std::getline(t, line)) {
    auto f = csv_fields(line);
    if (f.size() < 3 || !districts.count(f[2]))
      continue;
    out.push_back({f[0], f[1], districts[f[2]]});
  }
  if (out.empty())
    throw std::runtime_error("no townships in " + config_dir);
  return out;
}

// The categories of GET /api/v1/categories that are routed without the
// office (no `coordination`): a lifecycle needs an assigned unit.
inline std::vector<category> routable_categories(const nlohmann::json& body) {
  std::vector<category> out;
  for (const auto& c : body.at("categories")) {
    if (c.contains("coordination"))
      continue;
    category x{c.at("code").get<std::string>(), c.at("name").get<std::string>(), {}};
    for (const auto& k : c.at("kinds"))
      x.kinds.push_back(k.get<std::string>());
    if (!x.kinds.empty())
      out.push_back(std::move(x));
  }
  if (out.empty())
    throw std::runtime_error("no routable category");
  return out;
}

// The routable categories whose first competent unit is the township of
// the place: a demand of one of them goes to the township it names, so the
// push and webhook modes can send every demand to a unit they listen to.
inline std::vector<category> township_categories(const nlohmann::json& body) {
  std::vector<category> out;
  auto all = routable_categories(body);
  for (const auto& c : body.at("categories")) {
    const auto& comp = c.value("competent_unit_kinds", nlohmann::json::array());
    if (comp.empty() || !comp[0].is_object() || comp[0].value("kind", "") != "township")
      continue;
    for (auto& x : all)
      if (x.code == c.at("code").get<std::string>())
        out.push_back(x);
  }
  if (out.empty())
    throw std::runtime_error("no category routed to the township first");
  return out;
}

class demand_maker {
 public:
  /// `run` (1-99) tells this run's request ids and phones from other runs
  /// on the same Redis: each run of the generator needs its own.
  demand_maker(std::vector<township> ts, std::vector<category> cs, std::uint64_t run)
      : towns_(std::move(ts)), cats_(std::move(cs)), rng_(run), run_(run % 100) {}

  std::size_t townships() const { return towns_.size(); }
  std::size_t categories() const { return cats_.size(); }

  /// The n-th demand of this run, as the JSON body of POST /api/v1/demands.
  nlohmann::json make(std::uint64_t n) {
    static const char* channels[]
        = {"phone", "phone", "phone", "web", "app", "wechat", "integrator"};
    static const char* surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                     "徐", "孙", "马", "朱", "胡", "郭", "何", "罗", "谭", "冉"};
    static const char* given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",   "军",   "洋",
                                  "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂兰", "建华"};
    static const char* roads[] = {"人民路", "解放路",   "中山路", "新华路", "建设路", "民生路",
                                  "滨江路", "学府大道", "正街",   "长江路", "嘉陵路", "朝阳路"};
    static const char* complaints[]
        = {"反映%s%s%d号附近%s问题，已持续一周，影响周边居民正常生活，请相关部门尽快核实处理。",
           "%s%s%d号一带%s，多次向物业和社区反映未果，希望有关部门到现场查看并给予答复。",
           "来电人称%s%s%d号%s，情况比较急，希望尽快安排人员处理并回复处理结果。",
           "市民反映：%s%s%d号周边存在%s问题，夜间尤为严重，请求依法依规处理。"};
    const auto& t = towns_[pick(towns_.size())];
    const auto& c = cats_[pick(cats_.size())];
    const auto& kind = c.kinds[pick(c.kinds.size())];
    const int number = 1 + static_cast<int>(pick(399));
    const char* road = roads[pick(std::size(roads))];
    char content[1024];
    std::snprintf(content, sizeof content, complaints[pick(std::size(complaints))], t.name.c_str(),
                  road, number, c.name.c_str());
    // A phone per demand: 1 + 2 digits of the run + 8 digits of n.
    char phone[32];
    std::snprintf(phone, sizeof phone, "1%02u-%04u-%04u", static_cast<unsigned>(run_ % 100),
                  static_cast<unsigned>((n / 10000) % 10000), static_cast<unsigned>(n % 10000));
    std::string name
        = std::string(surnames[pick(std::size(surnames))]) + given[pick(std::size(given))];
    nlohmann::json d = {{"request_id", "bench-" + std::to_string(run_) + "-" + std::to_string(n)},
                        {"channel", channels[pick(std::size(channels))]},
                        {"caller", {{"name", name}, {"phone", phone}}},
                        {"kind", kind},
                        {"category", c.code},
                        {"content", content},
                        {"location",
                         {{"address", "重庆市" + t.district_name + t.name + road
                                          + std::to_string(number) + "号"}}}};
    return d;
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  std::vector<township> towns_;
  std::vector<category> cats_;
  std::mt19937_64 rng_;
  std::uint64_t run_;
};

} // namespace bench
