// Webhooks (issue 10, item 4) against a real redis-server and a real HTTP
// receiver run by the test: the signature, the retry schedule, URLs, and
// the engine's promises: at least once, in feed order per subscription,
// retried with backoff, parked after the last try and replayable, state
// durable in Redis, one deliverer per partition, a new owner going on from
// the cursor. Waits are bounded polls on what the receiver saw.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdlib>
#include <random>
#include <thread>

#include "adapters/cluster/coordination.hpp"
#include "adapters/webhooks/engine.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace hotline;
using namespace hotline::test;
using namespace std::chrono_literals;
using nlohmann::json;
namespace wh = hotline::webhooks;

namespace {

constexpr const char* secret = "a-shared-secret-of-32-bytes-long";
constexpr cluster::partition_id partitions = 8;

struct webhooks_test : ::testing::Test {
  static inline std::unique_ptr<redis_server> redis;
  static void SetUpTestSuite() { redis = std::make_unique<redis_server>(); }
  static void TearDownTestSuite() { redis.reset(); }

  redis::pool pool{redis->where(), 8};
  cluster::ownership own{"n1", partitions};
  redis::feed feed{pool, "hl"};
  wh::store subs{pool, std::string(32, 'k'), "hl", partitions};
  webhook_receiver receiver{secret};

  void SetUp() override {
    redis->flush();
    own_every_partition(pool, own);
  }

  /// Quick retries, so a test never waits long for a deadline.
  static wh::engine_options quick(int max_attempts = 8) {
    wh::engine_options o;
    o.max_attempts = max_attempts;
    o.backoff_base = 5ms;
    o.backoff_cap = 40ms;
    o.timeout = 2s;
    o.poll = 20ms;
    return o;
  }

  /// A notice in the feed, as the append script writes it; returns its id.
  std::string notice(const std::string& step, const std::string& units,
                     const std::string& ticket = "20261201-000001") {
    const json d{{"ticket_no", ticket},
                 {"status", "dispatched"},
                 {"at", "2026-12-01T09:00:00+08:00"},
                 {"rule", "M-C-2"},
                 {"event", step}};
    auto c = pool.acquire();
    auto r = c->command({"XADD", "hl:push:feed", "*", "e", step, "u", units, "d", d.dump(), "s",
                         std::string("\x81\xa1t\x01", 4)});
    redis::check(r.get(), "XADD");
    return redis::reply_string(r.get());
  }

  wh::subscription subscribe(std::vector<std::string> events = {},
                             std::vector<std::string> units = {}) {
    wh::new_subscription n;
    n.url = receiver.url();
    n.secret = secret;
    n.events = std::move(events);
    n.units = std::move(units);
    n.created_by = "test";
    return subs.create(n, 1764550800000);
  }

  std::string cursor_of(const std::string& id) {
    auto s = subs.get(id);
    return s ? s->cursor : "";
  }
};

bool has_all(const webhook_receiver& r, const std::vector<std::string>& ids) {
  auto got = r.accepted_once();
  for (const auto& id : ids)
    if (!got.count(id))
      return false;
  return true;
}

bool before(const std::string& a, const std::string& b) {
  return *redis::stream_id::parse(a) < *redis::stream_id::parse(b);
}

} // namespace

