#!/usr/bin/python3
"""Checks a /metrics answer with Prometheus's own text parser (issue 14).

Usage: metrics_check.py FILE. Parses FILE with
prometheus_client.parser.text_string_to_metric_families (Debian's
python3-prometheus-client), checks the families an operator's dashboards
need and the histograms' shape, and prints one JSON object on stdout:
{"samples": {"name{a=x,b=y}": value, ...}}. Exit 1 with the reasons on
stderr when something is wrong, 2 when the text does not parse.
"""
import json
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

REQUIRED = {
    # family (as the parser names it: counters lose _total) -> type
    "hotline_http_requests": "counter",
    "hotline_http_request_duration_seconds": "histogram",
    "hotline_redis_round_trip_seconds": "histogram",
    "hotline_postgres_round_trip_seconds": "histogram",
    "hotline_tickets_open": "gauge",
    "hotline_tickets_open_by_unit_kind": "gauge",
    "hotline_tickets_overdue": "gauge",
    "hotline_tickets_supervised": "gauge",
    "hotline_due_timers_backlog": "gauge",
    "hotline_due_timers_lateness_seconds": "gauge",
    "hotline_archive_queue_tickets": "gauge",
    "hotline_archive_oldest_closed_age_seconds": "gauge",
    "hotline_push_feed_entries": "gauge",
    "hotline_webhook_backlog_seconds": "gauge",
    "hotline_storage_up": "gauge",
}


def key(sample):
    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
    return f"{sample.name}{{{labels}}}" if labels else sample.name


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser's own complaint
        print(f"metrics do not parse: {e}", file=sys.stderr)
        return 2
    problems = []
    types = {f.name: f.type for f in families}
    for name, kind in REQUIRED.items():
        if types.get(name) != kind:
            problems.append(f"{name}: expected a {kind}, found {types.get(name)}")
    samples = {}
    for f in families:
        if f.name in samples:
            problems.append(f"{f.name}: family given twice")
        if f.type == "histogram":
            series = {}
            for s in f.samples:
                labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                series.setdefault(labels, {"buckets": [], "count": None})
                if s.name.endswith("_bucket"):
                    series[labels]["buckets"].append((float(s.labels["le"]), s.value))
                elif s.name.endswith("_count"):
                    series[labels]["count"] = s.value
            for labels, h in series.items():
                counts = [v for _, v in sorted(h["buckets"])]
                if counts != sorted(counts):
                    problems.append(f"{f.name}{labels}: buckets not cumulative")
                if not h["buckets"] or sorted(h["buckets"])[-1][0] != float("inf"):
                    problems.append(f"{f.name}{labels}: no +Inf bucket")
                elif counts[-1] != h["count"]:
                    problems.append(f"{f.name}{labels}: +Inf bucket {counts[-1]} != count {h['count']}")
                route = dict(labels).get("route")
                # Bounded labels: the route table's patterns, never a raw path.
                if route is not None and route != "other" and re.search(r"/\d{8}-\d+", route):
                    problems.append(f"{f.name}: raw path as route label: {route}")
        for s in f.samples:
            samples[key(s)] = s.value
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    json.dump({"samples": samples}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
