// Staff accounts, passwords and sessions against a real redis-server, and
// the `hotline user` / `hotline token` commands through the real binary
// (M-U-1 people and roles, M-D-3 access to caller data controlled). Time is
// injected: nothing here sleeps to wait for an expiry.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "adapters/auth/accounts.hpp"
#include "adapters/auth/keys.hpp"
#include "adapters/auth/sessions.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/crypto/crypto.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/service_process.hpp"

using namespace hotline;
using namespace hotline::auth;
using routing::role;
using routing::role_set;

namespace {

constexpr std::int64_t t0 = 1'760'000'000'000; // ms since the epoch
constexpr std::int64_t second = 1000;
constexpr std::int64_t minute = 60 * second;
constexpr std::int64_t hour = 60 * minute;
const std::string good_password = "长江嘉陵江交汇处-2025";

session_options fast_options() {
  session_options o;
  o.passwords = password_options::minimum();
  return o;
}

struct auth_test : ::testing::Test {
  static inline std::unique_ptr<test::redis_server> server;
  static inline std::unique_ptr<config::hotline_config> cfg;
  static void SetUpTestSuite() {
    server = std::make_unique<test::redis_server>();
    cfg = std::make_unique<config::hotline_config>(config::load(test::chongqing_config()));
  }
  static void TearDownTestSuite() {
    server.reset();
    cfg.reset();
  }
  void SetUp() override { server->flush(); }

  redis::pool pool{server->where(), 4};
  accounts accts{pool, password_options::minimum()};
  sessions sess{pool, fast_options()};

  const routing::directory& dir() const { return cfg->directory; }

  account add(const std::string& username, const std::string& unit, role_set roles,
              const std::string& password = good_password) {
    return accts.add({username, "张晓燕", unit, roles, password}, dir(), t0);
  }
  account add_operator(const std::string& username = "zhang.xy") {
    return add(username, dir().office_id(), role_set::of({role::operator_}));
  }
  std::string login_token(const std::string& username = "zhang.xy", std::int64_t now = t0) {
    auto r = sess.login(username, good_password, "10.0.0.1", now);
    EXPECT_TRUE(r) << to_string(r.error);
    return r ? r.session->token : std::string();
  }

  /// Every key and every value (hash fields and values, set members,
  /// strings) in Redis, as one text to search.
  std::string everything_in_redis() {
    redis::connection c(server->where());
    auto keys = c.command({"KEYS", "*"});
    std::string all;
    for (std::size_t i = 0; i < keys->elements; ++i) {
      const std::string k = redis::reply_string(keys->element[i]);
      all += k + "\n";
      const std::string type = redis::reply_string(c.command({"TYPE", k}).get());
      redis::reply_ptr v = type == "hash"  ? c.command({"HGETALL", k})
                           : type == "set" ? c.command({"SMEMBERS", k})
                                           : c.command({"GET", k});
      if (v->type == REDIS_REPLY_ARRAY)
        for (std::size_t j = 0; j < v->elements; ++j)
          all += redis::reply_string(v->element[j]) + "\n";
      else if (v->type == REDIS_REPLY_STRING)
        all += redis::reply_string(v.get()) + "\n";
    }
    return all;
  }
};

} // namespace

// --- passwords ------------------------------------------------------------------

TEST(auth_password, HashIsArgon2idThatVerifiesAndIsNotThePassword_M_D_3) {
  const auto opts = password_options::minimum();
  const std::string h = hash_password(good_password, opts);
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_EQ(h.find(good_password), std::string::npos);
  EXPECT_NE(h, hash_password(good_password, opts)); // a fresh salt each time
  EXPECT_TRUE(verify_password(h, good_password));
  EXPECT_FALSE(verify_password(h, good_password + "x"));
  EXPECT_FALSE(verify_password("not a hash", good_password));
  EXPECT_FALSE(needs_rehash(h, opts));
  EXPECT_TRUE(needs_rehash(h, password_options::interactive()));
}