TEST(WebhookSignature, IsSha256AndTheLowercaseHexHmacOfTheRawBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(wh::signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string body = R"({"id":"1-0","ticket_no":"20261201-000001"})";
  EXPECT_EQ(wh::signature(secret, body), webhook_receiver::expected_signature(secret, body));
  EXPECT_NE(wh::signature(secret, body + " "), wh::signature(secret, body));
}

TEST(WebhookBackoff, DoublesFromTheBaseAndStopsAtTheCap) {
  const std::chrono::milliseconds base = 500ms, cap = 60s;
  const std::vector<long> want{500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(wh::backoff(static_cast<int>(i + 1), base, cap).count(), want[i]) << i + 1;
  EXPECT_EQ(wh::backoff(1000, base, cap), cap) << "no overflow after many tries";
  EXPECT_EQ(wh::backoff(0, base, cap), base);
}

TEST(WebhookUrl, MustBeAnAbsoluteHttpOrHttpsUrlWithAHost) {
  auto t = wh::parse_url("http://127.0.0.1:8081/hook?x=1");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->tls);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "8081");
  EXPECT_EQ(t->path, "/hook?x=1");
  EXPECT_EQ(t->host_header, "127.0.0.1:8081");
  auto s = wh::parse_url("HTTPS://hooks.example.gov.cn");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->port, "443");
  EXPECT_EQ(s->path, "/");
  auto v6 = wh::parse_url("http://[::1]:9000?q");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->path, "/?q");
  for (const char* bad :
       {"ftp://example.com/", "//example.com/x", "http://", "http:///x",
        "http://user:pw@example.com/", "http://example.com:0/", "http://example.com:65536/",
        "http://example.com:/", "http://exa mple.com/", "http://example.com/#frag", "/relative",
        "http://exa\xc3\xa9mple.com/", "http://[::1/"}) {
    std::string why;
    EXPECT_FALSE(wh::parse_url(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST_F(webhooks_test, EveryEventArrivesSignedInFeedOrderThrough30PercentFailuresAndA500Period) {
  std::mt19937 rng(10);
  receiver.answer_with([&rng](std::size_t n, const webhook_try&) {
    if (n >= 10 && n < 25)
      return 500; // the receiver is down for a while
    return std::uniform_int_distribution<int>(0, 9)(rng) < 3 ? 503 : 200;
  });
  auto sub = subscribe();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(notice(i % 3 ? "dispatched" : "reminder", "500103003",
                         "20261201-" + std::to_string(100000 + i % 4)));
  wh::engine engine(subs, feed, own, quick(50));
  engine.start();
  for (int i = 0; i < 20; ++i)
    ids.push_back(notice("supervision", "500103003,cq.office"));
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return has_all(r, ids); }))
      << receiver.accepted().size() << " of " << ids.size();
  EXPECT_EQ(receiver.accepted(), ids) << "each once, in feed order";
  std::string last = "0-0";
  for (const auto& t : receiver.tries()) {
    EXPECT_TRUE(t.signature_ok) << t.id;
    EXPECT_EQ(t.content_type, "application/json");
    EXPECT_FALSE(before(t.id, last)) << "no try of an event before an earlier one is done";
    last = t.id;
    const auto body = json::parse(t.body);
    EXPECT_EQ(t.body.rfind("{\"id\":\"" + t.id + "\",", 0), 0u) << "the id comes first";
    EXPECT_EQ(body["event"], t.event);
    EXPECT_TRUE(body.contains("ticket_no") && body.contains("status") && body.contains("at")
                && body.contains("rule"));
  }
  EXPECT_GT(receiver.tries().size(), ids.size() + 15) << "failures were retried";
  EXPECT_TRUE(receiver.wait_for([&](const auto&) { return cursor_of(sub.id) == ids.back(); }));
  EXPECT_EQ(engine.stats().delivered, ids.size());
  EXPECT_EQ(engine.stats().parked, 0u);
}

TEST_F(webhooks_test, OnlyLaterEventsOfTheWantedStepsAndUnitsAreSentAndTheCursorPassesTheRest) {
  const auto earlier = notice("supervision", "500103003");
  auto sub = subscribe({"supervision", "closed"}, {"500103003"});
  EXPECT_EQ(sub.cursor, earlier) << "starts at the feed's newest entry";
  wh::engine engine(subs, feed, own, quick());
  engine.start();
  notice("dispatched", "500103003");
  notice("supervision", "500104001");
  const auto a = notice("supervision", "500104001,500103003");
  notice("reminder", "500103003");
  const auto b = notice("closed", "500103003");
  const auto last = notice("supervision", "cq.office");
  ASSERT_TRUE(receiver.wait_for([&](const auto&) { return cursor_of(sub.id) == last; }));
  EXPECT_EQ(receiver.accepted(), (std::vector<std::string>{a, b}));
}

