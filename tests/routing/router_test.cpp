// The router on the real Chongqing directory: territory and matter (M-RT-1).
#include <gtest/gtest.h>

#include "routing/router.hpp"
#include "tests/routing/chongqing.hpp"

using namespace hotline::routing;
using hotline::test::cq;

namespace {

std::string first_township_category() {
  for (const auto& c : cq().directory.categories())
    if (!c.competent.empty() && c.coordination.empty()
        && c.competent.front().kind == unit_kind::township)
      return c.code;
  return "";
}

// The category whose first competence is a fixed unit (a city department or
// an enterprise) and the unit it names.
std::pair<std::string, std::string> first_fixed_unit_category() {
  for (const auto& c : cq().directory.categories())
    if (!c.competent.empty() && c.coordination.empty() && !c.competent.front().unit_id.empty())
      return {c.code, c.competent.front().unit_id};
  return {};
}

} // namespace

TEST(Router, APinAtJiefangbeiFallsInYuzhongDistrict_M_RT_1) {
  router r(cq().directory);
  auto t = r.locate({"", point{106.5776, 29.5580}});
  EXPECT_EQ(t.district, "500103");
  ASSERT_FALSE(t.reasons.empty());
  EXPECT_NE(t.reasons.front().text.find("渝中区"), std::string::npos);
}

TEST(Router, PinsFromTheDataReadmeFallInTheirDistricts) {
  router r(cq().directory);
  EXPECT_EQ(r.locate({"", point{106.5310, 29.5760}}).district, "500105"); // 观音桥 江北区
  EXPECT_EQ(r.locate({"", point{106.4570, 29.5410}}).district, "500106"); // 沙坪坝区
  EXPECT_EQ(r.locate({"", point{106.5140, 29.5050}}).district, "500107"); // 杨家坪 九龙坡区
  EXPECT_EQ(r.locate({"", point{108.4080, 30.8070}}).district, "500101"); // 万州区
}

TEST(Router, AnAddressNamingJiefangbeiStreetGoesToThatStreet_M_RT_1) {
  router r(cq().directory);
  const unit* street = nullptr;
  for (const auto* u : cq().directory.children("500103"))
    if (u->name == "解放碑街道")
      street = u;
  ASSERT_NE(street, nullptr);
  auto t = r.locate({"重庆市渝中区解放碑街道民族路188号", std::nullopt});
  EXPECT_EQ(t.township, street->id);
  EXPECT_EQ(t.district, "500103");
}

TEST(Router, AStreetStemInTheAddressIsEnoughWhenUnique) {
  router r(cq().directory);
  auto t = r.locate({"渝中区解放碑步行街", std::nullopt});
  ASSERT_FALSE(t.township.empty());
  EXPECT_EQ(cq().directory.find_unit(t.township)->name, "解放碑街道");
}

TEST(Router, ATownshipNameContainingADistrictNameIsNotReadAsThatDistrict) {
  router r(cq().directory);
  // 江北街道 is a street of 涪陵区 (500102), not of 江北区 (500105).
  auto t = r.locate({"江北街道龙桥路", std::nullopt});
  ASSERT_FALSE(t.township.empty());
  EXPECT_EQ(cq().directory.find_unit(t.township)->name, "江北街道");
  EXPECT_EQ(t.district, "500102");
  // The district itself, named in full, still counts.
  EXPECT_EQ(r.locate({"江北区观音桥街道", std::nullopt}).district, "500105");
}

TEST(Router, AnAddressWithoutAnyKnownPlaceFindsNoTerritory) {
  router r(cq().directory);
  auto t = r.locate({"某小区门口", std::nullopt});
  EXPECT_TRUE(t.district.empty());
  EXPECT_TRUE(t.township.empty());
}

TEST(Router, ATownshipCategoryGoesToTheTownshipSupervisedByItsDistrict_M_RT_1) {
  const auto code = first_township_category();
  ASSERT_FALSE(code.empty());
  const auto* cat = cq().directory.find_category(code);
  router r(cq().directory);
  auto res
      = r.route({cat->kinds.front(), code, {"重庆市渝中区解放碑街道民族路188号", std::nullopt}});
  auto* a = std::get_if<assignment>(&res);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(cq().directory.find_unit(a->unit_id)->name, "解放碑街道");
  EXPECT_EQ(a->supervisor_id, "500103");
  for (const auto& reason : a->reasons)
    EXPECT_FALSE(reason.rule.empty());
}

TEST(Router, ACategoryGoesToTheCompetentKindItNames) {
  router r(cq().directory);
  for (const auto& c : cq().directory.categories()) {
    if (!c.coordination.empty())
      continue; // M-RT-2: never assigned alone (tested below)
    auto res = r.route({c.kinds.front(), c.code, {"", point{106.5776, 29.5580}}});
    auto* a = std::get_if<assignment>(&res);
    ASSERT_NE(a, nullptr) << c.code;
    const unit* u = cq().directory.find_unit(a->unit_id);
    // A pin gives a district but no township, so the first competence that
    // needs no township decides the kind.
    const competence* expected = nullptr;
    for (const auto& comp : c.competent)
      if (comp.kind != unit_kind::township) {
        expected = &comp;
        break;
      }
    ASSERT_NE(expected, nullptr) << c.code;
    EXPECT_EQ(u->kind, expected->kind) << c.code;
    if (expected->kind == unit_kind::district_department) {
      EXPECT_EQ(u->function, expected->function) << c.code;
      EXPECT_EQ(u->district, "500103") << c.code;
    }
  }
}