TEST(auth_password, LengthCountsCodePointsFrom10To256_M_D_3) {
  EXPECT_TRUE(password_problem("123456789").has_value());
  EXPECT_FALSE(password_problem("1234567890").has_value());
  EXPECT_FALSE(password_problem("重庆市渝中区解放碑街").has_value()); // 10 characters, 30 bytes
  EXPECT_TRUE(password_problem("重庆市渝中区解放碑").has_value());
  EXPECT_FALSE(password_problem(std::string(256, 'a')).has_value());
  EXPECT_TRUE(password_problem(std::string(257, 'a')).has_value());
  EXPECT_TRUE(password_problem("12345678\xff\xfe").has_value()); // not UTF-8
  EXPECT_THROW(hash_password("short", password_options::minimum()), std::invalid_argument);
}

TEST(auth_password, GeneratedPasswordsHave16CharactersAndDiffer) {
  const std::string a = generate_password(), b = generate_password();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_FALSE(password_problem(a).has_value());
  EXPECT_EQ(a.find_first_of("0O1lI"), std::string::npos);
}

// --- accounts ---------------------------------------------------------------------

TEST_F(auth_test, AnAddedAccountReadsBackWithItsUnitAndRolesButNoHash_M_U_1) {
  add_operator();
  add("li.na", "500103", role_set::of({role::liaison, role::handler}));
  const auto a = accts.get("zhang.xy");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->display_name, "张晓燕");
  EXPECT_EQ(a->unit_id, "cq.office");
  EXPECT_TRUE(a->office);
  EXPECT_EQ(a->roles, role_set::of({role::operator_}));
  EXPECT_FALSE(a->disabled);
  EXPECT_EQ(a->created_at, t0);
  const auto all = accts.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].username, "li.na");
  EXPECT_FALSE(all[0].office);
  EXPECT_EQ(all[0].roles, role_set::of({role::liaison, role::handler}));
  EXPECT_FALSE(accts.get("nobody").has_value());
}

TEST_F(auth_test, AddRefusesATakenUsernameWithAClearError_M_U_1) {
  add_operator();
  try {
    add_operator();
    FAIL() << "a second zhang.xy was added";
  } catch (const account_refused& e) {
    EXPECT_EQ(e.code(), account_errc::exists);
    EXPECT_EQ(e.field(), "username");
    EXPECT_NE(std::string(e.what()).find("zhang.xy"), std::string::npos);
  }
}

TEST_F(auth_test, AddRefusesRolesOfTheOtherSideUnknownUnitsAndBadInput_M_U_1) {
  const auto code_of = [&](const new_account& n) {
    try {
      accts.add(n, dir(), t0);
    } catch (const account_refused& e) {
      return std::string(to_string(e.code()));
    }
    return std::string("added");
  };
  const role_set liaison = role_set::of({role::liaison});
  const role_set op = role_set::of({role::operator_});
  EXPECT_EQ(code_of({"wang.w", "王伟", "500103", op, good_password}), "invalid_role");
  EXPECT_EQ(code_of({"wang.w", "王伟", "cq.office", liaison, good_password}), "invalid_role");
  EXPECT_EQ(code_of({"wang.w", "王伟", "500103", {}, good_password}), "invalid_role");
  EXPECT_EQ(code_of({"wang.w", "王伟", "no.such.unit", liaison, good_password}), "unknown_unit");
  EXPECT_EQ(code_of({"Wang.W", "王伟", "500103", liaison, good_password}), "invalid_username");
  EXPECT_EQ(code_of({"wang.w", "", "500103", liaison, good_password}), "invalid_display_name");
  std::string long_name;
  for (int i = 0; i < 33; ++i)
    long_name += "王";
  EXPECT_EQ(code_of({"wang.w", long_name, "500103", liaison, good_password}),
            "invalid_display_name");
  EXPECT_EQ(code_of({"wang.w", "王\n伟", "500103", liaison, good_password}),
            "invalid_display_name");
  EXPECT_EQ(code_of({"wang.w", "王\xc2\x85伟", "500103", liaison, good_password}),
            "invalid_display_name");
  EXPECT_EQ(code_of({"wang.w", "王\xff", "500103", liaison, good_password}),
            "invalid_display_name");
  EXPECT_EQ(code_of({"wang.w", "王伟", "500103", liaison, "short"}), "invalid_password");
  EXPECT_FALSE(accts.get("wang.w").has_value());
  EXPECT_EQ(code_of({"wang.w", "王伟", "500103", liaison, good_password}), "added");
}

