// Issue 9 against the real hotlined: the role × endpoint matrix walked in
// full, the extraction-code guard, the audited reveal of a caller's
// contact, strict input, unverified repeats, the staff share of capacity.
#include "tests/e2e/e2e.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "adapters/http/routes.hpp"
#include "tests/support/sse_client.hpp"

using namespace hotline;
using namespace hotline::test;
using routing::role;

namespace {

struct access_flags {
  static constexpr const char* tag = "hotline-access";
  static std::vector<std::string> extra() { return {}; }
};

struct access : service_suite<access_flags> {
  json submit(const std::string& request_id, const std::string& bearer = "") {
    auto r = http.request("POST", "/api/v1/demands", yuzhong_demand(request_id).dump(), bearer);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r);
  }
};

// Sends `request` as is on a fresh connection and returns all it gets
// back until the server closes (bounded by a 5 s receive timeout).
std::string raw_exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0
      && ::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string fill(std::string pattern, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const auto key = "{" + name + "}";
    for (auto at = pattern.find(key); at != std::string::npos; at = pattern.find(key))
      pattern.replace(at, key.size(), value);
  }
  return pattern;
}

} // namespace

// docs/SECURITY.md: every role and anonymous callers against every endpoint
// of the table; a cell that differs from the table fails. A refusal by the
// table is 401 (no credentials) or 403 with field "role"; an allowed call
// may still fail for its input, its scope or the ticket's state, never so.
TEST_F(access, TheWholeRoleMatrixHoldsAgainstTheRealService_M_D_3_M_U_1) {
  const auto t = submit("matrix-1");
  const std::string no = t["ticket_no"];
  const std::string unit = t["assignment"]["unit_id"];
  std::map<std::string, std::optional<routing::principal>> who;
  std::map<std::string, std::string> tokens;
  who["anonymous"] = std::nullopt;
  for (std::size_t i = 0; i < routing::role_count; ++i) {
    const auto r = static_cast<role>(i);
    const bool office = routing::office_roles().has(r);
    routing::principal p;
    p.office = office;
    p.roles = routing::role_set::of({r});
    const std::string name(routing::to_string(r));
    who[name] = p;
    tokens[name] = role_token(*data, name, office ? "" : unit);
  }
  int cells = 0;
  for (const auto& route : http::route_table()) {
    const auto target = fill(std::string(route.pattern), {{"no", no},
                                                          {"unit_id", unit},
                                                          {"username", "nobody"},
                                                          {"webhook_id", "wh_0000000000000000"}});
    for (const auto& [name, p] : who) {
      const bool allowed = http::authorize(route, p) == http::verdict::allow;
      const auto bearer = p ? tokens[name] : "";
      // A body that is JSON but no valid command: most allowed calls fail
      // on their input or scope.
      const std::string body = route.method == "GET" || route.method == "DELETE" ? "" : "{}";
      http_result res;
      if (target.size() > 7 && target.compare(target.size() - 7, 7, "/events") == 0) {
        // An event stream stays open when allowed: its head and any error
        // body are all there is to read.
        sse_client stream("127.0.0.1", service->port(), target, bearer);
        res.status = stream.status();
        if (res.status != 200)
          res.body = stream.body();
      } else {
        res = http.request(std::string(route.method), target, body, bearer);
      }
      const auto j = json::parse(res.body, nullptr, false);
      const auto field = j.is_object() && j.contains("error") ? j["error"]["field"] : json();
      const bool refused_by_table = (res.status == 401 && field == "authorization")
                                    || (res.status == 403 && field == "role");
      EXPECT_EQ(!allowed, refused_by_table) << route.method << " " << route.pattern << " as "
                                            << name << ": " << res.status << " " << res.body;
      if (!allowed && !p) {
        EXPECT_EQ(res.status, 401) << route.pattern;
      }
      ++cells;
    }
  }
  EXPECT_EQ(cells, static_cast<int>(http::route_table().size() * (routing::role_count + 1)));
}

