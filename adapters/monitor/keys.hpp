#pragma once
// The monitoring state in Redis (issue 14 item 4, M-D-1): the overview's
// counters and the warnings' hourly buckets, kept by the append script with
// the events (adapters/monitor/counters), read by the overview and the
// detector on any node. Layout (prefix "hl"):
//   hl:mon:open          HASH  open tickets by "s:{status}", "d:{district of
//                              the lead}", "u:{lead unit}", "k:{its kind}"
//                              (routing::warn::open_fields)
//   hl:mon:due           ZSET  ticket → deadline, while its answer is awaited
//   hl:mon:due:{unit}    ZSET  the same, per lead unit (overdue per unit)
//   hl:mon:sup           SET   open tickets under 督办 or above (M-SV-1)
//   hl:mon:n:{hour}      HASH  intakes of an hour bucket (routing::warn::
//                              hour_of): "{category}|{district}" and "*" (all)
//   hl:mon:p:{hour}      HASH  intakes by "{category}|{place}" (committee or
//                              place name, else township code)
//   hl:mon:pc:{hour}:{category}|{place}  SET  the callers' repeat keys (HMAC
//                              of phone and category, never the phone)
//   hl:mon:r:{hour}      HASH  ticket → "{calls}|{category}" when a repeat was
//                              linked to it (M-S-2)
//   hl:mon:od:{hour}     HASH  unit → its overdue count first seen in that hour
//                              (written by the detector)
//   hl:warn:once:{key}   STRING a warning raised (SET NX: once per key)
//   hl:warn:log          ZSET  the warnings (JSON) scored by the time found
// Hourly keys expire after thresholds::counter_ttl_hours.

#include <string>

namespace hotline::monitor {

struct keys {
  std::string prefix = "hl";
  std::string open() const { return prefix + ":mon:open"; }
  std::string due() const { return prefix + ":mon:due"; }
  std::string due(const std::string& unit) const { return prefix + ":mon:due:" + unit; }
  std::string supervised() const { return prefix + ":mon:sup"; }
  std::string intake(long long hour) const { return prefix + ":mon:n:" + std::to_string(hour); }
  std::string places(long long hour) const { return prefix + ":mon:p:" + std::to_string(hour); }
  std::string callers(long long hour, const std::string& place_key) const {
    return prefix + ":mon:pc:" + std::to_string(hour) + ":" + place_key;
  }
  std::string repeats(long long hour) const { return prefix + ":mon:r:" + std::to_string(hour); }
  std::string overdue(long long hour) const { return prefix + ":mon:od:" + std::to_string(hour); }
  std::string once(const std::string& key) const { return prefix + ":warn:once:" + key; }
  std::string log() const { return prefix + ":warn:log"; }
};

} // namespace hotline::monitor