// --- login ------------------------------------------------------------------------

TEST_F(auth_test, LoginGivesAnOpaqueTokenAndVerifyGivesThePrincipal_M_D_3) {
  add("li.na", "500103", role_set::of({role::liaison}));
  const auto r = sess.login("li.na", good_password, "10.0.0.1", t0);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::regex_match(r.session->token, std::regex("s1\\.[A-Za-z0-9_-]{43}")));
  EXPECT_EQ(r.session->expires_at, t0 + 30 * minute);
  const auto p = sess.verify(r.session->token, t0 + second);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->user, "li.na");
  EXPECT_EQ(p->display_name, "张晓燕");
  EXPECT_EQ(p->unit_id, "500103");
  EXPECT_FALSE(p->office);
  EXPECT_EQ(p->roles, role_set::of({role::liaison}));
  EXPECT_EQ(p->session, crypto::sha256_hex(r.session->token));
  EXPECT_EQ(r.session->who.session, p->session);
  EXPECT_FALSE(sess.verify("s1." + std::string(43, 'A'), t0).has_value());
  EXPECT_FALSE(sess.verify("garbage", t0).has_value());
}

TEST_F(auth_test, WrongPasswordUnknownUserAndDisabledAccountGetTheSameAnswer_M_D_3) {
  add_operator();
  add_operator("disabled.one");
  accts.disable("disabled.one", t0);
  const auto wrong = sess.login("zhang.xy", "not-the-password", "10.0.0.1", t0);
  const auto unknown = sess.login("nobody.here", good_password, "10.0.0.1", t0);
  const auto disabled = sess.login("disabled.one", good_password, "10.0.0.1", t0);
  const auto malformed = sess.login("NOT A NAME", good_password, "10.0.0.1", t0);
  for (const auto* r : {&wrong, &unknown, &disabled, &malformed}) {
    EXPECT_FALSE(*r);
    EXPECT_EQ(to_string(r->error), "invalid_credentials");
    EXPECT_EQ(r->retry_after_s, 0);
  }
}

TEST_F(auth_test, RedisNeverHoldsTheTokenOrThePassword_M_D_3) {
  add_operator();
  const std::string token = login_token();
  const std::string all = everything_in_redis();
  EXPECT_EQ(all.find(token), std::string::npos);
  EXPECT_EQ(all.find(token.substr(3)), std::string::npos); // nor its random part
  EXPECT_EQ(all.find(good_password), std::string::npos);
  EXPECT_NE(all.find(keys::session("hl", crypto::sha256_hex(token))), std::string::npos);
}

// --- expiry -----------------------------------------------------------------------

TEST_F(auth_test, ASessionUnusedForTheIdleLimitEnds_M_D_3) {
  add_operator();
  const std::string token = login_token();
  EXPECT_TRUE(sess.verify(token, t0 + 30 * minute - 1).has_value());
  // That use slid the idle limit: 30 more minutes from it.
  EXPECT_TRUE(sess.verify(token, t0 + 59 * minute).has_value());
  EXPECT_FALSE(sess.verify(token, t0 + 59 * minute + 30 * minute).has_value());
  // And it stays ended even if the clock were read differently later.
  EXPECT_FALSE(sess.verify(token, t0 + 60 * minute).has_value());
}

TEST_F(auth_test, VerifyWritesTheIdleExpiryAtMostOncePerMinute) {
  add_operator();
  const std::string token = login_token();
  EXPECT_EQ(sess.check(token, t0 + 30 * second)->expires_at, t0 + 30 * minute);
  EXPECT_EQ(sess.check(token, t0 + 59 * second)->expires_at, t0 + 30 * minute);
  EXPECT_EQ(sess.check(token, t0 + 60 * second)->expires_at, t0 + 31 * minute);
  EXPECT_EQ(sess.check(token, t0 + 90 * second)->expires_at, t0 + 31 * minute);
}