// M-R-2: five wrong codes per ticket in 15 minutes, then 429 with
// Retry-After, even for the right code; a wrong code and an unknown ticket
// get the same answer.
TEST_F(access, GuessingTheExtractionCodeStopsAtFiveWrongCodes_M_R_2) {
  const auto t = submit("guess-1");
  const std::string no = t["ticket_no"];
  const std::string code = t["extraction_code"];
  const std::string wrong = code == "000000" ? "000001" : "000000";
  const auto began = std::chrono::steady_clock::now();
  auto unknown = http.get("/api/v1/tickets/20200101-999999?code=" + wrong);
  expect_error(unknown, 404, "not_found", "ticket_no");
  EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(250))
      << "a failed check is answered no sooner than the floor";
  for (int i = 0; i < 5; ++i) {
    auto r = http.request("GET", "/api/v1/tickets/" + no, "", "", "application/json",
                          {{"X-Extraction-Code", wrong}});
    EXPECT_EQ(r.body, unknown.body) << "same answer as an unknown ticket";
    EXPECT_EQ(r.status, 404);
  }
  auto locked = http.get("/api/v1/tickets/" + no + "?code=" + code);
  expect_error(locked, 429, "too_many_attempts", "code");
  const int retry = std::stoi(locked.headers["retry-after"]);
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 900);
  // Another ticket is not locked by this one's guesses (fewer than 20 from
  // this address so far).
  const auto other = submit("guess-2");
  auto fine = http.request("GET", "/api/v1/tickets/" + std::string(other["ticket_no"]), "", "",
                           "application/json",
                           {{"X-Extraction-Code", std::string(other["extraction_code"])}});
  EXPECT_EQ(fine.status, 200) << fine.body;
  EXPECT_EQ(fine.headers["cache-control"], "no-store");
}

// M-D-3, M-SV-2: staff views are masked; an operator reveals one caller's
// contact for a purpose, the reveal is audited first, and only auditors
// read the audit log.
TEST_F(access, ARevealOfACallersContactIsAuditedAndOnlyAuditorsReadTheLog_M_D_3) {
  const auto t = submit("reveal-1");
  const std::string no = t["ticket_no"];
  const auto op = role_token(*data, "operator");
  auto view = body_of(http.get("/api/v1/tickets/" + no, op));
  EXPECT_NE(view["caller"]["phone"].get<std::string>().find('*'), std::string::npos);
  const std::string path = "/api/v1/tickets/" + no + "/caller-contact";
  expect_error(http.post(path, json{{"purpose", "curiosity"}}.dump(), op), 422, "invalid_field",
               "purpose");
  expect_error(http.post(path, json{{"purpose", "callback"}}.dump(),
                         role_token(*data, "liaison", t["assignment"]["unit_id"])),
               403, "forbidden", "role");
  auto shown = http.post(path, json{{"purpose", "callback"}}.dump(), op);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(body_of(shown)["caller"]["name"], "张三丰");
  EXPECT_EQ(shown.headers["cache-control"], "no-store");
  const auto auditor = role_token(*data, "auditor");
  expect_error(http.get("/api/v1/audit?ticket=" + no, op), 403, "forbidden", "role");
  auto log = body_of(http.get("/api/v1/audit?ticket=" + no, auditor));
  ASSERT_EQ(log["entries"].size(), 1u) << log.dump();
  const auto& e = log["entries"][0];
  EXPECT_EQ(e["action"], "caller_contact");
  EXPECT_EQ(e["purpose"], "callback");
  EXPECT_EQ(e["ticket_no"], no);
  EXPECT_EQ(e["unit_id"], "cq.office");
  EXPECT_EQ(e["client"], "127.0.0.1");
  EXPECT_EQ(log.dump().find("张三丰"), std::string::npos) << "the log holds no caller data";
}

