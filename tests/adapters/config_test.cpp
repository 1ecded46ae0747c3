// The configuration loader against the real Chongqing configuration, and
// against copies of it broken on purpose.

#include "adapters/config/loader.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "routing/geo.hpp"

namespace {

namespace fs = std::filesystem;
using hotline::config::config_error;
using hotline::config::config_exception;
using hotline::config::hotline_config;
using hotline::config::load;
using hotline::routing::unit_kind;

fs::path chongqing_dir() {
  return fs::path(HOTLINE_SOURCE_DIR) / "config" / "chongqing";
}

// The real configuration, loaded once for all tests: parsing 38 outlines and
// 1,031 townships per test would only slow the suite down.
struct loaded_config {
  std::unique_ptr<hotline_config> config;
  std::string error;
};

const loaded_config& chongqing() {
  static const loaded_config loaded = [] {
    try {
      return loaded_config{std::make_unique<hotline_config>(load(chongqing_dir())), ""};
    } catch (const std::exception& e) {
      return loaded_config{nullptr, e.what()};
    }
  }();
  return loaded;
}

std::size_t count_units(const hotline_config& config, unit_kind kind) {
  const auto& units = config.directory.units();
  return static_cast<std::size_t>(
      std::count_if(units.begin(), units.end(), [kind](const auto& u) { return u.kind == kind; }));
}

class ChongqingConfig : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(chongqing().config) << chongqing().error; }
  const hotline_config& config() const { return *chongqing().config; }
};

TEST_F(ChongqingConfig, ServesChongqingWithTheDefaultTimeLimits) {
  EXPECT_EQ(config().city, "重庆市");
  EXPECT_EQ(config().sla.consultation_days, 3);
  EXPECT_EQ(config().sla.other_days, 15);
  EXPECT_EQ(config().directory.office_id(), "cq.office");
  const auto* office = config().directory.find_unit("cq.office");
  ASSERT_NE(office, nullptr);
  EXPECT_EQ(office->kind, unit_kind::office);
  EXPECT_EQ(office->parent, "");
  EXPECT_EQ(config().dir, chongqing_dir());
}

TEST_F(ChongqingConfig, HasRefusalRulesWithBasisAndReferral_M_S_2_M_S_3) {
  ASSERT_GE(config().refusal_rules.size(), 10u);
  const auto* emergency = config().find_refusal("emergency-110");
  ASSERT_NE(emergency, nullptr);
  EXPECT_EQ(emergency->referral_contact, "110");
  EXPECT_EQ(emergency->rule, "M-S-2");
  for (const auto& r : config().refusal_rules)
    EXPECT_FALSE(r.basis.empty()) << r.code;
  EXPECT_EQ(config().find_refusal("no-such-rule"), nullptr);
}

TEST_F(ChongqingConfig, HasExactly38DistrictGovernments) {
  EXPECT_EQ(count_units(config(), unit_kind::district_government), 38u);
}

TEST_F(ChongqingConfig, HasExactly1031Townships) {
  EXPECT_EQ(count_units(config(), unit_kind::township), 1031u);
}

TEST_F(ChongqingConfig, HasAtLeast25CityDepartments) {
  EXPECT_GE(count_units(config(), unit_kind::city_department), 25u);
}

TEST_F(ChongqingConfig, HasWaterPowerAndGasEnterprises) {
  for (const char* id : {"cq.water", "cq.power", "cq.gas"}) {
    const auto* u = config().directory.find_unit(id);
    ASSERT_NE(u, nullptr) << id;
    EXPECT_EQ(u->kind, unit_kind::enterprise) << id;
    EXPECT_EQ(u->supervisor, "cq.office") << id;
  }
}

TEST_F(ChongqingConfig, HasAtLeast40Categories) {
  EXPECT_GE(config().directory.categories().size(), 40u);
}

TEST_F(ChongqingConfig, HasOneOutlineForEachOfThe38Districts) {
  const auto& shapes = config().directory.shapes();
  EXPECT_EQ(shapes.size(), 38u);
  std::set<std::string> codes;
  for (const auto& s : shapes) {
    codes.insert(s.code);
    const auto* district = config().directory.find_unit(s.code);
    ASSERT_NE(district, nullptr) << s.code;
    EXPECT_EQ(district->kind, unit_kind::district_government) << s.code;
  }
  EXPECT_EQ(codes.size(), 38u);
}