TEST_F(auth_test, ABusySessionStillEndsAtTheAbsoluteLimit_M_D_3) {
  add_operator();
  const std::string token = login_token();
  std::int64_t t = t0;
  for (; t < t0 + 12 * hour; t += 20 * minute)
    ASSERT_TRUE(sess.verify(token, t).has_value()) << (t - t0) / minute << " min";
  EXPECT_FALSE(sess.verify(token, t0 + 12 * hour).has_value());
}

TEST_F(auth_test, LogoutEndsTheSessionAndOnlyThatOne) {
  add_operator();
  const std::string a = login_token(), b = login_token();
  sess.logout(a);
  EXPECT_FALSE(sess.verify(a, t0 + second).has_value());
  EXPECT_TRUE(sess.verify(b, t0 + second).has_value());
  sess.logout(a); // twice is harmless
  sess.logout("garbage");
}

// --- ending sessions from the account -------------------------------------------

TEST_F(auth_test, DisablingAnAccountEndsAllItsSessionsAtOnce_M_D_3) {
  add_operator();
  add_operator("other.op");
  const std::string a = login_token(), b = login_token(), other = login_token("other.op");
  accts.disable("zhang.xy", t0 + second);
  EXPECT_FALSE(sess.verify(a, t0 + 2 * second).has_value());
  EXPECT_FALSE(sess.verify(b, t0 + 2 * second).has_value());
  EXPECT_TRUE(sess.verify(other, t0 + 2 * second).has_value());
  EXPECT_TRUE(accts.get("zhang.xy")->disabled);
  accts.enable("zhang.xy", t0 + 3 * second);
  EXPECT_FALSE(sess.verify(a, t0 + 4 * second).has_value()); // ended stays ended
  EXPECT_TRUE(sess.login("zhang.xy", good_password, "10.0.0.1", t0 + 5 * second));
  EXPECT_THROW(accts.disable("nobody", t0), account_refused);
}

TEST_F(auth_test, NewRolesOrANewPasswordEndTheAccountsSessions_M_U_1) {
  add("li.na", "500103", role_set::of({role::liaison}));
  const std::string a = login_token("li.na");
  accts.set_roles("li.na", role_set::of({role::handler}), t0 + second);
  EXPECT_FALSE(sess.verify(a, t0 + 2 * second).has_value());
  EXPECT_THROW(accts.set_roles("li.na", role_set::of({role::admin}), t0), account_refused);
  const std::string b = login_token("li.na", t0 + 3 * second);
  EXPECT_EQ(sess.verify(b, t0 + 4 * second)->roles, role_set::of({role::handler}));
  accts.set_password("li.na", "另一个足够长的密码口令", t0 + 5 * second);
  EXPECT_FALSE(sess.verify(b, t0 + 6 * second).has_value());
  EXPECT_FALSE(sess.login("li.na", good_password, "10.0.0.1", t0 + 7 * second));
  EXPECT_TRUE(sess.login("li.na", "另一个足够长的密码口令", "10.0.0.1", t0 + 8 * second));
}

TEST_F(auth_test, TheCacheRefusesADisabledAccountWithinOneSecond_M_D_3) {
  add_operator();
  const std::string token = login_token();
  session_cache node_a(sess, 1000), node_b(sess, 1000);
  ASSERT_TRUE(node_a.verify(token, t0 + 10 * second).has_value());
  ASSERT_TRUE(node_b.verify(token, t0 + 10 * second + 500).has_value());
  accts.disable("zhang.xy", t0 + 10 * second + 600);
  // Within the second each node may still answer from memory ...
  EXPECT_TRUE(node_a.verify(token, t0 + 10 * second + 999).has_value());
  // ... and not one millisecond longer.
  EXPECT_FALSE(node_a.verify(token, t0 + 11 * second).has_value());
  EXPECT_FALSE(node_b.verify(token, t0 + 11 * second + 500).has_value());
  // Once refused, a node asks Redis again every time.
  EXPECT_FALSE(node_a.verify(token, t0 + 11 * second + 1).has_value());
}

