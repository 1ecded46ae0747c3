// hotlined — the 12345 hotline router service.
//
// Embedded default: without --redis it starts a private redis-server under
// --data-dir (AOF on) and stops it on exit. With --redis URL it uses that
// server, as one node of a cluster (issue 4): nodes sharing a Redis share
// its partitions. Keys (caller-data key, token secret) live under
// --data-dir/keys; every node of a cluster needs the same two files.
// Issue 14: closed tickets move to PostgreSQL (adapters/archive): with
// --postgres URL that server, else on the embedded default a private one
// under --data-dir (as user postgres when root).

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "actors/runtime.hpp"
#include "adapters/archive/service.hpp"
#include "adapters/evaluation/evaluator.hpp"
#include "adapters/auth/accounts.hpp"
#include "adapters/auth/sessions.hpp"
#include "adapters/cluster/coordination.hpp"
#include "adapters/cluster/forwarder.hpp"
#include "adapters/http/event_hub.hpp"
#include "adapters/redis/codec.hpp"
#include "adapters/redis/feed.hpp"
#include "adapters/cluster/node.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/crypto/crypto.hpp"
#include "adapters/http/api.hpp"
#include "adapters/knowledge/service.hpp"
#include "adapters/monitor/counters.hpp"
#include "adapters/monitor/detector.hpp"
#include "adapters/http/server.hpp"
#include "adapters/http/site.hpp"
#include "adapters/redis/embedded.hpp"
#include "adapters/redis/feed.hpp"
#include "adapters/webhooks/engine.hpp"

namespace fs = std::filesystem;
using namespace hotline;