TEST_F(ChongqingConfig, ReadsOutlinesAsLongitudeThenLatitude) {
  const auto& shapes = config().directory.shapes();
  const auto yuzhong = std::find_if(shapes.begin(), shapes.end(),
                                    [](const auto& s) { return s.code == "500103"; });
  ASSERT_NE(yuzhong, shapes.end());
  EXPECT_TRUE(hotline::routing::contains(yuzhong->area, {106.5776, 29.5580})); // 解放碑
}

TEST_F(ChongqingConfig, HasCalendarsFor2025And2026) {
  EXPECT_EQ(config().calendar.years(), (std::vector<int>{2025, 2026}));
}

TEST_F(ChongqingConfig, HasYuzhongDistrictWithJiefangbeiStreet) {
  const auto* yuzhong = config().directory.find_unit("500103");
  ASSERT_NE(yuzhong, nullptr);
  EXPECT_EQ(yuzhong->name, "渝中区");
  EXPECT_EQ(yuzhong->kind, unit_kind::district_government);
  EXPECT_EQ(yuzhong->parent, "cq.office");
  EXPECT_EQ(yuzhong->supervisor, "cq.office");
  EXPECT_EQ(yuzhong->district, "500103");

  std::vector<std::string> townships;
  for (const auto* u : config().directory.children("500103")) {
    if (u->kind == unit_kind::township)
      townships.push_back(u->name);
  }
  EXPECT_NE(std::find(townships.begin(), townships.end(), "解放碑街道"), townships.end());

  const auto* jiefangbei = config().directory.find_unit("500103003");
  ASSERT_NE(jiefangbei, nullptr);
  EXPECT_EQ(jiefangbei->name, "解放碑街道");
  EXPECT_EQ(jiefangbei->supervisor, "500103");
  EXPECT_EQ(jiefangbei->district, "500103");
}

TEST_F(ChongqingConfig, NamesYuzhongsUrbanManagementBureauAfterItsDistrict) {
  const auto* bureau = config().directory.find_unit("500103.urban-management");
  ASSERT_NE(bureau, nullptr);
  EXPECT_EQ(bureau->name, "渝中区城市管理局");
  EXPECT_EQ(bureau->kind, unit_kind::district_department);
  EXPECT_EQ(bureau->supervisor, "500103");
  EXPECT_EQ(bureau->parent, "500103");
  EXPECT_EQ(bureau->district, "500103");
  EXPECT_EQ(bureau->function, "urban-management");
  EXPECT_EQ(config().directory.district_department("500103", "urban-management"), bureau);
  EXPECT_EQ(config().city_counterparts.at("urban-management"), "cq.urban-management");
}

// Every category must lead somewhere in any district: a competence naming a
// department that no district has would strand tickets at the office.
TEST_F(ChongqingConfig, GivesEveryCategoryAHandlingUnitInEveryDistrict) {
  const auto& dir = config().directory;
  for (const auto& cat : dir.categories()) {
    ASSERT_FALSE(cat.kinds.empty()) << cat.code;
    // Only a category the office coordinates (M-RT-2: a gap) may name none.
    if (cat.coordination.empty()) {
      ASSERT_FALSE(cat.competent.empty()) << cat.code;
    }
    for (const auto& c : cat.competent) {
      if (c.kind == unit_kind::district_department) {
        for (const auto* district : dir.children("cq.office")) {
          if (district->kind != unit_kind::district_government)
            continue;
          EXPECT_NE(dir.district_department(district->id, c.function), nullptr)
              << cat.code << " in " << district->id;
        }
      } else if (!c.unit_id.empty()) {
        EXPECT_NE(dir.find_unit(c.unit_id), nullptr) << cat.code;
      }
    }
  }
}

// --- broken copies -----------------------------------------------------------

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The copied data files are read-only; replace rather than overwrite them.
void write_text(const fs::path& path, const std::string& text) {
  fs::remove(path);
  std::ofstream(path, std::ios::binary) << text;
}

void replace_in_file(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = read_text(path);
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  text.replace(at, from.size(), to);
  write_text(path, text);
}

// 1-based line of the first occurrence of `needle`.
int line_of(const fs::path& path, const std::string& needle) {
  const std::string text = read_text(path);
  const auto at = text.find(needle);
  if (at == std::string::npos)
    return 0;
  const std::string before = text.substr(0, at);
  return 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
}

bool has_error(const std::vector<config_error>& errors, const std::string& file,
               const std::string& key) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const config_error& e) { return e.file == file && e.key == key; });
}