TEST_F(auth_test, TheCacheAnswersFromMemoryOnlyWithinItsBound) {
  add_operator();
  const std::string token = login_token();
  session_cache cache(sess, 1000);
  ASSERT_TRUE(cache.verify(token, t0).has_value());
  sess.logout(token); // on another node: this cache does not know
  EXPECT_TRUE(cache.verify(token, t0 + 999).has_value());
  EXPECT_FALSE(cache.verify(token, t0 + 1000).has_value());
  // A clock that went back does not extend the bound.
  const std::string other = login_token();
  ASSERT_TRUE(cache.verify(other, t0 + 5000).has_value());
  sess.logout(other);
  EXPECT_FALSE(cache.verify(other, t0 + 4000).has_value());
  // forget() drops an entry at once, for a logout on this node.
  const std::string third = login_token();
  ASSERT_TRUE(cache.verify(third, t0 + 6000).has_value());
  sess.logout(third);
  cache.forget(third);
  EXPECT_FALSE(cache.verify(third, t0 + 6001).has_value());
}

// Issue 16 item 1: the HTTP layer asks fresh() on its io thread and sends
// the check to the blocking pool when it is false; fresh() must be false
// exactly when verify() would read Redis (so the bound above still holds).
TEST_F(auth_test, FreshSaysWhetherTheCacheWouldAnswerWithoutRedis_M_D_3) {
  add_operator();
  const std::string token = login_token();
  session_cache cache(sess, 1000);
  EXPECT_FALSE(cache.fresh(token, t0)); // never verified here
  ASSERT_TRUE(cache.verify(token, t0).has_value());
  EXPECT_TRUE(cache.fresh(token, t0 + 999));
  EXPECT_FALSE(cache.fresh(token, t0 + 1000)); // past the bound: Redis again
  EXPECT_FALSE(cache.fresh(token, t0 - 1));    // a clock that went back
  sess.logout(token);
  EXPECT_FALSE(cache.verify(token, t0 + 1000).has_value());
  EXPECT_FALSE(cache.fresh(token, t0 + 1001)); // a refusal is never kept
  // Not shaped like a session token: refused at once, nothing to read.
  EXPECT_TRUE(cache.fresh("not-a-session", t0));
  EXPECT_FALSE(cache.verify("not-a-session", t0).has_value());
}

// --- rate limits ------------------------------------------------------------------

TEST_F(auth_test, FiveFailuresLockTheAccountEvenForTheRightPasswordUntilTheWindowFrees_M_D_3) {
  add_operator();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(sess.login("zhang.xy", "wrong-password", "10.0.0." + std::to_string(i), t0 + i).error,
              login_error::invalid_credentials);
  const auto limited = sess.login("zhang.xy", good_password, "10.0.9.9", t0 + 5 * minute);
  EXPECT_FALSE(limited);
  EXPECT_EQ(to_string(limited.error), "rate_limited");
  EXPECT_EQ(limited.retry_after_s, 10 * 60); // the window opened at t0, for 15 minutes
  EXPECT_FALSE(sess.login("zhang.xy", good_password, "10.0.9.9", t0 + 15 * minute - 1));
  EXPECT_TRUE(sess.login("zhang.xy", good_password, "10.0.9.9", t0 + 15 * minute));
}

TEST_F(auth_test, UnknownUsernamesAreLimitedLikeKnownOnes_M_D_3) {
  for (int i = 0; i < 5; ++i)
    sess.login("nobody.here", "wrong-password", "10.0.0." + std::to_string(i), t0);
  EXPECT_EQ(sess.login("nobody.here", "x", "10.0.1.1", t0).error, login_error::rate_limited);
}

