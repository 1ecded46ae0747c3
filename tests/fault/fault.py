#!/usr/bin/env python3
"""Fault tests of a hotlined cluster (N nodes on one Redis).

Started by tests/fault/run.sh, which builds if needed, makes the work folder,
copies the binaries into it and kills whatever is left on exit. This driver:

  1. starts a private redis-server (AOF, fsync always) and nodes n1..nN that
     share one data dir (the key files);
  2. runs a steady load from several client threads, each request sent to a
     random node and retried (same request_id / Idempotency-Key, maybe on
     another node) until it is acknowledged; a share of the requests is
     delivered twice at once, to two nodes;
  3. meanwhile kills (-9) and restarts nodes, stops one with SIGSTOP beyond
     its lease, and kills and restarts Redis, timing each fail-over through
     GET /api/v1/cluster of a surviving node;
  4. once every deadline given at intake has passed, checks through the API
     and redis-cli that every acknowledged effect is there exactly once and
     that every supervision timer fired exactly once;
  5. prints one summary line and exits non-zero on any failure.

Standard library only. See tests/fault/README.md for the counts.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
SERVING = re.compile(r"^hotlined: serving http://([^/]+)/", re.M)
RID = re.compile(r'"request_id": "([^"]+)"')

# Known-good demands, one per place and matter, each routed to a unit
# (see tests/e2e/e2e.hpp yuzhong_demand and tests/scenarios): kind, category,
# content, address, optional (lat, lon).
DEMANDS = [
    ("complaint", "env.noise", "解放碑步行街附近工地夜间施工，噪音扰民",
     "重庆市渝中区解放碑街道民族路188号", (29.5580, 106.5776)),
    ("complaint", "env.cooking-fumes", "民族路一楼火锅店油烟直排，住户无法开窗",
     "重庆市渝中区解放碑街道民族路188号", None),
    ("complaint", "urban.road-damage", "观音桥步行街旁人行道地砖破损，老人易绊倒",
     "重庆市江北区观音桥街道建新北路10号", None),
    ("help", "urban.street-lights", "小区门口路灯不亮已一周，夜间出行不便",
     "重庆市沙坪坝区沙坪坝街道小龙坎正街5号", None),
    ("complaint", "housing.property-management", "物业长期不清理楼道垃圾",
     "重庆市九龙坡区杨家坪街道西郊路20号", None),
    ("complaint", "utility.water-supply", "家中停水两天，无任何通知",
     "重庆市南岸区南坪街道南坪西路8号", None),
    ("complaint", "labour.wage-arrears", "工地拖欠农民工工资三个月",
     "重庆市渝北区两路街道双龙大道100号", None),
    ("complaint", "market.food-safety", "超市售卖过期食品",
     "重庆市万州区高笋塘街道白岩路3号", None),
    ("complaint", "transport.bus", "公交车司机拒载老人",
     "重庆市江北区观音桥街道建新东路1号", None),
    ("report", "env.noise", "夜间KTV噪音扰民，凌晨仍未停止",
     "重庆市涪陵区敦仁街道兴华中路12号", None),
]

CLIENT_TIMEOUT_S = 5.0   # one HTTP attempt; a stopped node must not stall a thread
OP_GIVE_UP_S = 60.0      # one operation is retried this long during the load


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    """A free loopback port (bound, then released for the process to take)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, SHANGHAI).isoformat()


def parse_iso(text):
    return datetime.datetime.fromisoformat(text).timestamp()


# --- HTTP ----------------------------------------------------------------------

class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.text = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def error_field(self):
        if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
            return self.json["error"].get("field")
        return None

    def retry_after(self):
        try:
            return float(self.headers.get("retry-after", ""))
        except ValueError:
            return None

    def __str__(self):
        return f"{self.status} {self.text[:300]}"