TEST_F(webhooks_test, AfterTheLastTryAnEventIsParkedTheNextGoesAndAReplaySendsItAgain) {
  std::string poison;
  std::mutex m;
  receiver.answer_with([&](std::size_t, const webhook_try& t) {
    std::lock_guard<std::mutex> lock(m);
    return t.id == poison ? 500 : 200;
  });
  auto sub = subscribe();
  wh::engine engine(subs, feed, own, quick(3));
  const auto e1 = notice("dispatched", "500103003");
  {
    std::lock_guard<std::mutex> lock(m);
    poison = notice("dispatched", "500103003");
  }
  const auto e3 = notice("dispatched", "500103003");
  engine.start();
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return has_all(r, {e1, e3}); }));
  EXPECT_EQ(receiver.accepted(), (std::vector<std::string>{e1, e3}));
  auto dead = subs.dead_letters(sub.id);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().id, poison);
  EXPECT_EQ(dead->front().step, "dispatched");
  EXPECT_EQ(dead->front().attempts, 3);
  EXPECT_EQ(dead->front().last_error, "HTTP 500");
  EXPECT_EQ(json::parse(dead->front().body)["id"], poison);
  int tries = 0;
  for (const auto& t : receiver.tries())
    tries += t.id == poison;
  EXPECT_EQ(tries, 3);

  // Asking for what is not parked changes nothing.
  auto wrong = subs.replay(sub.id, {e1, poison});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->missing, e1);
  EXPECT_EQ(subs.dead_letters(sub.id)->size(), 1u);
  EXPECT_FALSE(subs.replay("wh_0000000000000000", {}));

  {
    std::lock_guard<std::mutex> lock(m);
    poison.clear(); // the receiver is fixed
  }
  auto queued = subs.replay(sub.id, {});
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->queued, std::vector<std::string>{dead->front().id});
  engine.notify();
  const auto parked = dead->front().id;
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return r.accepted().size() == 3; }));
  EXPECT_EQ(receiver.accepted().back(), parked);
  EXPECT_TRUE(
      receiver.wait_for([&](const auto&) { return subs.get(sub.id)->pending_replays == 0; }));
  EXPECT_TRUE(subs.dead_letters(sub.id)->empty());
  EXPECT_EQ(engine.stats().parked, 1u);
}

TEST_F(webhooks_test, AReceiverThatDoesNotAnswerInTimeIsTriedAgain) {
  receiver.answer_with([](std::size_t n, const webhook_try&) { return n == 0 ? 0 : 204; });
  subscribe();
  auto opts = quick();
  opts.timeout = 300ms;
  wh::engine engine(subs, feed, own, opts);
  engine.start();
  const auto id = notice("reminder", "500103003");
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return has_all(r, {id}); }));
  const auto tries = receiver.tries();
  ASSERT_EQ(tries.size(), 2u);
  EXPECT_EQ(tries[0].id, id);
  EXPECT_EQ(tries[0].status, 0) << "held: the engine timed out";
  EXPECT_EQ(engine.stats().failed, 1u);
}

TEST_F(webhooks_test, ANewOwnerGoesOnFromTheDurableCursorResendingOnlyTheEventInFlight) {
  // Node A delivers until event 5, whose answer never comes; A then loses
  // its partitions (as if it died) and node B takes them over.
  std::vector<std::string> ids;
  std::mutex m;
  std::string stuck;
  receiver.answer_with([&](std::size_t, const webhook_try& t) {
    std::lock_guard<std::mutex> lock(m);
    if (t.id == stuck) {
      stuck.clear(); // its first try only
      return 0;
    }
    return 200;
  });
  auto sub = subscribe();
  for (int i = 0; i < 10; ++i)
    ids.push_back(notice("dispatched", "500103003"));
  {
    std::lock_guard<std::mutex> lock(m);
    stuck = ids[5];
  }
  auto opts = quick();
  opts.timeout = 60s; // A waits for ever, as a dying node would
  auto a = std::make_unique<wh::engine>(subs, feed, own, opts);
  a->start();
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return r.tries().size() == 6; }));
  EXPECT_EQ(cursor_of(sub.id), ids[4]) << "the cursor is where A's answers stopped";

  cluster::coordination coord(pool, "hl", partitions, 1h);
  cluster::held held;
  const auto old_fence = *own.fence(subs.partition_of(sub.id));
  for (cluster::partition_id p = 0; p < partitions; ++p) {
    held.emplace_back(p, own.token(p));
    own.revoke(p);
  }
  coord.release("n1", held);
  cluster::ownership own_b{"n2", partitions};
  std::vector<cluster::partition_id> all;
  for (cluster::partition_id p = 0; p < partitions; ++p)
    all.push_back(p);
  for (const auto& [p, token] : coord.acquire("n2", all))
    own_b.grant(p, token);
  own_b.valid_until(std::chrono::steady_clock::now() + 1h);
  // A paused A that wakes up cannot move the cursor: its lease is gone.
  EXPECT_EQ(subs.advance(sub.id, ids[9], old_fence), wh::write_outcome::fenced);
  EXPECT_EQ(cursor_of(sub.id), ids[4]);

  wh::engine b(subs, feed, own_b, quick());
  b.start();
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return has_all(r, ids); }));
  a.reset(); // abandons its delivery
  EXPECT_EQ(receiver.accepted(), std::vector<std::string>(ids.begin(), ids.end()));
  int tries_of_5 = 0;
  for (const auto& t : receiver.tries())
    tries_of_5 += t.id == ids[5];
  EXPECT_EQ(tries_of_5, 2) << "the event in flight, sent again with the same id";
  EXPECT_EQ(receiver.tries().size(), ids.size() + 1);
  EXPECT_TRUE(receiver.wait_for([&](const auto&) { return cursor_of(sub.id) == ids.back(); }));
}