namespace {

// build/web beside build/bin, where the build puts the pages (issue 15).
std::string default_web_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return "";
  const auto dir = self.parent_path().parent_path() / "web";
  return std::filesystem::is_directory(dir, ec) ? dir.string() : "";
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"hotlined — the 12345 government-service hotline router"};
  std::string config_dir = "config/chongqing";
  std::string data_dir = "data";
  std::string listen = "127.0.0.1:8080";
  std::string redis_url;
  std::string redis_user;
  std::string redis_password_file;
  std::string appendfsync = "everysec";
  std::string log_level = "info";
  std::size_t http_threads = 0; // one per core
  std::size_t max_inflight = 24;
  http::limit_options limits;
  auth::session_options session_opts;
  long session_idle_minutes = 30, session_max_hours = 12;
  std::size_t max_live_tickets = 10000;
  std::size_t actor_threads = 0;
  std::size_t timer_window = actors::runtime_options{}.timer_window;
  std::string node_id;
  cluster::partition_id partitions = cluster::default_partitions;
  long lease_ms = 3000;
  bool test_clock = false;
  int push_retention_hours = 24 * 7;
  int warn_every_ms = 10000;
  int sse_heartbeat_seconds = 15;
  std::string test_clock_start;
  // The last of a repeated --config, --data-dir or --listen wins, so that
  // `scripts/run --listen HOST:PORT` overrides the script's own defaults.
  const auto last = CLI::MultiOptionPolicy::TakeLast;
  app.add_option("--config", config_dir, "configuration folder")
      ->multi_option_policy(last)
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "data folder: keys, and the embedded Redis")
      ->multi_option_policy(last)
      ->capture_default_str();
  // Issue 15: the console and the public pages, built into build/web
  // beside build/bin (scripts/build.sh); empty: serve the API alone.
  std::string web_dir = default_web_dir();
  app.add_option("--web-dir", web_dir,
                 "folder of the console's and public pages' files (default: ../web beside "
                 "this binary, when it exists; empty: no pages)")
      ->multi_option_policy(last);
  app.add_option("--listen", listen, "HTTP address HOST:PORT (port 0: any free port)")
      ->multi_option_policy(last)
      ->capture_default_str();
  auto* redis_flag = app.add_option(
      "--redis", redis_url,
      "use this Redis (redis://[user@]host:port or unix:///path) instead of the embedded one");
  app.add_option("--redis-user", redis_user,
                 "with --redis: the ACL user to AUTH as (default: Redis's default user)")
      ->needs(redis_flag);
  app.add_option("--redis-password-file", redis_password_file,
                 "with --redis: a file (mode 0600 or 0400, or a systemd credential) holding "
                 "the password to AUTH with; one trailing newline is ignored")
      ->needs(redis_flag);
  app.add_option("--node-id", node_id,
                 "this node's id in the cluster, unique among live nodes (default: \"embedded\" on "
                 "the embedded Redis, else HOST-PID)");
  app.add_option("--partitions", partitions,
                 "partitions of the cluster; fixed for a deployment, the same on every node")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--lease-ms", lease_ms,
                 "partition lease ttl in ms: how soon a dead node's partitions move")
      ->check(CLI::Range(300, 600000))
      ->capture_default_str();
  app.add_option("--appendfsync", appendfsync, "embedded Redis AOF fsync policy")
      ->check(CLI::IsMember({"everysec", "always"}))
      ->capture_default_str();
  app.add_option("--http-threads", http_threads,
                 "HTTP io threads, 0: one per core (handlers never block them)")
      ->capture_default_str();
  std::size_t max_connections_per_client = 64;
  app.add_option("--max-connections-per-client", max_connections_per_client,
                 "open connections per client address (more are refused with 503); raise it "
                 "behind a proxy or NAT that shows many clients as one address")
      ->multi_option_policy(last)
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-inflight", max_inflight,
                 "client requests served at once; more get 503 + Retry-After (surge)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--staff-reserved", limits.staff_reserved,
                 "of --max-inflight, slots anonymous callers never take (0: a quarter)")
      ->multi_option_policy(last)
      ->capture_default_str();
  app.add_option("--anonymous-rate", limits.anonymous_rate,
                 "anonymous requests per second per client address (burst: twice that)")
      ->multi_option_policy(last)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--anonymous-intakes-per-minute", limits.intakes_per_minute,
                 "anonymous demands per minute per client address")
      ->multi_option_policy(last)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--session-idle-minutes", session_idle_minutes,
                 "a staff session ends after this long unused")
      ->check(CLI::Range(1, 24 * 60))
      ->capture_default_str();
  app.add_option("--session-max-hours", session_max_hours,
                 "a staff session ends this long after login, used or not")
      ->check(CLI::Range(1, 7 * 24))
      ->capture_default_str();
  app.add_option("--cors-origin", limits.cors_origins,
                 "an origin allowed to call the API from a browser (repeatable; none by default)");
  app.add_option("--actor-threads", actor_threads, "CAF worker threads (0: one per core)")
      ->capture_default_str();
  app.add_option("--timer-window", timer_window,
                 "due timers fired at once, at most: more fire faster, fewer keep intakes "
                 "waiting less behind them (docs/PERFORMANCE.md)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--max-live-tickets", max_live_tickets,
                 "ticket actors kept in memory; the least recently used stop first")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--push-retention-hours", push_retention_hours,
                 "how long units' event streams keep events for Last-Event-ID replays")
      ->check(CLI::Range(1, 24 * 366));
  app.add_option("--sse-heartbeat-seconds", sse_heartbeat_seconds,
                 "comment sent on idle event streams so proxies keep them open")
      ->check(CLI::Range(1, 3600));
  app.add_option("--warn-every-ms", warn_every_ms,
                 "early warnings (M-D-1): looked for this often, and within half a second of "
                 "a new demand (not under --test-clock: there, when the clock moves)")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  auto* test_clock_flag = app.add_flag(
      "--test-clock", test_clock,
      "TESTS ONLY: a manual clock moved by POST /api/v1/test/clock (never in production)");
  app.add_option("--test-clock-start", test_clock_start,
                 "with --test-clock: where the clock starts, ISO 8601 with offset")
      ->needs(test_clock_flag);
  int webhook_max_attempts = 8;
  long webhook_backoff_ms = 500, webhook_timeout_ms = 5000;
  std::string webhook_ca_file;
  app.add_option("--webhook-max-attempts", webhook_max_attempts,
                 "tries of one webhook delivery before it is parked as a dead letter")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--webhook-backoff-ms", webhook_backoff_ms,
                 "wait after a webhook's first failed try; doubles with each try, at most 60 s")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  app.add_option("--webhook-timeout-ms", webhook_timeout_ms,
                 "time a webhook receiver has to answer one delivery (connect, send, status)")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  app.add_option("--webhook-ca-file", webhook_ca_file,
                 "a PEM file of CAs to trust for https:// webhooks, besides the system's")
      ->check(CLI::ExistingFile);
  // Issue 14: the archive of closed tickets in PostgreSQL.
  archive::service_options archive_opts;
  long archive_after_hours = 24 * 7, archive_every_ms = 5000;
  app.add_option("--postgres", archive_opts.postgres_url,
                 "archive closed tickets in this PostgreSQL (postgresql://… or a libpq "
                 "connection string) instead of the private one started under --data-dir");
  app.add_option("--archive-after-hours", archive_after_hours,
                 "how long after its close a ticket moves from Redis to the archive")
      ->check(CLI::Range(0L, 24L * 3660))
      ->capture_default_str();
  app.add_option("--archive-batch", archive_opts.archiving.batch,
                 "tickets moved to the archive per transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--archive-every-ms", archive_every_ms,
                 "pause of the archiver when nothing more is due")
      ->check(CLI::Range(10L, 3'600'000L))
      ->capture_default_str();
  app.add_option("--test-archive-kill-after", archive_opts.archiving.kill_after_batches,
                 "TESTS ONLY: SIGKILL itself after this many archive commits, before the "
                 "Redis deletes")
      ->needs(test_clock_flag);
  bool print_rbac = false;
  app.add_flag("--print-rbac", print_rbac,
               "print the role × endpoint matrix of the route table (docs/SECURITY.md) and exit");
  CLI11_PARSE(app, argc, argv);
  session_opts.idle_ms = session_idle_minutes * 60'000LL;
  session_opts.absolute_ms = session_max_hours * 3'600'000LL;
  if (print_rbac) {
    std::cout << http::rbac_matrix_markdown(http::route_table());
    return 0;
  }
  std::optional<routing::instant> clock_start;
  if (test_clock) {
    clock_start = routing::parse_instant(test_clock_start);
    if (!clock_start) {
      std::cerr << "hotlined: --test-clock needs --test-clock-start ISO8601 with an offset, e.g. "
                   "2026-09-18T15:00:00+08:00\n";
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // A write to a Redis or HTTP peer that went away must be an error to
  // handle, not a signal that kills the process.
  std::signal(SIGPIPE, SIG_IGN);
  // Stop on SIGINT/SIGTERM: block them here, wait for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "hotlined: --listen must be HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  http::server_options http_opts;
  http_opts.host = listen.substr(0, colon);
  try {
    http_opts.port = static_cast<std::uint16_t>(std::stoul(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    std::cerr << "hotlined: --listen port is not a number: '" << listen << "'\n";
    return 2;
  }
  // Issue 16: no handler blocks an io thread, so one per core is enough.
  http_opts.threads
      = http_threads ? http_threads : std::max(1u, std::thread::hardware_concurrency());
  http_opts.max_connections_per_client = max_connections_per_client;

  try {
    auto cfg = config::load(config_dir);
    spdlog::info("hotlined: config {}: {} units, {} categories, calendar years {}", config_dir,
                 cfg.directory.units().size(), cfg.directory.categories().size(),
                 fmt::join(cfg.calendar.years(), ","));
    fs::create_directories(data_dir);
    // One hotlined per embedded Redis: a second would adopt, then stop, the
    // first one's redis-server. The kernel drops the lock if we die. Nodes
    // on an external Redis may share a data dir (it holds only the keys).
    if (redis_url.empty()) {
      const int lock_fd = ::open((fs::path(data_dir) / "hotlined.lock").c_str(),
                                 O_CREAT | O_RDWR | O_CLOEXEC, 0600);
      if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        std::cerr << "hotlined: another hotlined is using the data dir "
                  << fs::absolute(data_dir).string() << "\n";
        return 1;
      }
    }
    if (node_id.empty() && redis_url.empty()) {
      // The embedded Redis serves one node (the data dir lock): a stable id
      // lets a restarted node take its leases back at once.
      node_id = "embedded";
    } else if (node_id.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      node_id = std::string(host) + "-" + std::to_string(::getpid());
    }
    const auto caller_key = crypto::load_or_create_key(fs::path(data_dir) / "keys" / "caller.key");
    const auto token_secret = crypto::load_or_create_key(fs::path(data_dir) / "keys" / "token.key");

    std::unique_ptr<redis::embedded_redis> embedded;
    redis::endpoint ep;
    if (redis_url.empty()) {
      redis::embedded_options opts;
      opts.data_dir = data_dir;
      opts.appendfsync = appendfsync;
      embedded = std::make_unique<redis::embedded_redis>(opts);
      ep = embedded->where();
    } else {
      auto parsed = redis::endpoint::parse(redis_url);
      if (!parsed) {
        std::cerr << "hotlined: --redis must be redis://[user@]host:port or unix:///path, got '"
                  << redis::redact_url(redis_url) << "'\n";
        return 2;
      }
      ep = *parsed;
      // The one source of each credential: a password typed twice would
      // leave a reader wondering which one is used.
      if (!ep.password.empty() && !redis_password_file.empty()) {
        std::cerr << "hotlined: give the Redis password either in --redis or with "
                     "--redis-password-file, not both\n";
        return 2;
      }
      if (!ep.user.empty() && !redis_user.empty() && ep.user != redis_user) {
        std::cerr << "hotlined: --redis names user '" << ep.user << "' and --redis-user '"
                  << redis_user << "': give one\n";
        return 2;
      }
      if (!redis_user.empty())
        ep.user = redis_user;
      if (!ep.password.empty())
        spdlog::warn("hotlined: the password in --redis is visible to every user of this machine "
                     "(ps, /proc/PID/cmdline): use --redis-password-file");
      if (!redis_password_file.empty())
        ep.password = redis::read_password_file(redis_password_file);
      if (!ep.user.empty() && ep.password.empty()) {
        std::cerr << "hotlined: Redis user '" << ep.user
                  << "' needs a password: --redis-password-file FILE\n";
        return 2;
      }
      // A wrong or missing password is one clear line now, not an error on
      // the first command of every actor.
      redis::ping(ep);
    }
    {
      redis::pool pool(ep, 16);
      // Heartbeats and leases never wait behind ticket traffic.
      redis::pool cluster_pool(ep, 2);
      cluster::coordination coord(cluster_pool, "hl", partitions,
                                  std::chrono::milliseconds(lease_ms));
      coord.check_partitions();
      cluster::ownership own(node_id, partitions);
      redis::store store(pool, "hl", partitions);
      actors::system_clock real_clock;
      std::unique_ptr<actors::manual_clock> manual;
      if (clock_start) {
        manual = std::make_unique<actors::manual_clock>(*clock_start);
        spdlog::warn("hotlined: TEST CLOCK at {}: time moves only by POST /api/v1/test/clock",
                     routing::format_instant(*clock_start));
      }
      const actors::clock& clk = manual ? static_cast<const actors::clock&>(*manual) : real_clock;
      // Issue 14: the private PostgreSQL goes with the private Redis; a
      // cluster on a shared Redis archives only with --postgres.
      archive_opts.embedded = redis_url.empty();
      archive_opts.data_dir = data_dir;
      archive_opts.archiving.after = std::chrono::hours(archive_after_hours);
      archive_opts.archiving.every = std::chrono::milliseconds(archive_every_ms);
      archive_opts.facts
          = archive::derive_with(config::policy_of(cfg), cfg.evaluation, cfg.directory);
      archive::service archive(archive_opts, store, own, [&clk] { return clk.now(); });
      actors::services svc(cfg, store, crypto::vault(caller_key), clk, own);
      svc.max_live_tickets = max_live_tickets;
      svc.push_retention = std::chrono::hours(push_retention_hours);
      // Issue 14 item 4 (M-D-1): the early warnings, told of each new
      // demand by the ticket actors (so it lives longer than they do).
      redis::feed warning_feed(pool, "hl");
      monitor::detector warnings(pool, "hl", cfg.warnings, cfg.directory, &warning_feed,
                                 svc.push_retention);
      if (!manual)
        svc.on_intake = [&warnings] { warnings.poke(); };
      actors::runtime_options rt_opts;
      rt_opts.worker_threads = actor_threads;
      rt_opts.timer_window = timer_window;
      actors::runtime rt(svc, rt_opts);
      rt.build_worklists();
      // Issue 14 item 4: data from before the monitoring counters gets them.
      if (const auto n = monitor::build_counters(store, pool, svc.policy, cfg.directory))
        spdlog::info("monitor: built the overview's counters from {} tickets (once, after an "
                     "upgrade)",
                     n);
      cluster::forwarder_options fwd_opts;
      fwd_opts.seal_key = caller_key;
      cluster::forwarder fwd(ep, pool, own, fwd_opts);
      cluster::node_options node_opts;
      node_opts.node_id = node_id;
      node_opts.lease_ttl = std::chrono::milliseconds(lease_ms);
      cluster::node node(
          coord, own, node_opts, [&rt](cluster::partition_id p) { rt.drop_partition(p); },
          [&fwd](cluster::partition_id p) { fwd.gained(p); });
      limits.max_inflight = max_inflight;
      limits.anonymous_burst = 2 * limits.anonymous_rate;
      // People: accounts, sessions (cached for at most half a second, so a
      // disabled account is refused on every node within a second).
      auth::accounts accounts(pool);
      auth::sessions sessions(pool, session_opts);
      auth::session_cache session_cache(sessions, 500);
      http::auth_link auth_link{&accounts, &sessions, &session_cache, token_secret};
      // Issue 10: every node follows the push feed; each notice goes to
      // this node's event streams of the units it tells, to the unit actors
      // of this node whose worklist it changes, and wakes the webhooks.
      redis::feed feed(pool, "hl");
      http::event_hub hub{std::chrono::seconds(sse_heartbeat_seconds)};
      // Webhooks (issue 10): subscriptions' secrets sealed under a key of
      // their own, derived from the caller key every node shares.
      webhooks::store webhook_store(
          pool, crypto::hmac_sha256(caller_key, "hotline webhook secrets v1"), "hl", partitions);
      webhooks::engine_options wh_opts;
      wh_opts.max_attempts = webhook_max_attempts;
      wh_opts.backoff_base = std::chrono::milliseconds(webhook_backoff_ms);
      wh_opts.timeout = std::chrono::milliseconds(webhook_timeout_ms);
      wh_opts.ca_file = webhook_ca_file;
      webhooks::engine webhook_engine(webhook_store, feed, own, wh_opts);
      redis::feed_tail tail(
          ep, "hl",
          [&](const redis::push_entry& e) {
            hub.publish(e);
            webhook_engine.notify();
            if (e.summary.empty())
              return;
            try {
              auto units = e.units;
              units.insert(units.end(), e.worklists.begin(), e.worklists.end());
              rt.notify(redis::decode_summary(e.summary), units);
            } catch (const std::exception& ex) {
              spdlog::error("feed: entry {}: {}", e.id, ex.what());
            }
          },
          [&hub](const redis::push_entry& e) { return hub.listens(e); });
      http::api api(rt, svc, pool, auth_link, {&node, &fwd}, manual.get(), limits, {&hub, &feed});
      api.use_webhooks({&webhook_store, &webhook_engine});
      // Issue 13: the knowledge base; its starter articles stored once,
      // its search index built from every stored article.
      knowledge::service kb(pool, fs::absolute(data_dir));
      {
        const auto seeded = kb.start(cfg.knowledge, clk.now());
        spdlog::info("hotlined: knowledge base: {} articles indexed ({} seeded from config)",
                     kb.indexed(), seeded);
      }
      api.use_knowledge(&kb);
      // Issue 14 (M-E-1): the units' evaluation, archived and live tickets.
      evaluation::evaluator evaluator(store, pool, archive.pool(), cfg);
      api.use_evaluation(&evaluator);
      api.use_monitor(&warnings);
      // Issue 15: the pages, and the district outlines their map shades.
      if (!web_dir.empty()) {
        auto pages = std::make_shared<const http::site>(
            http::site::load(web_dir, {{"/assets/map/chongqing.geojson",
                                        fs::path(config_dir) / "district-boundaries.geojson"}}));
        spdlog::info("hotlined: console and public pages: {} files from {}", pages->size(),
                     web_dir);
        api.use_site(std::move(pages));
      }
      fwd.start([&api](cluster::forwarded_request fw, cluster::answer_fn done) {
        api.handle_forwarded(std::move(fw), std::move(done));
      });
      http::server server(http_opts, [&api](http::request req, http::responder done) {
        api.handle(std::move(req), std::move(done));
      });
      server.start();
      // Join the cluster with the address we serve, and take partitions.
      node.start(http_opts.host + ":" + std::to_string(server.port()));
      // Deliver the subscriptions of the partitions this node owns.
      webhook_engine.start();
      archive.start();
      if (!manual)
        warnings.start([&clk] { return clk.now(); }, std::chrono::milliseconds(warn_every_ms));
      // M-SV-1: durable timers in Redis fire from here on the system clock;
      // under --test-clock they fire only when the clock is moved.
      std::mutex timer_mtx;
      std::condition_variable timer_cv;
      bool stopping = false;
      std::thread timers;
      auto next_kb_reminders = std::chrono::steady_clock::now();
      if (!manual)
        timers = std::thread([&] {
          std::unique_lock<std::mutex> lock(timer_mtx);
          while (!stopping) {
            lock.unlock();
            // Issue 16: wake up when the earliest timer falls due (read
            // ahead from Redis), not on the next poll; at most 200 ms, so
            // timers written meanwhile, by this node or another, are seen.
            auto wait = std::chrono::milliseconds(200);
            try {
              rt.fire_due_timers(clk.now());
              if (const auto next = rt.next_timer())
                wait = std::clamp(std::chrono::milliseconds(*next - clk.now()),
                                  std::chrono::milliseconds(0), wait);
            } catch (const std::exception& e) {
              spdlog::error("timers: {}", e.what());
            }
            // M-KB-2: review reminders, every ten minutes (once each,
            // whichever node sends them).
            if (std::chrono::steady_clock::now() >= next_kb_reminders) {
              next_kb_reminders = std::chrono::steady_clock::now() + std::chrono::minutes(10);
              try {
                kb.remind(routing::shanghai_date(clk.now()), cfg.directory.office_id(), feed,
                          actors::system_clock().now() - svc.push_retention.count());
              } catch (const std::exception& e) {
                spdlog::error("knowledge base reminders: {}", e.what());
              }
            }
            lock.lock();
            timer_cv.wait_for(lock, wait, [&] { return stopping; });
          }
        });
      // The line scripts wait for: the URL we serve.
      std::cout << "hotlined: serving http://" << http_opts.host << ":" << server.port()
                << "/ (node " << node_id << ", " << own.owned().size() << "/" << partitions
                << " partitions, redis " << ep.url() << ", archive " << archive.where() << ", data "
                << fs::absolute(data_dir).string() << ")" << std::endl;
      int sig = 0;
      sigwait(&stop_signals, &sig);
      spdlog::info("hotlined: signal {}, stopping", sig);
      server.stop();
      {
        std::lock_guard<std::mutex> lock(timer_mtx);
        stopping = true;
      }
      timer_cv.notify_all();
      if (timers.joinable())
        timers.join();
      // No delivery and no archiving after the leases are given back.
      webhook_engine.stop();
      archive.stop();
      warnings.stop();
      // Give the partitions back so others take them at once, then stop
      // running what others forward.
      node.stop();
      fwd.stop();
    }
    embedded.reset();
    spdlog::info("hotlined: stopped");
    return 0;
  } catch (const config::config_exception& e) {
    std::cerr << "hotlined: configuration errors:\n" << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hotlined: " << e.what() << "\n";
    return 1;
  }
}
