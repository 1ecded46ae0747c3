// Integrators as principals (issue 12, M-D-2) against a real redis-server,
// and `hotline integrator add|list|disable` as the real binary.
#include <gtest/gtest.h>

#include "adapters/auth/integrators.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/service_process.hpp"

using namespace hotline;
using auth::integrator_scope;

namespace {

constexpr std::int64_t t0 = 1'800'000'000'000;

struct integrators_test : ::testing::Test {
  static inline std::unique_ptr<test::redis_server> server;
  static void SetUpTestSuite() { server = std::make_unique<test::redis_server>(); }
  static void TearDownTestSuite() { server.reset(); }
  void SetUp() override { server->flush(); }

  redis::pool pool{server->where(), 2};
  auth::integrators store{pool};

  static auth::integrator named(const std::string& name) {
    auth::integrator who;
    who.name = name;
    who.display = "渝快办";
    who.scopes = {integrator_scope::intake, integrator_scope::read};
    who.fields = auth::default_integrator_fields();
    who.rate_per_minute = 30;
    return who;
  }

  /// Every key and every string value in Redis, concatenated.
  std::string everything() {
    redis::connection c(server->where());
    std::string out;
    auto keys = c.command({"KEYS", "*"});
    for (std::size_t i = 0; i < keys->elements; ++i) {
      const auto k = redis::reply_string(keys->element[i]);
      out += k + "\n";
      auto type = c.command({"TYPE", k});
      if (redis::reply_string(type.get()) == "hash") {
        auto all = c.command({"HGETALL", k});
        for (std::size_t j = 0; j < all->elements; ++j)
          out += redis::reply_string(all->element[j]) + "\n";
      } else if (redis::reply_string(type.get()) == "string") {
        out += redis::reply_string(c.command({"GET", k}).get()) + "\n";
      }
    }
    return out;
  }
};

} // namespace

TEST_F(integrators_test, AnAddedIntegratorIsFoundByItsKeyAndRedisHoldsOnlyItsHash_M_D_2) {
  const auto key = store.add(named("yukuaiban"), t0);
  EXPECT_EQ(key.rfind("ik1.", 0), 0u);
  EXPECT_EQ(key.size(), 68u);
  const auto who = store.by_key(key);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "yukuaiban");
  EXPECT_EQ(who->display, "渝快办");
  EXPECT_TRUE(who->may(integrator_scope::intake));
  EXPECT_FALSE(who->may(integrator_scope::updates));
  EXPECT_TRUE(who->receives("agency"));
  EXPECT_FALSE(who->receives("caller_contact"));
  EXPECT_EQ(who->rate_per_minute, 30);
  EXPECT_EQ(who->channel(), "integrator:yukuaiban");
  EXPECT_EQ(everything().find(key.substr(4)), std::string::npos) << "the key itself is not stored";
  // A key of the right shape that nobody holds, or of another shape.
  EXPECT_FALSE(store.by_key("ik1." + std::string(64, 'a')));
  EXPECT_FALSE(store.by_key(key.substr(0, 60)));
  EXPECT_FALSE(store.by_key(""));
}

TEST_F(integrators_test, ADisabledIntegratorsKeyIsRefusedAndItStaysListed) {
  const auto key = store.add(named("cityapp"), t0);
  store.add(named("another"), t0);
  store.disable("cityapp", t0 + 1);
  EXPECT_FALSE(store.by_key(key));
  const auto all = store.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "another");
  EXPECT_TRUE(all[1].disabled);
  EXPECT_THROW(store.disable("nobody", t0), auth::integrator_refused);
}

TEST_F(integrators_test, AddRefusesBadNamesScopesFieldsRatesAndATakenName) {
  auto refused_field = [&](auth::integrator who) {
    try {
      store.add(std::move(who), t0);
    } catch (const auth::integrator_refused& e) {
      return e.field;
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused_field(named("Bad Name")), "name");
  EXPECT_EQ(refused_field(named("x")), "name");
  auto no_scope = named("noscope");
  no_scope.scopes.clear();
  EXPECT_EQ(refused_field(no_scope), "scope");
  auto bad_field = named("badfield");
  bad_field.fields.push_back("caller_phone");
  EXPECT_EQ(refused_field(bad_field), "field");
  auto bad_rate = named("badrate");
  bad_rate.rate_per_minute = 0;
  EXPECT_EQ(refused_field(bad_rate), "rate");
  store.add(named("taken"), t0);
  EXPECT_EQ(refused_field(named("taken")), "name");
  EXPECT_EQ(store.list().size(), 1u) << "a refusal adds nothing";
}

TEST_F(integrators_test, TheOpen311IndexListsRequestsByIntakeTime) {
  store.record_request("20261130-000002", t0 + 2);
  store.record_request("20261130-000001", t0 + 1);
  store.record_request("20261130-000001", t0 + 1); // a retry indexes once
  EXPECT_EQ(store.requests_between(t0, t0 + 10, 0, 1000),
            (std::vector<std::string>{"20261130-000001", "20261130-000002"}));
  EXPECT_EQ(store.requests_between(t0 + 2, t0 + 10, 0, 1000),
            (std::vector<std::string>{"20261130-000002"}));
  EXPECT_EQ(store.requests_between(t0, t0 + 10, 0, 1),
            (std::vector<std::string>{"20261130-000001"}));
  EXPECT_EQ(store.requests_between(t0, t0 + 10, 1, 1),
            (std::vector<std::string>{"20261130-000002"}));
  EXPECT_TRUE(store.is_request("20261130-000001"));
  EXPECT_FALSE(store.is_request("20261130-000003"));
}

TEST(integrator_cli, AddPrintsTheKeyOnceListShowsNoKeyDisableRefusesIt) {
  test::temp_dir data{"hotline-integrator-cli"};
  const auto dir = data.path().string();
  const auto added = test::run_cli_full({"integrator", "add", "--data-dir", dir, "--name",
                                         "yukuaiban", "--display-name", "渝快办", "--scope",
                                         "intake", "--field", "agency", "--rate", "60"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ASSERT_EQ(added.out.rfind("api_key: ik1.", 0), 0u) << added.out;
  const auto key = added.out.substr(9, 68);
  const auto list = test::run_cli_full({"integrator", "list", "--data-dir", dir});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("yukuaiban"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("intake"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("active"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(key.substr(4)), std::string::npos);

  EXPECT_EQ(test::run_cli_full({"integrator", "add", "--data-dir", dir, "--name", "other",
                                "--scope", "everything"})
                .exit_code,
            2);
  EXPECT_EQ(
      test::run_cli_full({"integrator", "add", "--data-dir", dir, "--name", "yukuaiban"}).exit_code,
      2);
  EXPECT_EQ(test::run_cli_full({"integrator", "disable", "--data-dir", dir, "--name", "nobody"})
                .exit_code,
            2);
  ASSERT_EQ(test::run_cli_full({"integrator", "disable", "--data-dir", dir, "--name", "yukuaiban"})
                .exit_code,
            0);
  EXPECT_NE(test::run_cli_full({"integrator", "list", "--data-dir", dir}).out.find("disabled"),
            std::string::npos);
}