TEST_F(webhooks_test, TheCursorNeverMovesBackwards) {
  auto sub = subscribe();
  const auto a = notice("dispatched", "500103003");
  const auto b = notice("dispatched", "500103003");
  const auto fence = *own.fence(subs.partition_of(sub.id));
  EXPECT_EQ(subs.advance(sub.id, b, fence), wh::write_outcome::done);
  EXPECT_EQ(subs.advance(sub.id, a, fence), wh::write_outcome::done);
  EXPECT_EQ(cursor_of(sub.id), b);
  // 10-0 is after 9-0 (numbers, not text).
  EXPECT_EQ(subs.advance(sub.id, "99999999999999-0", fence), wh::write_outcome::done);
  EXPECT_EQ(subs.advance(sub.id, "100000000000-5", fence), wh::write_outcome::done);
  EXPECT_EQ(cursor_of(sub.id), "99999999999999-0");
  EXPECT_EQ(subs.advance(sub.id, "100000000000000-0", fence), wh::write_outcome::done);
  EXPECT_EQ(cursor_of(sub.id), "100000000000000-0");
  EXPECT_EQ(subs.advance(sub.id, "garbage", fence), wh::write_outcome::done);
  EXPECT_EQ(cursor_of(sub.id), "100000000000000-0");
  EXPECT_EQ(subs.advance(sub.id, b, "n1|0"), wh::write_outcome::fenced);
  EXPECT_TRUE(subs.remove(sub.id));
  EXPECT_EQ(subs.advance(sub.id, b, fence), wh::write_outcome::gone);
  EXPECT_FALSE(subs.remove(sub.id));
}

TEST_F(webhooks_test, SecretsAreSealedAtRestAndBoundToTheirSubscription) {
  auto sub = subscribe();
  auto other = subscribe();
  auto c = pool.acquire();
  for (const auto& key : {"hl:wh:s:" + sub.id, "hl:wh:s:" + other.id}) {
    auto r = c->command({"HGETALL", key});
    redis::check(r.get(), "HGETALL");
    for (std::size_t i = 0; i < r->elements; ++i)
      EXPECT_EQ(redis::reply_string(r->element[i]).find(secret), std::string::npos);
  }
  EXPECT_EQ(subs.secret(*subs.get(sub.id)), std::string(secret));
  // A sealed secret copied to another subscription does not open there.
  auto moved = *subs.get(other.id);
  moved.sealed_secret = subs.get(sub.id)->sealed_secret;
  EXPECT_FALSE(subs.secret(moved));
  // Nor under another key.
  wh::store foreign{pool, std::string(32, 'x'), "hl", partitions};
  EXPECT_FALSE(foreign.secret(*foreign.get(sub.id)));
}

TEST_F(webhooks_test, ADeletedSubscriptionGetsNothingMoreAndOthersGoOn) {
  webhook_receiver other{secret};
  auto gone = subscribe();
  wh::new_subscription n;
  n.url = other.url();
  n.secret = secret;
  auto stays = subs.create(n, 1);
  wh::engine engine(subs, feed, own, quick());
  engine.start();
  const auto first = notice("dispatched", "500103003");
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return has_all(r, {first}); }));
  ASSERT_TRUE(other.wait_for([&](const auto& r) { return has_all(r, {first}); }));
  EXPECT_TRUE(subs.remove(gone.id));
  const auto second = notice("dispatched", "500103003");
  ASSERT_TRUE(other.wait_for([&](const auto& r) { return has_all(r, {second}); }));
  EXPECT_EQ(receiver.accepted(), std::vector<std::string>{first});
  EXPECT_FALSE(subs.get(gone.id));
  EXPECT_FALSE(subs.dead_letters(gone.id));
  EXPECT_EQ(subs.list().size(), 1u);
  EXPECT_EQ(subs.list().front().id, stays.id);
}