// A private copy of the Chongqing configuration for each test to break.
class BrokenConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hotline-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "chongqing";
    fs::copy(chongqing_dir(), dir_, fs::copy_options::recursive);
  }
  void TearDown() override {
    if (root_.empty())
      return;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
    }
    fs::remove_all(root_);
  }

  const fs::path& dir() const { return dir_; }

  // The errors of loading the broken copy; a failure if it loads.
  std::vector<config_error> load_errors() {
    try {
      load(dir_);
    } catch (const config_exception& e) {
      last_message_ = e.what();
      return e.errors();
    }
    ADD_FAILURE() << "the broken configuration loaded";
    return {};
  }

  // The number of categories in the real configuration, so that one appended
  // to categories.yaml has a known index.
  static std::size_t real_category_count() {
    return chongqing().config ? chongqing().config->directory.categories().size() : 0;
  }

  void append_refusal_rule(const std::string& code, const std::string& rule) {
    std::ofstream(dir_ / "refusals.yaml", std::ios::app)
        << "  - code: " << code << "\n    basis: 测试\n    rule: " << rule << "\n";
  }

  void append_category_with_unknown_function() {
    std::ofstream(dir_ / "categories.yaml", std::ios::app)
        << "  - code: test.broken\n"
           "    name: 测试\n"
           "    kinds: [complaint]\n"
           "    competent: [township, \"district_department:foo\"]\n";
  }

  void add_calendar_with_bad_date() {
    std::ofstream(dir_ / "calendar" / "cn-2027.yaml")
        << "year: 2027\n"
           "source: test\n"
           "holidays:\n"
           "  - {name: 元旦, from: 2027-01-01, to: 2027-01-32}\n"
           "workdays: []\n";
  }

  std::string last_message_;

 private:
  fs::path root_;
  fs::path dir_;
};

TEST_F(BrokenConfig, ReportsAnUnknownDistrictDepartmentFunctionInACategory) {
  ASSERT_GT(real_category_count(), 0u);
  append_category_with_unknown_function();
  const auto errors = load_errors();
  const std::string key = "categories[" + std::to_string(real_category_count()) + "].competent[1]";
  EXPECT_TRUE(has_error(errors, "categories.yaml", key)) << last_message_;
  EXPECT_NE(last_message_.find("categories.yaml: " + key
                               + ": unknown district department function 'foo'"),
            std::string::npos)
      << last_message_;
}

// Found by fuzz/config_loader_fuzz: a category without `kinds` made yaml-cpp
// throw past the loader (hotlined died with "terminate called") instead of
// being reported with its file and key.
TEST_F(BrokenConfig, ReportsACategoryWithoutKindsByFileAndKey) {
  std::ofstream(dir() / "categories.yaml", std::ios::app) << "  - code: test.nokinds\n"
                                                             "    name: 测试\n"
                                                             "    competent: [township]\n";
  load_errors();
  EXPECT_NE(last_message_.find("categories.yaml"), std::string::npos) << last_message_;
  EXPECT_NE(last_message_.find("kinds"), std::string::npos) << last_message_;
}

TEST_F(BrokenConfig, ReportsADuplicateRefusalRuleAndOneCitingNoScopeRule_M_S_2) {
  append_refusal_rule("litigation", "M-S-2");
  append_refusal_rule("made-up", "M-RT-1");
  const auto errors = load_errors();
  EXPECT_EQ(errors.size(), 2u) << last_message_;
  EXPECT_NE(last_message_.find("duplicate refusal rule 'litigation'"), std::string::npos)
      << last_message_;
  EXPECT_NE(last_message_.find("must cite a scope rule"), std::string::npos) << last_message_;
  for (const auto& e : errors)
    EXPECT_EQ(e.file, "refusals.yaml");
}

TEST_F(BrokenConfig, ReportsAnUnknownUnitInTheHandlersFile_M_RT_3) {
  std::ofstream(dir() / "handlers.yaml", std::ios::app) << "  no.such.unit: [cq.water]\n";
  const auto errors = load_errors();
  ASSERT_EQ(errors.size(), 1u) << last_message_;
  EXPECT_EQ(errors[0].file, "handlers.yaml");
  EXPECT_EQ(errors[0].key, "extra_handlers.no.such.unit");
}