// Cross-site forms cannot post: JSON endpoints need application/json; and
// bodies with NUL or duplicate keys are refused whole.
TEST_F(access, OnlyStrictJsonReachesTheHandlers) {
  const auto demand = yuzhong_demand("strict-1").dump();
  expect_error(http.request("POST", "/api/v1/demands", demand, "", "text/plain"), 415,
               "unsupported_media_type", "Content-Type");
  expect_error(
      http.request("POST", "/api/v1/demands", "a=b", "", "application/x-www-form-urlencoded"), 415,
      "unsupported_media_type", "Content-Type");
  auto dup = yuzhong_demand("strict-2").dump();
  dup.insert(dup.size() - 1, R"(,"category":"housing.property-management")");
  expect_error(http.post("/api/v1/demands", dup), 400, "duplicate_key", "category");
  auto nul = yuzhong_demand("strict-3");
  nul["content"] = std::string("夜间施工\0噪音", 19);
  expect_error(http.post("/api/v1/demands", nul.dump()), 400, "invalid_character", "content");
  auto r = http.get("/api/v1/categories");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  // A single-valued header sent twice is refused whole, whatever the values
  // (the test client cannot send one twice: a raw request).
  const auto raw = raw_exchange(service->port(), "GET /api/v1/categories HTTP/1.1\r\n"
                                                 "Host: 127.0.0.1\r\n"
                                                 "X-Extraction-Code: 123456\r\n"
                                                 "X-Extraction-Code: 654321\r\n"
                                                 "Connection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << raw;
  EXPECT_NE(raw.find(R"("code":"duplicate_header")"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"("field":"x-extraction-code")"), std::string::npos) << raw;
}

// M-S-2: a phone number alone proves nothing. An anonymous repeat gets a
// ticket of its own (the same answer as any new demand), marked for staff
// as unconfirmed; an operator's repeat is linked.
TEST_F(access, AnAnonymousRepeatIsNotLinkedButShownToStaffAsUnconfirmed_M_S_2) {
  auto first = yuzhong_demand("repeat-a1");
  const auto t1 = body_of(http.post("/api/v1/demands", first.dump()));
  auto again = first;
  again["request_id"] = "repeat-a2";
  again["content"] = "又来了，还在施工";
  auto r2 = http.post("/api/v1/demands", again.dump());
  ASSERT_EQ(r2.status, 201) << r2.body;
  const auto t2 = body_of(r2);
  EXPECT_NE(t2["ticket_no"], t1["ticket_no"]);
  EXPECT_FALSE(t2.contains("linked_to_open_ticket"));
  const auto sup = role_token(*data, "supervisor");
  auto staff = body_of(http.get("/api/v1/tickets/" + std::string(t2["ticket_no"]), sup));
  EXPECT_EQ(staff["possible_repeat_of"]["ticket_no"], t1["ticket_no"]);
  EXPECT_EQ(staff["possible_repeat_of"]["confirmed"], false);
  auto by_operator = again;
  by_operator["request_id"] = "repeat-a3";
  auto r3 = http.post("/api/v1/demands", by_operator.dump(), role_token(*data, "operator"));
  ASSERT_EQ(r3.status, 200) << r3.body;
  EXPECT_EQ(body_of(r3)["ticket_no"], t1["ticket_no"]);
}

// M-D-3: a stranger learns nothing of a ticket's status: 403, never 409.
TEST_F(access, AStrangerGetsForbiddenNeverConflict_M_D_3) {
  const auto t = submit("stranger-1");
  const std::string no = t["ticket_no"];
  const auto stranger = role_token(*data, "liaison", "500104001");
  expect_error(
      http.post("/api/v1/tickets/" + no + "/opinion", json{{"text", "x"}}.dump(), stranger), 403,
      "forbidden", "unit_id");
  expect_error(http.post("/api/v1/tickets/" + no + "/extension/decision",
                         json{{"approve", true}}.dump(), stranger),
               403, "forbidden", "approver");
}

namespace {
struct limited_flags {
  static constexpr const char* tag = "hotline-limited";
  static std::vector<std::string> extra() { return {"--anonymous-intakes-per-minute", "3"}; }
};
using limited = service_suite<limited_flags>;

struct small_flags {
  static constexpr const char* tag = "hotline-small";
  static std::vector<std::string> extra() { return {"--max-inflight", "2"}; }
};
using small_node = service_suite<small_flags>;
} // namespace

// Anonymous load cannot take the staff's share of --max-inflight: with two
// slots and one anonymous request in flight, a second anonymous one is
// shed at once while staff are still served.
TEST_F(small_node, StaffKeepTheirShareOfCapacityUnderAnonymousLoad) {
  redis::endpoint ep;
  ep.socket_path = (data->path() / "redis" / "redis.sock").string();
  redis::connection admin(ep);
  // Redis holds every command for a moment: the first intake waits there.
  admin.command({"CLIENT", "PAUSE", "1500", "ALL"});
  auto first = std::async(std::launch::async, [&] {
    http_client c{"127.0.0.1", service->port()};
    return c.post("/api/v1/demands", yuzhong_demand("share-1").dump());
  });
  const auto sup = role_token(*data, "supervisor");
  auto inflight = [&] {
    http_client probe{"127.0.0.1", service->port()};
    auto m = probe.get("/metrics", sup).body;
    auto at = m.find("\nhotline_inflight ");
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + 18));
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (inflight() != 1 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(inflight(), 1);
  http_client anon{"127.0.0.1", service->port()};
  expect_error(anon.post("/api/v1/demands", yuzhong_demand("share-2").dump()), 503, "overloaded",
               nullptr);
  auto staff = std::async(std::launch::async, [&] {
    http_client c{"127.0.0.1", service->port()};
    return c.post("/api/v1/demands", yuzhong_demand("share-3").dump(),
                  role_token(*data, "operator"));
  });
  EXPECT_EQ(first.get().status, 201);
  EXPECT_EQ(staff.get().status, 201) << "staff were served, not shed";
}

// Anonymous intake is rate-limited per client address; staff are not.
TEST_F(limited, AnonymousIntakeIsRateLimitedPerAddress) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(
        http.post("/api/v1/demands", yuzhong_demand("rate-" + std::to_string(i)).dump()).status,
        201);
  auto r = http.post("/api/v1/demands", yuzhong_demand("rate-9").dump());
  expect_error(r, 429, "rate_limited", nullptr);
  EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
  auto staff = http.post("/api/v1/demands", yuzhong_demand("rate-10").dump(),
                         role_token(*data, "operator"));
  EXPECT_EQ(staff.status, 201) << staff.body;
}
