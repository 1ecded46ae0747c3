// Issue 14 item 5 (M-D-1): the brief's page, charts and CSV, as pure
// rendering. The figures behind them are tested where they are gathered.
#include <gtest/gtest.h>
#include <libxml/parser.h>

#include <cmath>
#include <limits>
#include <regex>

#include "adapters/brief/render.hpp"

namespace b = hotline::brief;

namespace {

bool well_formed_xml(const std::string& s) {
  xmlDocPtr doc = xmlReadMemory(s.data(), static_cast<int>(s.size()), "chart.svg", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  const bool ok = doc != nullptr;
  xmlFreeDoc(doc);
  return ok;
}

std::vector<int> bar_widths(const std::string& svg) {
  std::vector<int> out;
  static const std::regex rect("<rect [^>]*width='([0-9]+)'");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator();
       ++it)
    out.push_back(std::stoi((*it)[1]));
  return out;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80         ? 1
                            : (c >> 5) == 6  ? 2
                            : (c >> 4) == 14 ? 3
                            : (c >> 3) == 30 ? 4
                                             : 0;
    if (len == 0 || i + len > s.size())
      return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2)
        return false;
    i += len;
  }
  return true;
}

} // namespace

TEST(BriefRender, BarsAreProportionalAndTheLabelsChineseAndEscaped_M_D_1) {
  b::chart c;
  c.unit = "件";
  c.points = {{"渝中区", 200}, {"江北区<script>", 100}, {"沙坪坝区", 0}};
  const auto svg = b::svg(c, "各区受理量 & 排名");
  ASSERT_TRUE(well_formed_xml(svg)) << svg;
  const auto w = bar_widths(svg);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_GT(w[0], 0);
  EXPECT_EQ(w[1] * 2, w[0]) << "half the value, half the bar";
  EXPECT_EQ(w[2], 0) << "no tickets, no bar";
  EXPECT_NE(svg.find("渝中区"), std::string::npos);
  EXPECT_NE(svg.find("200件"), std::string::npos);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("江北区&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("各区受理量 &amp; 排名"), std::string::npos);
}

TEST(BriefRender, AtMostFifteenBarsAndLongNamesCutAtWholeCharacters) {
  b::chart c;
  for (int i = 0; i < 40; ++i)
    c.points.push_back({"重庆市两江新区管理委员会第" + std::to_string(i) + "街道办事处", 40.0 - i});
  const auto svg = b::svg(c, "单位");
  EXPECT_EQ(bar_widths(svg).size(), 15u);
  EXPECT_TRUE(valid_utf8(svg));
  EXPECT_NE(svg.find("…"), std::string::npos);
  EXPECT_EQ(svg.find("街道办事处"), std::string::npos) << "the long names are cut";
}

TEST(BriefRender, ATrendLeavesAGapForADayWithoutCallbacks_M_SV_2) {
  b::chart c;
  c.kind = b::chart::shape::line;
  c.percent = true;
  const double none = std::numeric_limits<double>::quiet_NaN();
  c.points = {{"11-01", 0.9}, {"11-02", none}, {"11-03", 0.8}, {"11-04", 1.0}};
  const auto svg = b::svg(c, "满意率趋势");
  ASSERT_TRUE(well_formed_xml(svg)) << svg;
  std::size_t circles = 0;
  for (auto p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1))
    ++circles;
  EXPECT_EQ(circles, 3u) << "NaN is no point, not a zero";
  EXPECT_NE(svg.find("100.0%"), std::string::npos) << "the scale of rates tops at 100%";
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(BriefRender, PercentOfNothingIsADashNotZero) {
  EXPECT_EQ(b::percent(0.375), "37.5%");
  EXPECT_EQ(b::percent(1.0), "100.0%");
  EXPECT_EQ(b::percent(std::numeric_limits<double>::quiet_NaN()), "—");
}

TEST(BriefRender, CsvHasABomCrlfAndQuotesWhatNeedsIt) {
  b::table t{"units", {"单位", "意见"}, {{"渝中区", "好,很好"}, {"江北区", "说\"不\"\n第二行"}}};
  const auto s = b::csv(t);
  ASSERT_EQ(s.rfind("\xEF\xBB\xBF", 0), 0u) << "Excel and WPS need the BOM for Chinese";
  EXPECT_EQ(s.substr(3), "单位,意见\r\n渝中区,\"好,很好\"\r\n江北区,\"说\"\"不\"\"\n第二行\"\r\n");
}

TEST(BriefRender, ThePageIsChineseSelfContainedAndSaysWhenATableIsEmpty_M_D_1) {
  b::document d;
  d.title = "重庆市12345热线 月报 2026年11月";
  d.period = "2026-11";
  d.generated = "2026-12-01 08:00";
  d.headline = {{"受理量", "1,234"}, {"满意率", "96.0%"}};
  b::section s1{"各区受理量", "按属地统计。", b::chart{},
                b::table{"districts", {"区县", "件数"}, {}}};
  s1.figure->points = {{"渝中区", 3}};
  s1.data.rows = {{"渝中区", "3"}};
  b::section s2{"预警", "", std::nullopt, b::table{"warnings", {"时间", "说明"}, {}}};
  d.sections = {s1, s2};
  const auto page = b::html(d);
  EXPECT_NE(page.find("<html lang='zh-CN'>"), std::string::npos);
  EXPECT_NE(page.find("<meta charset='utf-8'>"), std::string::npos);
  EXPECT_NE(page.find("重庆市12345热线 月报 2026年11月"), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("districts.csv"), std::string::npos);
  EXPECT_NE(page.find("本期无数据"), std::string::npos) << "an empty table says so";
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"))
      << "no outside request: only the SVG namespace names a host";
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_TRUE(valid_utf8(page));
}