TEST_F(BrokenConfig, ReportsAMalformedDateInACalendarFile) {
  add_calendar_with_bad_date();
  const auto errors = load_errors();
  ASSERT_EQ(errors.size(), 1u) << last_message_;
  EXPECT_EQ(errors[0].file, "calendar/cn-2027.yaml");
  EXPECT_EQ(errors[0].key, "holidays[0].to");
  EXPECT_NE(errors[0].message.find("2027-01-32"), std::string::npos);
}

TEST_F(BrokenConfig, ReportsAMissingDepartmentsFileByNameAndNothingElse) {
  fs::remove(dir() / "departments.yaml");
  const auto errors = load_errors();
  ASSERT_EQ(errors.size(), 1u) << last_message_;
  EXPECT_EQ(errors[0].file, "departments.yaml");
  EXPECT_EQ(errors[0].key, "");
  EXPECT_EQ(errors[0].message, "missing file");
}

TEST_F(BrokenConfig, ReportsEveryErrorNotJustTheFirst) {
  ASSERT_GT(real_category_count(), 0u);
  append_category_with_unknown_function();
  add_calendar_with_bad_date();
  const auto errors = load_errors();
  EXPECT_EQ(errors.size(), 2u) << last_message_;
  EXPECT_TRUE(has_error(errors, "categories.yaml",
                        "categories[" + std::to_string(real_category_count()) + "].competent[1]"))
      << last_message_;
  EXPECT_TRUE(has_error(errors, "calendar/cn-2027.yaml", "holidays[0].to")) << last_message_;
  // One error per line in what().
  EXPECT_EQ(std::count(last_message_.begin(), last_message_.end(), '\n'), 1);
}

TEST_F(BrokenConfig, ReportsATownshipCodeThatDoesNotStartWithItsDistrictCode) {
  const fs::path file = dir() / "townships.csv";
  const int line = line_of(file, "500103003,");
  ASSERT_GT(line, 1);
  replace_in_file(file, "500103003,", "500104003,");
  const auto errors = load_errors();
  EXPECT_TRUE(has_error(errors, "townships.csv", "line " + std::to_string(line) + ".code"))
      << last_message_;
}

TEST_F(BrokenConfig, ReadsQuotedCsvFieldsWithCommasAndDoubledQuotes) {
  replace_in_file(dir() / "townships.csv", "\"解放碑街道\"", "\"解放碑街道, \"\"测试\"\"\"");
  const hotline_config config = load(dir());
  const auto* township = config.directory.find_unit("500103003");
  ASSERT_NE(township, nullptr);
  EXPECT_EQ(township->name, "解放碑街道, \"测试\"");
}

TEST_F(BrokenConfig, ReportsAnUnterminatedQuoteInACsvFile) {
  const fs::path file = dir() / "districts.csv";
  const int line = line_of(file, "\"渝中区\"");
  replace_in_file(file, "\"渝中区\"", "\"渝中区");
  const auto errors = load_errors();
  EXPECT_TRUE(has_error(errors, "districts.csv", "line " + std::to_string(line))) << last_message_;
}

TEST_F(BrokenConfig, ReportsAnOutlineForAnUnknownDistrictAndTheDistrictLeftWithout) {
  replace_in_file(dir() / "district-boundaries.geojson", "\"code\": \"500103\"",
                  "\"code\": \"500199\"");
  const auto errors = load_errors();
  EXPECT_TRUE(has_error(errors, "district-boundaries.geojson", "features[2].properties.code"))
      << last_message_;
  EXPECT_NE(last_message_.find("no outline for district 500103"), std::string::npos)
      << last_message_;
}

TEST_F(BrokenConfig, ReportsAnUnknownKeyInsteadOfIgnoringIt) {
  replace_in_file(dir() / "hotline.yaml", "  consultation_days: 3", "  consultaton_days: 3");
  const auto errors = load_errors();
  ASSERT_EQ(errors.size(), 1u) << last_message_;
  EXPECT_EQ(errors[0].file, "hotline.yaml");
  EXPECT_EQ(errors[0].key, "sla.consultaton_days");
  EXPECT_EQ(errors[0].message, "unknown key");
}

TEST(ConfigLoader, ReportsAMissingFolder) {
  EXPECT_THROW(load("/nonexistent/hotline-config"), config_exception);
}

} // namespace