TEST_F(auth_test, ASuccessfulLoginResetsTheAccountsCounter) {
  add_operator();
  for (int i = 0; i < 4; ++i)
    sess.login("zhang.xy", "wrong-password", "10.0.0.1", t0);
  EXPECT_TRUE(sess.login("zhang.xy", good_password, "10.0.0.1", t0));
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(sess.login("zhang.xy", "wrong-password", "10.0.0.1", t0).error,
              login_error::invalid_credentials);
  EXPECT_TRUE(sess.login("zhang.xy", good_password, "10.0.0.1", t0));
}

TEST_F(auth_test, TwentyFailuresFromOneAddressLockItForEveryAccount_M_D_3) {
  add_operator();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(
        sess.login("guess." + std::to_string(i), "wrong-password", "203.0.113.7", t0 + i).error,
        login_error::invalid_credentials);
  const auto limited = sess.login("zhang.xy", good_password, "203.0.113.7", t0 + minute);
  EXPECT_EQ(limited.error, login_error::rate_limited);
  EXPECT_EQ(limited.retry_after_s, 14 * 60);
  EXPECT_TRUE(sess.login("zhang.xy", good_password, "198.51.100.2", t0 + minute));
  EXPECT_TRUE(sess.login("zhang.xy", good_password, "203.0.113.7", t0 + 15 * minute));
}

// --- the hotline CLI, end to end ----------------------------------------------------

namespace {

struct auth_cli_test : ::testing::Test {
  test::temp_dir data{"hotline-auth-cli"};
  const std::string config = test::chongqing_config().string();

  test::cli_result user(const std::string& sub, std::vector<std::string> args,
                        const std::optional<std::string>& input = std::nullopt) {
    std::vector<std::string> full{"user", sub, "--data-dir", data.path().string()};
    if (sub == "add")
      full.insert(full.end(), {"--config", config});
    full.insert(full.end(), args.begin(), args.end());
    return test::run_cli_full(full, input);
  }

  /// Logs in against the data dir's Redis, started for the check and
  /// stopped again (as the CLI does).
  bool can_login(const std::string& username, const std::string& password) {
    redis::embedded_options opts;
    opts.data_dir = data.path();
    redis::embedded_redis server(opts);
    redis::pool pool(server.where(), 1);
    sessions s(pool, fast_options());
    return static_cast<bool>(s.login(username, password, "127.0.0.1", t0));
  }
};

} // namespace

TEST_F(auth_cli_test, UserAddReadsThePasswordFromStdin_M_U_1) {
  const auto r = user("add",
                      {"--username", "zhang.xy", "--unit", "office", "--role", "operator", "--role",
                       "supervisor", "--display-name", "张晓燕"},
                      good_password + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ""); // nothing to show: the password was given
  EXPECT_TRUE(can_login("zhang.xy", good_password));
  EXPECT_FALSE(can_login("zhang.xy", "wrong-password"));
}

TEST_F(auth_cli_test, UserAddWithoutAPasswordPrintsAGeneratedOneOnce_M_U_1) {
  const auto r = user("add", {"--username", "li.na", "--unit", "500103", "--role", "liaison"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, std::regex("password: ([A-Za-z0-9]{16})\n"))) << r.out;
  EXPECT_TRUE(can_login("li.na", m[1]));
}