def http_call(port, method, path, body=None, headers=None, timeout=CLIENT_TIMEOUT_S):
    """One attempt on one node; raises OSError / HTTPException on transport failure."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Connection": "close"}
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn.request(method, path, body=body.encode() if body is not None else None, headers=h)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


# --- processes -----------------------------------------------------------------

class Proc:
    """A child process with its log file and pid file (for run.sh's trap)."""

    def __init__(self, name, argv, work):
        self.name, self.argv = name, argv
        self.log_path = os.path.join(work, "logs", name + ".log")
        self.pid_path = os.path.join(work, "pids", name + ".pid")
        self.popen = None
        self.stopped = False

    def start(self):
        """Starts (again); returns the log offset where this run's output begins."""
        with open(self.log_path, "ab") as f:
            f.write(f"\n==== fault: start {time.strftime('%H:%M:%S')}: {' '.join(self.argv)}\n"
                    .encode())
            offset = f.tell()
        logf = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, stdout=logf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        with open(self.pid_path, "w") as f:
            f.write(str(self.popen.pid))
        self.stopped = False
        return offset

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def kill9(self):
        if self.popen is None:
            return
        if self.alive():
            if self.stopped:
                os.kill(self.popen.pid, signal.SIGCONT)
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self.stopped = False
        try:
            os.unlink(self.pid_path)
        except FileNotFoundError:
            pass

    def wait_log(self, offset, pattern, timeout):
        """The first match of `pattern` in the log after byte `offset`, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                m = pattern.search(f.read().decode("utf-8", "replace"))
            if m:
                return m
            if not self.alive():
                return None
            time.sleep(0.05)
        return None

    def count(self, word):
        """Lines of the log (every run of the process) that contain `word`."""
        try:
            with open(self.log_path, errors="replace") as f:
                return sum(word in line for line in f)
        except OSError:
            return 0

    def tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Cluster:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.data = os.path.join(self.work, "data")
        self.redis_dir = os.path.join(self.work, "redis")
        for d in ("logs", "pids", "data", "redis"):
            os.makedirs(os.path.join(self.work, d), exist_ok=True)
        self.redis_port = free_port()
        self.redis = Proc("redis", [
            args.redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1",
            "--dir", self.redis_dir, "--appendonly", "yes", "--appendfsync", "always",
            "--save", "", "--daemonize", "no"], self.work)
        self.nodes = {}   # node id -> Proc
        self.ports = {}   # node id -> HTTP port
        count = 1 if args.single else args.nodes
        for i in range(1, count + 1):
            nid = f"n{i}"
            port = free_port()
            argv = [os.path.join(args.bin, "hotlined"),
                    "--redis", f"redis://127.0.0.1:{self.redis_port}",
                    "--listen", f"127.0.0.1:{port}", "--config", args.config,
                    "--data-dir", self.data, "--http-threads", "2",
                    # the load comes anonymously from one address
                    "--anonymous-rate", "100000",
                    "--anonymous-intakes-per-minute", "10000000"]
            if not args.single:
                argv += ["--node-id", nid, "--lease-ms", str(args.lease_ms)]
            self.nodes[nid] = Proc(nid, argv, self.work)
            self.ports[nid] = port

    def all_procs(self):
        return [self.redis] + list(self.nodes.values())

    def start_redis(self):
        self.redis.start()
        end = time.monotonic() + 20
        while time.monotonic() < end:
            if self.redis_cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within 20 s")

    def redis_cli(self, *cmd):
        try:
            r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port),
                                "--raw", *cmd], capture_output=True, text=True, timeout=10)
            return r.stdout.strip()
        except subprocess.TimeoutExpired:
            return ""

    def start_node(self, nid, timeout=60):
        """Starts a node and waits for its serving line."""
        p = self.nodes[nid]
        offset = p.start()
        if not p.wait_log(offset, SERVING, timeout):
            raise RuntimeError(f"{nid} did not print its serving line within {timeout} s"
                               f" (log {p.log_path}):\n{p.tail()}")

    def stop_all(self):
        for p in self.all_procs():
            try:
                p.kill9()
            except Exception as e:   # keep going: every process must go
                print(f"fault: could not stop {p.name}: {e}", file=sys.stderr)

    def office_token(self):
        """A supervisor's token: the cluster view needs a role (issue 9)."""
        if getattr(self, "_office_token", None) is None:
            self._office_token = subprocess.run(
                [os.path.join(self.args.bin, "hotline"), "token", "--data-dir", self.data,
                 "--office", "--config", self.args.config],
                capture_output=True, text=True, check=True).stdout.strip()
        return self._office_token

    def cluster_view(self, nid, timeout=1.0):
        try:
            r = http_call(self.ports[nid], "GET", "/api/v1/cluster", timeout=timeout,
                          headers={"Authorization": "Bearer " + self.office_token()})
            return r.json if r.status == 200 and isinstance(r.json, dict) else None
        except (OSError, http.client.HTTPException):
            return None


def settled(view, dead=()):
    """True when every partition is owned by a live node that is not in `dead`."""
    if not view or view.get("unowned"):
        return False
    total = 0
    for n in view.get("nodes", []):
        count = n.get("partition_count", len(n.get("partitions", [])))
        if count and (n.get("status") != "alive" or n.get("node_id") in dead):
            return False
        total += count
    return total == view.get("partitions", total)


def owned(view, nid):
    for n in (view or {}).get("nodes", []):
        if n.get("node_id") == nid:
            return n.get("partition_count", len(n.get("partitions", [])))
    return 0


def summary(view):
    return ", ".join(f"{n.get('node_id')}:{n.get('status')}/{n.get('partition_count')}"
                     for n in (view or {}).get("nodes", [])) + \
        f" unowned={len((view or {}).get('unowned', []))}"


# --- the load ------------------------------------------------------------------

class Demand:
    """One demand the load sent, and what the service acknowledged for it."""

    def __init__(self, rid, body, headers, deadline, plan):
        self.rid, self.body, self.headers = rid, body, headers
        self.deadline = deadline      # epoch seconds or None
        self.plan = plan              # "reply", "accept" or "none"
        self.acked = False
        self.ticket_no = None
        self.unit_id = None
        self.accept_acked = False
        self.reply_acked = False


class Load:
    def __init__(self, cluster, args, office_token):
        self.cluster = cluster
        self.args = args
        self.office = office_token
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.demands = []
        self.unit_tokens = {}
        self.counter = 0
        self.anomalies = []           # odd answers the clients worked around
        self.violations = []          # idempotency broken: failures
        self.unacked = []             # (demand, "intake"|"accept"|"reply", last answer)
        self.stats = {"requests": 0, "retries": 0, "replays": 0}
        self.run_tag = f"{random.randrange(16**6):06x}"
        self.threads = []
        self.trace_file = open(os.path.join(cluster.work, "logs", "client.log"), "a")

    def trace(self, t0, nid, method, path, headers, body, attempt, outcome, verdict):
        """One line per attempt in logs/client.log: when, where, what (with the
        request id or Idempotency-Key), the answer and how long it took."""
        rid = RID.search(body or "")
        key = (headers or {}).get("Idempotency-Key") or (rid.group(1) if rid else "-")
        line = (f"{time.strftime('%H:%M:%S', time.localtime(t0))}.{int(t0 * 1000) % 1000:03d}"
                f" {nid} {method} {path} {key} attempt={attempt} -> {outcome} {verdict}"
                f" {(time.time() - t0) * 1000:.0f}ms\n")
        with self.lock:
            self.trace_file.write(line)

    def note(self, text):
        with self.lock:
            self.anomalies.append(text)

    def unit_token(self, unit):
        with self.lock:
            if unit in self.unit_tokens:
                return self.unit_tokens[unit]
        tok = subprocess.run([os.path.join(self.args.bin, "hotline"), "token", "--data-dir",
                              self.cluster.data, "--unit", unit],
                             capture_output=True, text=True, check=True).stdout.strip()
        with self.lock:
            self.unit_tokens[unit] = tok
        return tok

    def send(self, method, path, body, headers, classify, give_up_s=OP_GIVE_UP_S):
        """Sends to a random node each time until `classify` says "ack" or "final",
        or `give_up_s` has passed.

        classify(reply, attempt) -> "ack" | "retry" | "final"; a transport failure
        or a timeout is always retried (the body, hence the request id or the
        Idempotency-Key, is the same each time). Returns (verdict, last reply or
        error text, attempts), verdict "ack", "final" or "timeout".
        """
        end = time.monotonic() + give_up_s
        attempt = 0
        last = None
        while True:
            nid, port = random.choice(list(self.cluster.ports.items()))
            wait = 0.1 + random.random() * 0.2
            t0 = time.time()
            try:
                r = http_call(port, method, path, body, headers)
                last = r
                verdict = classify(r, attempt)
                self.trace(t0, nid, method, path, headers, body, attempt, r.status, verdict)
                if verdict != "retry":
                    with self.lock:
                        self.stats["requests"] += attempt + 1
                        self.stats["retries"] += attempt
                    return verdict, r, attempt + 1
                ra = r.retry_after()
                if ra is not None:
                    wait = min(ra, 1.0)
                elif r.status == 503:
                    self.note(f"{method} {path} on {nid}: 503 without Retry-After")
            except (OSError, http.client.HTTPException) as e:
                last = f"{type(e).__name__}: {e}"
                self.trace(t0, nid, method, path, headers, body, attempt, type(e).__name__,
                           "retry")
            attempt += 1
            if time.monotonic() + wait > end:
                with self.lock:
                    self.stats["requests"] += attempt
                    self.stats["retries"] += attempt - 1
                return "timeout", last, attempt
            time.sleep(wait)

    @staticmethod
    def transient(r):
        """503 (fail-over), other 5xx, and a concurrent change (409 on ticket_no)."""
        return r.status >= 500 or (r.status == 409 and r.error_field() == "ticket_no")

    # One demand: intake, then maybe accept and reply.

    def new_demand(self):
        with self.lock:
            self.counter += 1
            n = self.counter
        kind, category, content, address, coords = random.choice(DEMANDS)
        location = {"address": address}
        if coords:
            location.update(lat=coords[0], lon=coords[1])
        body = {"request_id": f"fault-{self.run_tag}-{n}",
                "channel": random.choice(["phone", "web", "app", "wechat"]),
                # A phone per demand: repeats of one caller would be linked (M-S-2).
                "caller": {"name": "张三丰", "phone": f"13{n % 10}{n:08d}"},
                "kind": kind, "category": category, "content": content,
                "location": location}
        headers = {}
        deadline = None
        if random.random() < self.args.deadline_share:
            deadline = int(time.time()) + random.randint(20, 60)
            body["deadline"] = iso(deadline)
            headers["Authorization"] = "Bearer " + self.office
            # Half of them are answered at once (no escalation expected), a
            # quarter only accepted, a quarter left alone (one supervision
            # escalation expected for each of those).
            plan = random.choices(["reply", "accept", "none"], [2, 1, 1])[0]
        else:
            plan = random.choices(["reply", "accept", "none"], [2, 1, 3])[0]
        return Demand(body["request_id"], json.dumps(body, ensure_ascii=False), headers,
                      deadline, plan)

    def deliver(self, copies, *send_args):
        """send(*send_args) `copies` times at once, each copy to a node of its own
        random choice: a duplicate delivery, as from a client retrying too early."""
        if copies == 1:
            return [self.send(*send_args)]
        out = [None] * copies

        def one(i):
            out[i] = self.send(*send_args)
        extra = [threading.Thread(target=one, args=(i,)) for i in range(1, copies)]
        for t in extra:
            t.start()
        one(0)
        for t in extra:
            t.join()
        return out

    def copies(self):
        return 2 if random.random() < self.args.duplicate_share else 1

    def violation(self, text):
        """A break of the idempotency contract (a warning on a one-node build)."""
        with self.lock:
            (self.anomalies if self.args.single else self.violations).append(text)

    def intake(self, d, give_up_s=OP_GIVE_UP_S):
        def classify(r, attempt):
            if r.status in (200, 201):
                return "ack"
            if self.transient(r):
                return "retry"
            return "final"
        args = ("POST", "/api/v1/demands", d.body, d.headers, classify, give_up_s)
        results = self.deliver(self.copies(), *args)
        acks = [r for verdict, r, _ in results if verdict == "ack"]
        if not acks:
            return results[0][1]
        # Every demand has its own phone: a 200 "linked to an open ticket"
        # (M-S-2) can only be the demand linked to itself, i.e. a retry or a
        # duplicate not recognised by its request_id.
        for a in acks:
            if a.status == 200:
                self.violation(f"intake {d.rid} (delivered {len(results)}x) answered {a}"
                               f" instead of 201 with its ticket")
        created = [a for a in acks if a.status == 201 and isinstance(a.json, dict)
                   and a.json.get("ticket_no")]
        if not created:
            # Learn the ticket: by now the request id is claimed, a retry replays it.
            verdict, r, _ = self.send(*args)
            if verdict == "ack" and r.status == 201 and isinstance(r.json, dict) \
                    and r.json.get("ticket_no"):
                created = [r]
            else:
                self.note(f"intake {d.rid}: unexpected answer {r}")
                return r
        r = created[0]
        numbers = {a.json["ticket_no"] for a in created}
        if len(numbers) > 1:
            self.violation(f"intake {d.rid} delivered twice: two tickets {sorted(numbers)}")
        with self.lock:
            self.stats["replays"] += sum(a.headers.get("idempotent-replayed") == "true"
                                         for a in created)
            d.acked = True
            d.ticket_no = r.json["ticket_no"]
            d.unit_id = (r.json.get("assignment") or {}).get("unit_id")
        if r.json.get("status") != "dispatched" or not d.unit_id:
            self.note(f"intake {d.rid}: not dispatched: {r}")
        return None

    def command(self, d, action, give_up_s=OP_GIVE_UP_S):
        """accept or reply with the assigned unit's token and an Idempotency-Key."""
        key = f"{d.rid}-{action}"
        headers = {"Authorization": "Bearer " + self.unit_token(d.unit_id),
                   "Idempotency-Key": key}
        body = json.dumps({"text": "已到现场核实处理，问题已整改。"}, ensure_ascii=False) \
            if action == "reply" else None
        path = f"/api/v1/tickets/{d.ticket_no}/{action}"

        def classify(r, attempt):
            if r.status == 200:
                return "ack"
            if self.transient(r):
                return "retry"
            if r.status == 404 and attempt < 50:
                # The intake was acknowledged: a 404 is a read that missed it.
                self.note(f"{action} {d.ticket_no}: 404 for an acknowledged ticket ({r})")
                return "retry"
            return "final"

        # An attempt may have been applied without its answer reaching us (or
        # be delivered twice on purpose): with the same Idempotency-Key the
        # other answers 200 all the same, and the effect is applied once.
        results = self.deliver(self.copies(), "POST", path, body, headers, classify, give_up_s)
        acked = any(verdict == "ack" for verdict, _, _ in results)
        refused = [(r, n) for verdict, r, n in results if verdict == "final"]
        if not acked:
            if not refused:
                return results[0][1]      # timed out
            r, _ = refused[0]
            if not (isinstance(r, Reply) and r.status == 409 and r.error_field() == "status"
                    and self.applied(d, action)):
                return r
        for r, n in refused:
            # The effect was applied (acknowledged, or seen on the ticket),
            # yet a delivery with the same key was refused.
            self.violation(f"{action} {d.ticket_no}: a delivery (attempt {n}) with"
                           f" Idempotency-Key {key} answered {r}, though the effect was applied")
        return None

    def applied(self, d, action):
        """Reads the ticket: did `action` take effect?"""
        want = {"accept": ("accepted", "replied", "closed"), "reply": ("replied", "closed")}
        for _ in range(20):
            port = random.choice(list(self.cluster.ports.values()))
            try:
                r = http_call(port, "GET", f"/api/v1/tickets/{d.ticket_no}",
                              headers={"Authorization": "Bearer " + self.office})
                if r.status == 200:
                    return r.json.get("status") in want[action]
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.3)
        return False

    def one(self, d, give_up_s=OP_GIVE_UP_S):
        """Drives one demand as far as its plan and acknowledgements go."""
        if not d.acked:
            err = self.intake(d, give_up_s)
            if not d.acked:
                with self.lock:
                    self.unacked.append((d, "intake", str(err)))
                return
        if d.plan in ("accept", "reply") and not d.accept_acked and d.unit_id:
            err = self.command(d, "accept", give_up_s)
            if err is not None:
                with self.lock:
                    self.unacked.append((d, "accept", str(err)))
                return
            d.accept_acked = True
        if d.plan == "reply" and not d.reply_acked and d.unit_id:
            err = self.command(d, "reply", give_up_s)
            if err is not None:
                with self.lock:
                    self.unacked.append((d, "reply", str(err)))
                return
            d.reply_acked = True

    def worker(self):
        while not self.stop.is_set():
            d = self.new_demand()
            with self.lock:
                self.demands.append(d)
            self.one(d)
            self.stop.wait(random.uniform(*self.args.pace))

    def start(self):
        for i in range(self.args.threads):
            t = threading.Thread(target=self.worker, name=f"client-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self):
        """Stops new demands and waits for every operation in flight."""
        self.stop.set()
        for t in self.threads:
            t.join(OP_GIVE_UP_S * 3 + 30)

    def settle(self):
        """Retries, on the healthy system, what could not be acknowledged under faults."""
        with self.lock:
            pending, self.unacked = self.unacked, []
        for d, what, err in pending:
            self.note(f"{what} {d.rid} ({d.ticket_no}): not acknowledged within"
                      f" {OP_GIVE_UP_S:.0f} s under faults; last answer {err}")
            if d.deadline and not d.acked and d.deadline <= time.time() + 2:
                # Its deadline has passed: a retry would be refused (422).
                with self.lock:
                    self.unacked.append((d, "intake", "deadline passed before acknowledgement"))
                continue
            self.one(d, give_up_s=30)


# --- faults --------------------------------------------------------------------

class Faults:
    def __init__(self, cluster, args, load):
        self.c, self.args, self.load = cluster, args, load
        self.failover_ms = []     # one per kill -9 of a node
        self.failures = []        # fail-overs that never completed, and the like
        self.info = []

    def survivor_view(self, dead):
        for nid in self.c.nodes:
            if nid not in dead:
                v = self.c.cluster_view(nid)
                if v:
                    return v
        return None

    def wait_view(self, predicate, dead, timeout):
        """Polls a surviving node's view every 50 ms until `predicate(view)`."""
        end = time.monotonic() + timeout
        view = None
        while time.monotonic() < end:
            view = self.survivor_view(dead) or view
            if view and predicate(view):
                return True, view
            time.sleep(0.05)
        return False, view

    def wait_member(self, nid, timeout=20):
        """Waits until `nid` is alive in the view and every partition is owned."""
        ok, view = self.wait_view(
            lambda v: settled(v) and any(n.get("node_id") == nid and n.get("status") == "alive"
                                         for n in v.get("nodes", [])), (), timeout)
        if not ok:
            self.failures.append(f"{nid} not back as a live member within {timeout} s:"
                                 f" {summary(view)}")
        return ok

    def kill_node(self, nid):
        ok, view = self.wait_view(lambda v: settled(v) and owned(v, nid) > 0, (), 15)
        if not ok:
            self.info.append(f"before killing {nid}: it owned no partitions ({summary(view)})")
        log(f"kill -9 {nid} ({summary(view)})")
        t0 = time.monotonic()
        self.c.nodes[nid].kill9()
        done, view = self.wait_view(lambda v: settled(v, dead={nid}) and owned(v, nid) == 0,
                                    {nid}, self.args.failover_timeout)
        ms = (time.monotonic() - t0) * 1000
        if done:
            self.failover_ms.append(ms)
            log(f"fail-over after killing {nid}: {ms:.0f} ms ({summary(view)})")
        else:
            self.failures.append(f"fail-over after kill -9 {nid} not complete after"
                                 f" {self.args.failover_timeout} s: {summary(view)}")
            log(self.failures[-1])
        self.restart(nid)

    def restart(self, nid):
        """Starts a killed node again; a node that cannot start is a failure, not the end."""
        try:
            self.c.start_node(nid)
        except RuntimeError as e:
            self.failures.append(f"restart of {nid}: {e}")
            log(self.failures[-1])
            return
        log(f"{nid} restarted")
        if not self.args.single:
            self.wait_member(nid)

    def stop_node(self, nid):
        self.wait_view(lambda v: settled(v) and owned(v, nid) > 0, (), 15)
        before = owned(self.survivor_view(()), nid)
        pause = 2.5 * self.args.lease_ms / 1000
        log(f"SIGSTOP {nid} for {pause:.1f} s (owns {before} partitions)")
        p = self.c.nodes[nid]
        t0 = time.monotonic()
        p.signal(signal.SIGSTOP)
        p.stopped = True
        moved, view = self.wait_view(lambda v: settled(v, dead={nid}) and owned(v, nid) == 0,
                                     {nid}, pause)
        ms = (time.monotonic() - t0) * 1000
        if moved:
            self.info.append(f"SIGSTOP {nid}: its {before} partitions moved after {ms:.0f} ms")
            log(self.info[-1])
            # Keep it stopped for the whole 2.5 leases: it wakes up as a stale owner.
            time.sleep(max(0.0, pause - (time.monotonic() - t0)))
        else:
            self.failures.append(f"SIGSTOP {nid}: partitions not moved within {pause:.1f} s"
                                 f" (2.5 leases): {summary(view)}")
            log(self.failures[-1])
        p.signal(signal.SIGCONT)
        p.stopped = False
        log(f"SIGCONT {nid}")
        self.wait_member(nid)

    def restart_redis(self):
        log("kill -9 redis-server")
        t0 = time.monotonic()
        self.c.redis.kill9()
        time.sleep(1.0)   # Redis stays down for a second: the nodes see it gone
        self.c.start_redis()
        log(f"redis-server back (down {time.monotonic() - t0:.1f} s)")
        # The service is back when a demand is acknowledged again.
        probe = self.load.new_demand()
        probe.plan = "none"
        with self.load.lock:
            self.load.demands.append(probe)
        self.load.one(probe)
        self.info.append(f"Redis restart: first intake acknowledged"
                         f" {(time.monotonic() - t0) * 1000:.0f} ms after the kill")
        log(self.info[-1])
        if not self.args.single:
            ok, view = self.wait_view(settled, (), 30)
            if not ok:
                self.failures.append(f"after the Redis restart the partitions were not all"
                                     f" owned within 30 s: {summary(view)}")

    def run(self):
        """The whole schedule, under the load."""
        steady = self.args.steady_s
        time.sleep(steady)
        if self.args.single:
            log("kill -9 n1 (single node)")
            self.c.nodes["n1"].kill9()
            self.restart("n1")
            time.sleep(steady)
        else:
            for nid in list(self.c.nodes)[:3]:
                self.kill_node(nid)
                time.sleep(steady)
            self.stop_node(list(self.c.nodes)[1])
            time.sleep(steady)
        self.restart_redis()
        time.sleep(steady)


# --- verification --------------------------------------------------------------

class Verify:
    def __init__(self, cluster, args, load):
        self.c, self.args, self.load = cluster, args, load
        self.office = load.office
        self.details = []
        self.present = 0
        self.lost = 0
        self.duplicated = 0
        self.timers_missed = 0
        self.timers_spurious = 0
        self.late = []
        self.ambiguous = 0
        self.unreachable = 0
        self.timers_fired = 0     # supervisions expected and found
        self.redis_count = -1
        self.explained = {}       # ticket -> request id of an unacknowledged intake
        self.missing = set()      # acknowledged tickets the API does not find

    def get(self, path, timeout_s=30):
        """GET with the office token from any node, retried while transient."""
        def classify(r, attempt):
            return "retry" if self.load.transient(r) else "ack"
        verdict, r, _ = self.load.send("GET", path, None,
                                       {"Authorization": "Bearer " + self.office},
                                       classify, timeout_s)
        return r if verdict == "ack" else None

    def timeline(self, no):
        r = self.get(f"/api/v1/tickets/{no}/timeline")
        if r is None or r.status != 200:
            return None
        return r.json.get("steps", [])

    def fail(self, kind, text):
        self.details.append(f"{kind}: {text}")

    def read(self, d):
        """The staff view (None if no answer) and timeline of an acknowledged ticket."""
        r = self.get(f"/api/v1/tickets/{d.ticket_no}")
        steps = self.timeline(d.ticket_no) if r is not None and r.status == 200 else None
        return d, r, steps

    def run(self):
        queue = [d for d in self.load.demands if d.acked]
        results = []
        lock = threading.Lock()

        def worker():   # six readers, over all nodes
            while True:
                with lock:
                    if not queue:
                        return
                    d = queue.pop()
                result = self.read(d)
                with lock:
                    results.append(result)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        # Tickets whose escalation is still missing are read again for a while.
        missing_escalation = []
        by_ticket = {}
        for d, r, steps in results:
            if d.ticket_no in by_ticket:
                self.lost += 1
                self.fail("lost", f"{d.rid} and {by_ticket[d.ticket_no].rid} were both"
                                  f" acknowledged with ticket {d.ticket_no}")
                continue
            by_ticket[d.ticket_no] = d
            if r is None:
                self.unreachable += 1
                self.fail("unreachable", f"{d.ticket_no} ({d.rid}): no answer to GET")
                continue
            if r.status != 200:
                self.lost += 1
                self.missing.add(d.ticket_no)
                self.fail("lost", f"{d.ticket_no} ({d.rid}) acknowledged, GET answers {r}")
                continue
            self.present += 1
            if steps is None:
                self.unreachable += 1
                self.fail("unreachable", f"{d.ticket_no}: no timeline")
                continue
            if self.check_steps(d, steps) == "await":
                missing_escalation.append(d)

        end = time.monotonic() + self.args.timer_grace_s
        while missing_escalation and time.monotonic() < end:
            time.sleep(1.0)
            still = []
            for d in missing_escalation:
                steps = self.timeline(d.ticket_no) or []
                sup = [s for s in steps if is_supervision(s)]
                if sup:
                    self.timers_fired += 1
                    self.late.append(f"{d.ticket_no}: supervision at {sup[0]['at']},"
                                     f" deadline {iso(d.deadline)}")
                    if len(sup) > 1:
                        self.duplicated += 1
                        self.fail("duplicated", f"{d.ticket_no}: {len(sup)} supervision steps")
                else:
                    still.append(d)
            missing_escalation = still
        for d in missing_escalation:
            self.timers_missed += 1
            self.fail("timers_missed", f"{d.ticket_no} ({d.rid}): deadline {iso(d.deadline)}"
                                       f" passed unreplied, no supervision escalation")

        self.check_redis(by_ticket)

    def check_steps(self, d, steps):
        """Counts the steps of one ticket; "await" if its supervision is not there yet."""
        types = [s.get("type") for s in steps]
        for kind, acked in (("registered", True), ("dispatched", True),
                            ("accepted", d.accept_acked), ("replied", d.reply_acked)):
            n = types.count(kind)
            if n > 1:
                self.duplicated += 1
                self.fail("duplicated", f"{d.ticket_no}: {n} '{kind}' steps")
            elif n == 0 and acked:
                self.lost += 1
                self.fail("lost", f"{d.ticket_no}: acknowledged '{kind}' step missing")
        sup = [s for s in steps if is_supervision(s)]
        others = [s for s in steps if s.get("type") == "escalated" and not is_supervision(s)]
        if others:
            self.timers_spurious += len(others)
            self.fail("timers_spurious", f"{d.ticket_no}: unexpected escalations "
                                         + ", ".join(f"{s.get('label_en')}@{s.get('at')}"
                                                     for s in others))
        if len(sup) > 1:
            self.duplicated += 1
            self.fail("duplicated", f"{d.ticket_no}: {len(sup)} supervision steps "
                                    + ", ".join(s.get("at", "") for s in sup))
        if d.deadline is None:
            if sup:
                self.timers_spurious += 1
                self.fail("timers_spurious", f"{d.ticket_no}: supervision without a given deadline")
            return None
        replied = [parse_iso(s["at"]) for s in steps if s.get("type") == "replied"]
        if replied and replied[0] < d.deadline:
            # Answered strictly before the deadline (times are whole seconds).
            if sup:
                self.timers_spurious += 1
                self.fail("timers_spurious", f"{d.ticket_no}: replied at {iso(replied[0])},"
                                             f" before the deadline {iso(d.deadline)}, yet"
                                             f" supervised at {sup[0].get('at')}")
            return None
        if replied:
            # Answered at or after the deadline: the timer may have lost the race.
            self.ambiguous += 1
            return None
        if sup:
            self.timers_fired += 1
            return None
        return "await"

    def check_redis(self, by_ticket):
        members = set(self.c.redis_cli("SMEMBERS", "hl:tickets").split())
        count = self.c.redis_cli("SCARD", "hl:tickets")
        self.redis_count = int(count) if count.isdigit() else -1
        # Unacknowledged intakes may have created a ticket: the request-id
        # claim (hl:req:{id}) tells which, when the layout still has it.
        explained = {}
        for d, what, _ in self.load.unacked:
            if what == "intake":
                no = self.c.redis_cli("GET", f"hl:req:{d.rid}")
                if no:
                    explained[no] = d.rid
        extra = members - set(by_ticket) - set(explained)
        # Found by the API but missing from the index: lost from the listings.
        for no in sorted(set(by_ticket) - members - self.missing):
            self.lost += 1
            self.fail("lost", f"{no} acknowledged and readable, but not in hl:tickets")
        for no in sorted(extra):
            self.duplicated += 1
            steps = self.timeline(no) or []
            first = steps[0].get("detail", "") if steps else "?"
            self.fail("duplicated", f"{no} in hl:tickets but never acknowledged: {first[:120]}")
        self.explained = explained
        if explained:
            self.details.append(f"note: {len(explained)} unacknowledged intakes created"
                                f" tickets: {sorted(explained.items())[:5]}")


def is_supervision(step):
    return step.get("type") == "escalated" and step.get("label_en") == "supervision"


# --- main ----------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True, help="scratch folder (logs, data, redis)")
    ap.add_argument("--bin", required=True, help="folder with hotlined and hotline")
    ap.add_argument("--config", required=True)
    ap.add_argument("--redis-server", default="redis-server")
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--lease-ms", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=6)
    ap.add_argument("--pace", type=float, nargs=2, default=(0.05, 0.25),
                    help="pause between two demands of one client thread (s, min max)")
    ap.add_argument("--deadline-share", type=float, default=0.3)
    ap.add_argument("--duplicate-share", type=float, default=0.15,
                    help="share of requests delivered twice at once (to two nodes)")
    ap.add_argument("--steady-s", type=float, default=5.0, help="load between faults")
    ap.add_argument("--failover-timeout", type=float, default=30.0)
    ap.add_argument("--timer-grace-s", type=float, default=20.0,
                    help="after deadline+5 s, how long a missing escalation is awaited")
    ap.add_argument("--self-test", action="store_true",
                    help="plant one fault of each kind before verifying: must fail with"
                         " lost=1 duplicated=1 timers_missed=1 and one spurious escalation")
    ap.add_argument("--max-s", type=float, default=480,
                    help="the whole run is stopped (and fails) after this many seconds")
    ap.add_argument("--single", action="store_true",
                    help="rehearsal on a build without --node-id: one node, no fail-over")
    args = ap.parse_args()

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    timed_out = threading.Event()

    def watchdog():
        timed_out.set()
        os.kill(os.getpid(), signal.SIGTERM)
    timer = threading.Timer(args.max_s, watchdog)
    timer.daemon = True
    timer.start()

    cluster = Cluster(args)
    rc = 1
    try:
        rc = run(cluster, args)
    except KeyboardInterrupt:
        if timed_out.is_set():
            print(f"fault: FAIL: the run took more than {args.max_s:.0f} s; stopped",
                  file=sys.stderr)
            rc = 2
        else:
            print("fault: interrupted", file=sys.stderr)
            rc = 130
    except Exception as e:
        traceback.print_exc()
        print(f"fault: error: {e}", file=sys.stderr)
        rc = 2
    finally:
        timer.cancel()
        cluster.stop_all()
    if rc not in (0, 1):   # no summary line: say where the logs are
        print(log_paths(cluster), file=sys.stderr)
    return rc


def log_paths(cluster):
    logs = [p.log_path for p in cluster.all_procs()]
    logs.append(os.path.join(cluster.work, "logs", "client.log"))
    return "fault: logs: " + " ".join(logs)


def inject(cluster, load):
    """--self-test: plants one fault of each kind the verification must find.

    lost: an acknowledgement of a ticket that does not exist; duplicated: a
    ticket nobody recorded; timers_missed: a recorded deadline the service
    never got; timers_spurious: an office escalation of a ticket without one.
    """
    log("self-test: planting one lost, one duplicated, one missed and one spurious")
    ghost = Demand("self-test-lost", "{}", {}, None, "none")
    ghost.acked, ghost.ticket_no = True, "20000101-000001"
    body = json.loads(load.new_demand().body)
    body.pop("deadline", None)
    body["request_id"] = "self-test-extra"
    extra = Demand("self-test-extra", json.dumps(body, ensure_ascii=False), {}, None, "none")
    load.one(extra)            # acknowledged, but not recorded below
    plain = [d for d in load.demands if d.acked and not d.deadline and d.plan == "none"]
    missed, spurious = plain[0], plain[1]
    missed.deadline = int(time.time()) - 10
    load.send("POST", f"/api/v1/tickets/{spurious.ticket_no}/escalate",
              json.dumps({"reason": "self-test"}), {"Authorization": "Bearer " + load.office},
              lambda r, a: "retry" if load.transient(r) else "ack")
    with load.lock:
        load.demands.append(ghost)


def start(cluster, args):
    """Redis, then the first node (it creates the key files), then the others."""
    cluster.start_redis()
    log(f"redis-server on 127.0.0.1:{cluster.redis_port}")
    ids = list(cluster.nodes)
    cluster.start_node(ids[0])
    offsets = {nid: cluster.nodes[nid].start() for nid in ids[1:]}
    for nid, offset in offsets.items():
        p = cluster.nodes[nid]
        if not p.wait_log(offset, SERVING, 60):
            raise RuntimeError(f"{nid} did not start (log {p.log_path}):\n{p.tail()}")
    log("nodes up: " + ", ".join(f"{n}=127.0.0.1:{p}" for n, p in cluster.ports.items()))


def run(cluster, args):
    t_start = time.monotonic()
    start(cluster, args)
    office = subprocess.run([os.path.join(args.bin, "hotline"), "token", "--data-dir",
                             cluster.data, "--office"],
                            capture_output=True, text=True, check=True).stdout.strip()
    load = Load(cluster, args, office)
    faults = Faults(cluster, args, load)
    if not args.single:
        ok, view = faults.wait_view(settled, (), 30)
        if not ok:
            raise RuntimeError(f"cluster never settled at start: {summary(view)}")
        log(f"cluster settled: {summary(view)}")

    load.start()
    log(f"load: {args.threads} client threads")
    try:
        faults.run()
    except BaseException:
        load.stop.set()   # the client threads are daemons: no join on the way out
        raise
    log("stopping the load")
    load.finish()
    load.settle()
    stats = dict(load.stats)

    # Every deadline given must have passed, plus 5 s for its timer to fire.
    last = max((d.deadline for d in load.demands if d.deadline and d.acked), default=0)
    wait = last + 5 - time.time()
    if wait > 0:
        log(f"waiting {wait:.0f} s for the last deadline + 5 s")
        time.sleep(wait)

    if args.self_test:
        inject(cluster, load)
    log("verifying")
    v = Verify(cluster, args, load)
    v.run()
    load.trace_file.flush()
    acked = [d for d in load.demands if d.acked]
    distinct = len({d.ticket_no for d in acked})

    # Details first, the summary line last.
    for f in faults.failures:
        print(f"FAIL fail-over: {f}")
    for line in v.details:
        print(line if line.startswith("note") else "FAIL " + line)
    for text in load.violations[:20]:
        print(f"FAIL idempotency: {text}")
    if load.violations:
        kinds = {}
        for text in load.violations:
            kinds[text.split()[0]] = kinds.get(text.split()[0], 0) + 1
        print(f"FAIL idempotency: {len(load.violations)} in all ("
              + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")")
    for d, what, err in load.unacked[:20]:
        print(f"FAIL unacknowledged: {what} {d.rid} ({d.ticket_no}) never acknowledged: {err}")
    if v.timers_spurious:
        print(f"FAIL timers_spurious={v.timers_spurious}")
    if v.unreachable:
        print(f"FAIL unreachable={v.unreachable} tickets could not be read")
    if v.redis_count != distinct + len(v.explained):
        print(f"FAIL hl:tickets holds {v.redis_count} tickets; {distinct} acknowledged"
              f" + {len(v.explained)} created by unacknowledged intakes")
    for a in load.anomalies[:30]:
        print(f"warning: {a}")
    if len(load.anomalies) > 30:
        print(f"warning: ... {len(load.anomalies) - 30} more client-side warnings")
    for line in faults.info:
        print(f"info: {line}")
    fenced = {nid: p.count("fenced") for nid, p in cluster.nodes.items()}
    print("info: writes refused by fencing, as logged: "
          + " ".join(f"{nid}={n}" for nid, n in fenced.items()))
    for line in v.late[:10]:
        print(f"info: escalation found only after deadline + 5 s: {line}")
    print(f"info: {len(acked)} demands ({sum(1 for d in acked if d.deadline)} with a deadline,"
          f" {sum(d.accept_acked for d in acked)} accepted,"
          f" {sum(d.reply_acked for d in acked)} replied);"
          f" {stats['requests']} requests, {stats['retries']} retries,"
          f" {stats['replays']} intake replays; hl:tickets={v.redis_count};"
          f" supervision escalations expected and found: {v.timers_fired};"
          f" replies racing their deadline: {v.ambiguous};"
          f" {time.monotonic() - t_start:.0f} s in all")

    ok = (v.present == len(acked) and v.lost == 0 and v.duplicated == 0
          and v.timers_missed == 0 and v.timers_spurious == 0 and v.unreachable == 0
          and v.redis_count == distinct + len(v.explained)
          and not faults.failures and not load.unacked and not load.violations)
    if not ok:
        print(log_paths(cluster))
    # The summary is the last line.
    fo = sorted(faults.failover_ms)
    p50 = f"{statistics.median(fo):.0f}" if fo else "none"
    mx = f"{fo[-1]:.0f}" if fo else "none"
    print(f"fault: acknowledged={len(acked)} present={v.present} lost={v.lost}"
          f" duplicated={v.duplicated} timers_missed={v.timers_missed}"
          f" failover_ms_p50={p50} failover_ms_max={mx}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