// Issue 11: a community must lie in a township of townships.csv, under its
// own code and district; each error names its line and column.
TEST_F(BrokenConfig, ReportsACommunityInAnUnknownTownshipOrTheWrongDistrict) {
  {
    std::ofstream out(dir() / "communities.csv", std::ios::app);
    out << "500103999001,\"无此社区居民委员会\",500103999,500103\n"
        << "500103003901,\"错区社区居民委员会\",500103003,500104\n";
  }
  const auto errors = load_errors();
  EXPECT_TRUE(has_error(errors, "communities.csv", "line 11272.townshipCode")) << last_message_;
  EXPECT_TRUE(has_error(errors, "communities.csv", "line 11273.areaCode")) << last_message_;
}

TEST_F(ChongqingConfig, HasThe11270CommunitiesAndVillagesOfTheGazetteer) {
  ASSERT_TRUE(chongqing().config) << chongqing().error;
  EXPECT_EQ(chongqing().config->directory.places().size(), 11270u);
}

// Issue 11: a deployment's own places (config/examples/places.csv shows
// the format) load with their kinds; committees keep theirs.
TEST_F(BrokenConfig, TheExamplePlacesTableLoadsWithItsKinds) {
  fs::copy_file(fs::path(HOTLINE_SOURCE_DIR) / "config" / "examples" / "places.csv",
                dir() / "places.csv");
  const auto cfg = load(dir());
  std::map<hotline::routing::place_kind, int> kinds;
  for (const auto& p : cfg.directory.places())
    ++kinds[p.kind];
  EXPECT_EQ(kinds[hotline::routing::place_kind::committee], 11270);
  EXPECT_EQ(kinds[hotline::routing::place_kind::estate], 1);
  EXPECT_EQ(kinds[hotline::routing::place_kind::landmark], 1);
  EXPECT_EQ(kinds[hotline::routing::place_kind::grid], 1);
  EXPECT_EQ(kinds[hotline::routing::place_kind::road], 2); // one road through two streets
}

// Every bad row is named by its line and column, and nothing half-loads.
TEST_F(BrokenConfig, ReportsEveryBadRowOfThePlacesTable) {
  write_text(dir() / "places.csv",
             "kind,name,township\n"
             "street,某某街,500103003\n"      // line 2: unknown kind
             "committee,某某社区,500103003\n" // line 3: committees are in communities.csv
             "estate,园,500103003\n"          // line 4: one character
             "estate,某某 花园,500103003\n"   // line 5: a space
             "landmark,某某广场,500103999\n"  // line 6: unknown township
             "landmark,某某广场,500103\n"     // line 7: a district is no township
             "road,某某路,500103003\n"        // line 8: fine
             "road,某某路,500103003\n");      // line 9: the same place twice
  const auto errors = load_errors();
  EXPECT_TRUE(has_error(errors, "places.csv", "line 2.kind")) << last_message_;
  EXPECT_TRUE(has_error(errors, "places.csv", "line 3.kind")) << last_message_;
  EXPECT_TRUE(has_error(errors, "places.csv", "line 4.name")) << last_message_;
  EXPECT_TRUE(has_error(errors, "places.csv", "line 5.name")) << last_message_;
  EXPECT_TRUE(has_error(errors, "places.csv", "line 6.township")) << last_message_;
  EXPECT_TRUE(has_error(errors, "places.csv", "line 7.township")) << last_message_;
  EXPECT_FALSE(has_error(errors, "places.csv", "line 8.name")) << last_message_;
  EXPECT_TRUE(has_error(errors, "places.csv", "line 9.name")) << last_message_;
  EXPECT_EQ(errors.size(), 7u) << last_message_;
}

TEST_F(BrokenConfig, ReportsAnUnknownLowConfidencePolicy) {
  std::ofstream(dir() / "categories.yaml", std::ios::app) << "  - code: test.sure\n"
                                                             "    name: 测试\n"
                                                             "    kinds: [complaint]\n"
                                                             "    competent: [township]\n"
                                                             "    low_confidence: guess\n";
  const auto errors = load_errors();
  EXPECT_TRUE(has_error(errors, "categories.yaml",
                        "categories[" + std::to_string(real_category_count()) + "].low_confidence"))
      << last_message_;
}

// Issue 13: the starter articles load, each owned by a unit (M-KB-2).
TEST_F(ChongqingConfig, ShipsStarterArticlesOwnedByUnits_M_KB_2) {
  ASSERT_TRUE(chongqing().config) << chongqing().error;
  const auto& kb = chongqing().config->knowledge;
  EXPECT_GE(kb.size(), 30u);
  for (const auto& a : kb) {
    EXPECT_NE(chongqing().config->directory.find_unit(a.owner), nullptr) << a.id;
    EXPECT_FALSE(a.c.categories.empty()) << a.id;
    EXPECT_TRUE(a.c.review_by.has_value()) << a.id;
  }
}