TEST_F(auth_cli_test, UserListShowsAccountsButNeverAHash) {
  ASSERT_EQ(user("add",
                 {"--username", "zhang.xy", "--unit", "office", "--role", "operator",
                  "--display-name", "张晓燕"},
                 good_password)
                .exit_code,
            0);
  ASSERT_EQ(user("add", {"--username", "li.na", "--unit", "500103", "--role", "liaison"}).exit_code,
            0);
  const auto r = user("list", {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("zhang.xy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("张晓燕"), std::string::npos);
  EXPECT_NE(r.out.find("li.na"), std::string::npos);
  EXPECT_NE(r.out.find("liaison"), std::string::npos);
  EXPECT_EQ(r.out.find("argon2"), std::string::npos);
  EXPECT_EQ(r.out.find(good_password), std::string::npos);
}

TEST_F(auth_cli_test, UserDisableEndsSessionsOfARunningRedis_M_D_3) {
  test::redis_server server;
  redis::pool pool(server.where(), 1);
  accounts accts(pool, password_options::minimum());
  const auto cfg = config::load(test::chongqing_config());
  accts.add({"zhang.xy", "张晓燕", "cq.office", role_set::of({role::operator_}), good_password},
            cfg.directory, t0);
  sessions s(pool, fast_options());
  const auto r = s.login("zhang.xy", good_password, "127.0.0.1", t0);
  ASSERT_TRUE(r);
  const auto off = user("disable", {"--username", "zhang.xy", "--redis", server.where().url()});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_FALSE(s.verify(r.session->token, t0 + second).has_value());
  const auto list = user("list", {"--redis", server.where().url()});
  EXPECT_NE(list.out.find("disabled"), std::string::npos) << list.out;
  EXPECT_EQ(user("enable", {"--username", "zhang.xy", "--redis", server.where().url()}).exit_code,
            0);
  EXPECT_EQ(user("disable", {"--username", "nobody", "--redis", server.where().url()}).exit_code,
            2);
}

TEST_F(auth_cli_test, RolesOfTheOtherSideAreRefusedWithExit2_M_U_1) {
  const auto unit_op
      = user("add", {"--username", "li.na", "--unit", "500103", "--role", "operator"});
  EXPECT_EQ(unit_op.exit_code, 2);
  EXPECT_NE(unit_op.err.find("operator"), std::string::npos) << unit_op.err;
  EXPECT_EQ(
      user("add", {"--username", "zhang.xy", "--unit", "office", "--role", "liaison"}).exit_code,
      2);
  EXPECT_EQ(user("add", {"--username", "zhang.xy", "--unit", "office", "--role", "boss"}).exit_code,
            2);
  EXPECT_EQ(
      user("add", {"--username", "li.na", "--unit", "no.such", "--role", "liaison"}).exit_code, 2);
  EXPECT_EQ(user("add", {"--username", "li.na", "--unit", "500103", "--role", "liaison"}, "short\n")
                .exit_code,
            2);
  const auto secret_url = user("list", {"--redis", "redis://admin:hunter2@127.0.0.1:1"});
  EXPECT_EQ(secret_url.exit_code, 2);
  EXPECT_EQ(secret_url.err.find("hunter2"), std::string::npos) << secret_url.err;
}

TEST_F(auth_cli_test, TokenForTheOfficeIdAsAUnitIsRefused_M_D_3) {
  const std::vector<std::string> base{"token", "--data-dir", data.path().string(), "--config",
                                      config};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run_cli_full(args);
  };
  const auto office_as_unit = with({"--unit", "cq.office"});
  EXPECT_EQ(office_as_unit.exit_code, 2);
  EXPECT_NE(office_as_unit.err.find("--office"), std::string::npos) << office_as_unit.err;
  EXPECT_EQ(with({"--unit", "no.such"}).exit_code, 2);
  EXPECT_EQ(with({"--unit", "500103", "--role", "supervisor"}).exit_code, 2);
  EXPECT_EQ(with({"--office", "--ttl", "forever"}).exit_code, 2);

  const auto unit = with({"--unit", "500103", "--ttl", "90m"});
  ASSERT_EQ(unit.exit_code, 0) << unit.err;
  const auto secret = crypto::load_or_create_key(data.path() / "keys" / "token.key");
  const std::string token = unit.out.substr(0, unit.out.find('\n'));
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto p = crypto::verify_automation_token(secret, token, now, "cq.office");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->roles, role_set::of({role::liaison}));
  EXPECT_FALSE(crypto::verify_automation_token(secret, token, now + 91 * minute, "cq.office"));
  const auto office = with({"--office"});
  ASSERT_EQ(office.exit_code, 0) << office.err;
  const auto q = crypto::verify_automation_token(
      secret, office.out.substr(0, office.out.find('\n')), now, "cq.office");
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->office);
  EXPECT_EQ(q->roles, role_set::of({role::supervisor}));
}