TEST(Router, AFixedUnitCategoryGoesToThatUnitWhateverThePlace) {
  auto [code, unit_id] = first_fixed_unit_category();
  ASSERT_FALSE(code.empty());
  router r(cq().directory);
  const auto* cat = cq().directory.find_category(code);
  auto res = r.route({cat->kinds.front(), code, {"", std::nullopt}});
  auto* a = std::get_if<assignment>(&res);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->unit_id, unit_id);
}

TEST(Router, ALocalMatterWithNoKnownPlaceGoesToCoordination_M_RT_2) {
  // A directory of one district and one street, and a category that only a
  // township can handle: without a place, nobody can be named.
  directory dir;
  dir.add_unit({"cq.office", "12345", unit_kind::office, "", "", "", ""});
  dir.add_unit(
      {"500103", "渝中区", unit_kind::district_government, "cq.office", "cq.office", "500103", ""});
  dir.add_unit({"500103001", "七星岗街道", unit_kind::township, "500103", "500103", "500103", ""});
  dir.add_category(
      {"town.only", "只由街道办理", {demand_kind::help}, {{unit_kind::township, "", ""}}, ""});
  router r(dir);
  auto res = r.route({demand_kind::help, "town.only", {"某小区门口", std::nullopt}});
  auto* n = std::get_if<needs_coordination>(&res);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->reasons.back().rule, "M-RT-2");
  auto placed = r.route({demand_kind::help, "town.only", {"七星岗街道", std::nullopt}});
  EXPECT_EQ(std::get<assignment>(placed).unit_id, "500103001");
}

TEST(Router, AKindTheCategoryDoesNotTakeIsAnErrorOnTheKindField) {
  directory dir;
  dir.add_category(
      {"town.only", "只由街道办理", {demand_kind::help}, {{unit_kind::township, "", ""}}, ""});
  router r(dir);
  auto res = r.route({demand_kind::suggestion, "town.only", {"", std::nullopt}});
  EXPECT_EQ(std::get<routing_error>(res).field, "kind");
}

TEST(Router, AnUnknownCategoryIsAnErrorOnTheCategoryField) {
  router r(cq().directory);
  auto res = r.route({demand_kind::complaint, "no.such.category", {"渝中区", std::nullopt}});
  auto* e = std::get_if<routing_error>(&res);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->field, "category");
}

TEST(Directory, AUnitNamesItsOwnSubordinatesOrEnterprisesAsConcreteHandlers_M_RT_3) {
  const auto& dir = cq().directory;
  EXPECT_TRUE(dir.may_name_handler("500103", "500103.urban-management"));  // its department
  EXPECT_TRUE(dir.may_name_handler("500103", "500103003"));                // its street
  EXPECT_TRUE(dir.may_name_handler("500103003", "cq.water"));              // an enterprise
  EXPECT_FALSE(dir.may_name_handler("500103", "500105.urban-management")); // another district's
  EXPECT_FALSE(dir.may_name_handler("500103003", "500103"));               // its superior
  EXPECT_FALSE(dir.may_name_handler("500103", "500103"));                  // itself
  EXPECT_FALSE(dir.may_name_handler("500103", "cq.office"));
  EXPECT_FALSE(dir.may_name_handler("500103", "no.such.unit"));
}

TEST(Router, OverlappingDutiesAndGapsGoToTheOffice_M_RT_2) {
  router r(cq().directory);
  for (const char* code : {"env.river-shore-overlap", "misc.unclear-responsibility"}) {
    auto res = r.route({demand_kind::complaint, code, {"渝中区解放碑街道", std::nullopt}});
    auto* n = std::get_if<needs_coordination>(&res);
    ASSERT_NE(n, nullptr) << code;
    bool names_why = false;
    for (const auto& reason : n->reasons)
      names_why
          = names_why || (reason.rule == "M-RT-2" && reason.text.find("：") != std::string::npos);
    EXPECT_TRUE(names_why) << code;
  }
}

TEST(Router, APinInOneDistrictAndAnAddressInAnotherIsCrossDistrict_M_RT_2) {
  router r(cq().directory);
  // The pin is in 万州区, far from any border; the address names 渝中区.
  const point wanzhou{108.4080, 30.8070};
  auto t = r.locate({"渝中区解放碑街道", wanzhou});
  EXPECT_TRUE(t.spans_districts);
  auto res = r.route({demand_kind::complaint, "env.noise", {"渝中区解放碑街道", wanzhou}});
  EXPECT_TRUE(std::holds_alternative<needs_coordination>(res));
  // Pin and address agreeing is not.
  EXPECT_FALSE(r.locate({"渝中区解放碑街道", point{106.5776, 29.5580}}).spans_districts);
}

TEST(Directory, ConfiguredHandlersWidenOneUnitsAuthorityOnly_M_RT_3) {
  const auto& dir = cq().directory; // config/chongqing/handlers.yaml
  EXPECT_TRUE(dir.may_name_handler("cq.housing", "cq.housing-fund"));
  EXPECT_FALSE(dir.may_name_handler("cq.education", "cq.housing-fund"));
  EXPECT_FALSE(dir.may_name_handler("cq.housing-fund", "cq.housing"));
}
