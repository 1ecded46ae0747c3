// Issue 14 (M-SV-3): the hash chain of a ticket's events and the Merkle
// root of a day's tickets, as `hotline verify` recomputes them.
#include <gtest/gtest.h>

#include "adapters/archive/chain.hpp"

using namespace hotline::archive;

TEST(ArchiveChain, EachHashCoversThePreviousHashAndTheEventBytes_M_SV_3) {
  const std::vector<std::string> events{"registered", "dispatched", "closed"};
  const auto chain = chain_of("20261009-000001", events);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0], chain_next(chain_start("20261009-000001"), "registered"));
  EXPECT_EQ(chain[2], chain_next(chain[1], "closed"));
  EXPECT_EQ(hex(chain[0]).size(), 64u);
  EXPECT_EQ(unhex(hex(chain[2])), chain[2]);
  // One changed byte, early on, changes every later hash.
  auto altered = events;
  altered[0][0] = 'R';
  const auto other = chain_of("20261009-000001", altered);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_NE(other[i], chain[i]);
}

TEST(ArchiveChain, AChainBelongsToItsTicketNumber_M_SV_3) {
  EXPECT_NE(chain_of("20261009-000001", {"e"}), chain_of("20261009-000002", {"e"}));
}

TEST(ArchiveChain, ADaysRootDependsOnEveryTicketNotOnTheirOrder_M_SV_3) {
  std::vector<std::pair<std::string, std::string>> day{{"20261009-000003", chain_start("c")},
                                                       {"20261009-000001", chain_start("a")},
                                                       {"20261009-000002", chain_start("b")}};
  const auto root = merkle_root(day);
  std::swap(day[0], day[2]);
  EXPECT_EQ(merkle_root(day), root);
  auto removed = day;
  removed.pop_back();
  EXPECT_NE(merkle_root(removed), root);
  auto inserted = day;
  inserted.emplace_back("20261009-000004", chain_start("d"));
  EXPECT_NE(merkle_root(inserted), root);
  auto altered = day;
  altered[1].second = chain_start("x");
  EXPECT_NE(merkle_root(altered), root);
  EXPECT_EQ(merkle_root({}).size(), 32u);
}

TEST(ArchiveChain, HexRefusesWhatIsNotHex) {
  EXPECT_EQ(unhex("zz"), "");
  EXPECT_EQ(unhex("abc"), "");
  EXPECT_EQ(unhex("00ff"), std::string("\0\xff", 2));
}

TEST(ArchiveChain, ADaysRecordListsEachTicketWithItsLastHash_M_SV_3) {
  const std::vector<std::pair<std::string, std::string>> day{{"20261009-000002", chain_start("b")},
                                                             {"20261009-000001", chain_start("a")}};
  const auto list = format_day_list(day);
  EXPECT_EQ(list.substr(0, 16), "20261009-000001:");
  const auto back = parse_day_list(list);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], day[1]);
  EXPECT_EQ(merkle_root(back), merkle_root(day));
  EXPECT_TRUE(parse_day_list("20261009-000001:zz,nonsense").empty());
}