TEST_F(BrokenConfig, ReportsABadStarterArticleByItsKey) {
  write_text(dir() / "knowledge.yaml", "articles:\n"
                                       "  - id: kb.test.one\n"
                                       "    owner: cq.nobody\n"
                                       "    title: 标题\n"
                                       "    categories: [env.noise, no.such]\n"
                                       "    districts: ['500199']\n"
                                       "    review_by: 2027-02-30\n"
                                       "    body: 正文\n"
                                       "  - id: Bad\n"
                                       "    owner: cq.health\n"
                                       "    title: 标题\n"
                                       "    categories: [env.noise]\n"
                                       "    body: 正文\n"
                                       "    colour: red\n");
  const auto errors = load_errors();
  for (const char* key :
       {"articles[0].owner", "articles[0].categories[1]", "articles[0].districts[0]",
        "articles[0].review_by", "articles[1].id", "articles[1].colour"})
    EXPECT_TRUE(has_error(errors, "knowledge.yaml", key)) << key << "\n" << last_message_;
}

// Issue 14: the evaluation's weights and response limit (M-E-1).
TEST_F(ChongqingConfig, WeighsTheEvaluationAsItsFileSays_M_E_1) {
  const auto& e = config().evaluation;
  EXPECT_EQ(e.response_working_days, 1);
  EXPECT_EQ(e.min_received, 1);
  EXPECT_EQ(e.weights.at("response_rate"), 15);
  EXPECT_EQ(e.weights.at("on_time_rate"), 25);
  EXPECT_EQ(e.weights.at("resolution_rate"), 25);
  EXPECT_EQ(e.weights.at("satisfaction_rate"), 25);
  EXPECT_EQ(e.weights.at("return_rate"), 0);
}

TEST_F(BrokenConfig, ReportsBadEvaluationWeightsByTheirKey_M_E_1) {
  write_text(dir() / "evaluation.yaml", "response_working_days: 0\n"
                                        "min_received: -1\n"
                                        "colour: red\n"
                                        "weights:\n"
                                        "  response_rate: -2\n"
                                        "  speed_rate: 3\n"
                                        "  on_time_rate: many\n");
  const auto errors = load_errors();
  for (const char* key :
       {"response_working_days", "min_received", "colour", "weights.response_rate",
        "weights.speed_rate", "weights.on_time_rate", "weights"})
    EXPECT_TRUE(has_error(errors, "evaluation.yaml", key)) << key << "\n" << last_message_;
}

// Issue 14 item 4 (M-D-1): the warnings' thresholds load from warnings.yaml.
TEST_F(ChongqingConfig, ShipsWarningThresholds_M_D_1) {
  ASSERT_TRUE(chongqing().config) << chongqing().error;
  const auto& w = chongqing().config->warnings;
  EXPECT_EQ(w.surge.window_hours, 3);
  EXPECT_DOUBLE_EQ(w.surge.alpha, 0.0001);
  EXPECT_EQ(w.cluster.min_callers, 5);
  EXPECT_TRUE(hotline::routing::warn::check(w).empty());
}

TEST_F(BrokenConfig, ReportsBadWarningThresholdsByTheirKeys_M_D_1) {
  write_text(dir() / "warnings.yaml", "surge:\n"
                                      "  alpha: lots\n"
                                      "  colour: red\n"
                                      "cluster:\n"
                                      "  min_callers: many\n"
                                      "repeat: 3\n");
  const auto errors = load_errors();
  for (const char* key : {"surge.alpha", "surge.colour", "cluster.min_callers", "repeat"})
    EXPECT_TRUE(has_error(errors, "warnings.yaml", key)) << key << "\n" << last_message_;
}

TEST_F(BrokenConfig, ReportsWarningThresholdsOutOfRange_M_D_1) {
  write_text(dir() / "warnings.yaml", "surge:\n"
                                      "  alpha: 0.9\n"
                                      "overdue:\n"
                                      "  min_jump: 0\n");
  const auto errors = load_errors();
  for (const char* key : {"surge.alpha", "overdue.min_jump"})
    EXPECT_TRUE(has_error(errors, "warnings.yaml", key)) << key << "\n" << last_message_;
}
