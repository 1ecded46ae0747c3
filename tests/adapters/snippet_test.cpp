// Issue 13: the snippet of a search hit marks the query's words where they
// stand thickest, escapes the text, and says where it was cut. Pure.
#include <gtest/gtest.h>

#include "adapters/knowledge/snippet.hpp"

using hotline::knowledge::snippet;

TEST(Snippet, MarksWholeWordsMadeOfThePairsAndEscapesTheText) {
  EXPECT_EQ(snippet("养老保险<转移>接续", {"养老", "老保", "保险"}),
            "<mark>养老保险</mark>&lt;转移&gt;接续");
  EXPECT_EQ(snippet("Call 12345 about KTV", {"ktv"}), "Call 12345 about <mark>KTV</mark>");
}

TEST(Snippet, ShowsTheStretchWhereTheMatchesAreAndSaysWhereItWasCut) {
  const std::string text = std::string(60, 'x') + "公积金提取需要身份证" + std::string(60, 'y');
  const auto s = snippet(text, {"公积", "积金", "提取"}, 20);
  EXPECT_EQ(s.rfind("…", 0), 0u) << s;
  // Adjacent words are one mark; the window is centred on them.
  EXPECT_NE(s.find("<mark>公积金提取</mark>需要身份证"), std::string::npos) << s;
  EXPECT_EQ(s.substr(s.size() - 3), "…") << s;
  // No match: the beginning.
  EXPECT_EQ(snippet("短文本", {"公积"}), "短文本");
}