TEST_F(webhooks_test, ANodeDeliversOnlyTheSubscriptionsOfThePartitionsItOwns) {
  auto sub = subscribe();
  cluster::ownership none{"n3", partitions};
  none.valid_until(std::chrono::steady_clock::now() + 1h);
  wh::engine idle(subs, feed, none, quick());
  idle.start();
  webhook_receiver marker{secret};
  wh::new_subscription n;
  n.url = marker.url();
  n.secret = secret;
  subs.create(n, 1);
  const auto id = notice("dispatched", "500103003");
  // The owner (this fixture's `own`) delivers the marker; the idle engine
  // owns nothing, so the first subscription stays undelivered.
  wh::engine owner(subs, feed, own, quick());
  owner.start();
  ASSERT_TRUE(marker.wait_for([&](const auto& r) { return has_all(r, {id}); }));
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return has_all(r, {id}); }));
  EXPECT_EQ(receiver.tries().size(), 1u) << "one deliverer";
  EXPECT_EQ(idle.stats().delivered + idle.stats().failed, 0u);
  EXPECT_EQ(cursor_of(sub.id), id);
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

/// A TLS receiver: a certificate made by the openssl tool for the address
/// 127.0.0.1 only (CN "test-receiver"), answering 200 to each request.
struct tls_receiver {
  temp_dir dir{"hotline-webhooks-tls"};
  asio::io_context ioc;
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  std::atomic<bool> stop{false};
  std::atomic<int> served{0};
  std::thread thread;

  std::string cert() const { return (dir.path() / "cert.pem").string(); }

  tls_receiver() {
    const auto key = (dir.path() / "key.pem").string();
    const auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-receiver "
                     "-addext subjectAltName=IP:127.0.0.1 -keyout "
                     + key + " -out " + cert() + " 2>/dev/null";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("openssl req failed");
    ctx.use_certificate_chain_file(cert());
    ctx.use_private_key_file(key, asio::ssl::context::pem);
    thread = std::thread([this] { serve(); });
  }
  ~tls_receiver() {
    stop = true;
    asio::ip::tcp::socket wake(ioc);
    boost::system::error_code ec;
    wake.connect(acceptor.local_endpoint(), ec);
    thread.join();
  }
  std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(acceptor.local_endpoint().port()) + "/hook";
  }
  void serve() {
    while (!stop) {
      asio::ip::tcp::socket s(ioc);
      boost::system::error_code ec;
      acceptor.accept(s, ec);
      if (ec || stop)
        return;
      beast::ssl_stream<asio::ip::tcp::socket> tls(std::move(s), ctx);
      tls.handshake(asio::ssl::stream_base::server, ec);
      if (ec)
        continue; // the client refused our certificate
      beast::flat_buffer buffer;
      beast::http::request<beast::http::string_body> req;
      beast::http::read(tls, buffer, req, ec);
      if (ec)
        continue;
      beast::http::response<beast::http::string_body> res{beast::http::status::ok, 11};
      res.body() = "{}";
      res.prepare_payload();
      beast::http::write(tls, res, ec);
      tls.shutdown(ec);
      ++served;
    }
  }
};

} // namespace

TEST(WebhookTls, HttpsChecksTheReceiversCertificateAndName) {
  tls_receiver tls;
  wh::post_options opts;
  opts.timeout = 5s;
  opts.ca_file = tls.cert();
  const std::string body = "{}";
  auto ok = wh::post(*wh::parse_url(tls.url("127.0.0.1")), {}, body, opts);
  EXPECT_EQ(ok.status, 200) << ok.describe();
  // Not trusted without the CA file.
  auto untrusted = wh::post(*wh::parse_url(tls.url("127.0.0.1")), {}, body, {5s, "", nullptr});
  EXPECT_EQ(untrusted.status, 0);
  EXPECT_NE(untrusted.error.find("TLS handshake"), std::string::npos) << untrusted.error;
  // Trusted, but not for this name.
  auto wrong_name = wh::post(*wh::parse_url(tls.url("localhost")), {}, body, opts);
  EXPECT_EQ(wrong_name.status, 0);
  EXPECT_NE(wrong_name.error.find("TLS handshake"), std::string::npos) << wrong_name.error;
  EXPECT_EQ(tls.served, 1);
}

TEST(WebhookPost, NamesWhatFailedWhenNoStatusArrives) {
  // A port nobody listens on: bind one, then close it.
  asio::io_context ioc;
  asio::ip::tcp::acceptor a{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  const auto port = a.local_endpoint().port();
  a.close();
  auto refused = wh::post(*wh::parse_url("http://127.0.0.1:" + std::to_string(port) + "/"), {},
                          "{}", {2s, "", nullptr});
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.describe().find("connecting"), std::string::npos) << refused.describe();
}
