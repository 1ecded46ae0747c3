// Issue 13: knowledge-base search under load, the index alone (no HTTP, no
// Redis): N synthetic articles of Chinese text built from Chongqing's
// districts and the matters callers ask about, indexed as hotlined indexes
// them (knowledge::index), then S searchers at once, each a stream of
// realistic queries ("公积金怎么提取", "渝中区 户口 迁移"…). A single searcher
// is measured first in the same run, as the baseline of the concurrent one.
//
// Prints key=value lines:
//   kb_articles, kb_index_build_ms, kb_index_rss_bytes_per_article (RSS growth),
//   kb_index_disk_bytes_per_article (the index files)
//   kb_single_p50_ms, kb_single_p99_ms        one searcher
//   kb_search_p50_ms, kb_search_p99_ms        S searchers at once
//   kb_searches_per_s, kb_hits_per_search
//
// Usage: kb_bench --config DIR [--articles N] [--searchers S] [--per-searcher K] [--seed X]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/config/loader.hpp"
#include "adapters/knowledge/index.hpp"

namespace kb = hotline::routing::kb;
using clock_type = std::chrono::steady_clock;

namespace {

const std::vector<std::string> topics{
    "社保",     "医保",       "公积金", "户口",     "身份证",   "居住证",   "驾驶证",   "违章",
    "停水",     "停电",       "燃气",   "物业费",   "入学",     "结婚登记", "营业执照", "个税",
    "低保",     "残疾证",     "养老金", "高龄补贴", "退役军人", "消费投诉", "欠薪",     "劳动仲裁",
    "噪声",     "违建",       "养犬",   "殡葬",     "公交卡",   "挂号",     "疫苗",     "出租车",
    "法律援助", "不动产登记", "失业金", "工伤"};
const std::vector<std::string> actions{"办理", "转移", "提取", "补办", "申请", "查询", "缴费",
                                       "报修", "投诉", "备案", "变更", "注销", "续期", "认证"};
const std::vector<std::string> nouns{"材料", "流程", "时限", "窗口", "网上渠道", "渝快办", "电话",
                                     "条件", "费用", "证明", "进度", "地址",     "预约",   "标准"};
const std::vector<std::string> joins{"需要",   "可以通过", "一般在", "请携带",
                                     "应当先", "可到",     "按规定", "由"};

template <class T>
const T& pick(const std::vector<T>& v, std::mt19937& rng) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

} // namespace

int main(int argc, char** argv) {
  std::string config;
  std::size_t articles = 100000, searchers = 16, per = 500;
  unsigned seed = 13;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--config")
      config = argv[i + 1];
    else if (a == "--articles")
      articles = std::stoul(argv[i + 1]);
    else if (a == "--searchers")
      searchers = std::stoul(argv[i + 1]);
    else if (a == "--per-searcher")
      per = std::stoul(argv[i + 1]);
    else if (a == "--seed")
      seed = static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  if (config.empty()) {
    std::cerr << "usage: kb_bench --config DIR [--articles N] [--searchers S] [--per-searcher K]\n";
    return 2;
  }
  const auto cfg = hotline::config::load(config);
  std::vector<std::string> districts, district_codes, categories;
  for (const auto& u : cfg.directory.units())
    if (u.kind == hotline::routing::unit_kind::district_government) {
      districts.push_back(u.name);
      district_codes.push_back(u.id);
    }
  for (const auto& c : cfg.directory.categories())
    categories.push_back(c.code);

  std::mt19937 rng(seed);
  std::vector<kb::article> made;
  made.reserve(articles);
  for (std::size_t n = 0; n < articles; ++n) {
    kb::article a;
    a.id = "kb-" + std::to_string(n);
    a.owner = "cq.human-resources";
    a.revision = 1;
    kb::version v;
    v.number = 1;
    v.published_at = 1;
    const auto& topic = pick(topics, rng);
    const auto& district = pick(districts, rng);
    v.c.title = district + topic + pick(actions, rng) + "问答" + std::to_string(n % 97);
    for (int s = 0; s < 10; ++s)
      v.c.body += pick(topics, rng) + pick(actions, rng) + pick(joins, rng) + pick(nouns, rng)
                  + "，" + district + pick(nouns, rng) + pick(joins, rng) + pick(actions, rng)
                  + "。";
    v.c.keywords = {topic, pick(actions, rng), pick(nouns, rng)};
    v.c.categories = {pick(categories, rng)};
    if (n % 3 == 0)
      v.c.districts = {district_codes[std::find(districts.begin(), districts.end(), district)
                                      - districts.begin()]};
    a.versions.push_back(std::move(v));
    a.published = 1;
    made.push_back(std::move(a));
  }
  // Built as hotlined builds it at start: every article in one batch.
  hotline::knowledge::index index;
  const long rss_before = rss_bytes();
  const auto built = clock_type::now();
  index.put_all(made);
  const double build_ms
      = std::chrono::duration<double, std::milli>(clock_type::now() - built).count();
  const long grown = rss_bytes() - rss_before;

  auto query = [&](std::mt19937& r) {
    switch (r() % 3) {
    case 0:
      return pick(topics, r) + "怎么" + pick(actions, r);
    case 1:
      return pick(districts, r) + " " + pick(topics, r) + " " + pick(nouns, r);
    default:
      return pick(topics, r) + pick(actions, r) + "需要什么" + pick(nouns, r);
    }
  };
  auto run = [&](std::size_t threads, std::size_t each) {
    std::vector<std::vector<double>> lat(threads);
    std::vector<std::size_t> hits(threads, 0);
    const auto began = clock_type::now();
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        std::mt19937 r(seed * 31 + static_cast<unsigned>(t));
        for (std::size_t k = 0; k < each; ++k) {
          hotline::knowledge::search_query q;
          q.text = query(r);
          q.statuses = {kb::status::published};
          q.limit = 10;
          const auto t0 = clock_type::now();
          hits[t] += index.search(q).size();
          lat[t].push_back(
              std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
        }
      });
    for (auto& th : pool)
      th.join();
    const double secs = std::chrono::duration<double>(clock_type::now() - began).count();
    std::vector<double> all;
    std::size_t found = 0;
    for (std::size_t t = 0; t < threads; ++t) {
      all.insert(all.end(), lat[t].begin(), lat[t].end());
      found += hits[t];
    }
    struct result {
      double p50, p99, per_s, hits;
    };
    return result{percentile(all, 0.50), percentile(all, 0.99), double(all.size()) / secs,
                  all.empty() ? 0 : double(found) / double(all.size())};
  };
  const auto single = run(1, per);
  const auto many = run(searchers, per);
  std::printf("kb_articles=%zu\n", articles);
  std::printf("kb_index_build_ms=%.0f\n", build_ms);
  std::printf("kb_index_rss_bytes_per_article=%.0f\n", double(grown) / double(articles));
  std::printf("kb_index_disk_bytes_per_article=%.0f\n",
              double(index.bytes_on_disk()) / double(articles));
  std::printf("kb_single_p50_ms=%.3f\nkb_single_p99_ms=%.3f\n", single.p50, single.p99);
  std::printf("kb_searchers=%zu\n", searchers);
  std::printf("kb_search_p50_ms=%.3f\nkb_search_p99_ms=%.3f\n", many.p50, many.p99);
  std::printf("kb_searches_per_s=%.0f\nkb_hits_per_search=%.1f\n", many.per_s, many.hits);
  return 0;
}
