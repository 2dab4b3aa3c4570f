// TimeZone: an IANA time zone's offset from UTC at every instant, the wall clock cron fields are
// read on.
//
// The date library, built on the system's time zone files (/usr/share/zoneinfo), knows the
// transitions a TZif file lists and keeps the last one's offset forever after. A TZif file lists
// transitions only up to some year: 2037 in the "fat" files Debian ships, the zone's last rule
// change in "slim" ones. Later changes follow the recurring rule in the file's footer, a POSIX TZ
// string such as "EST5EDT,M3.2.0,M11.1.0" (RFC 8536 section 3.3), as zdump, Python's zoneinfo and
// the C library read them. TimeZone asks the date library up to the last listed transition and
// expands the footer's rule from there through kLastRuleYear; after that year the offset in force
// stays. A file without a footer (TZif version 1) or with one that does not parse keeps the date
// library's answer.
//
// Zones are loaded once per process and live until it ends; a TimeZone is immutable and safe to
// share between threads.
#pragma once

#include <date/tz.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orc {

class TimeZone {
 public:
  // The last year the footer's rule is expanded for (one past the last year a cron schedule can
  // name).
  static constexpr int kLastRuleYear = 2200;

  // Reads `zone`'s footer from `zoneinfo_directory`/<name>.
  TimeZone(const date::time_zone& zone, const std::string& zoneinfo_directory);

  const std::string& name() const { return zone_.name(); }

  // The offset in force at `time`, and the interval [begin, end) it holds for.
  date::sys_info GetInfo(date::sys_seconds time) const;
  // Whether the wall-clock time `time` happens once (unique: first), never (nonexistent: skipped
  // by a jump forward; first is in force before the gap, second after it, second.begin is the
  // first instant after it) or twice (ambiguous: first is the earlier occurrence's).
  date::local_info GetInfo(date::local_seconds time) const;
  date::local_seconds ToLocal(date::sys_seconds time) const;

 private:
  const date::time_zone& zone_;
  // From periods_.front().begin (the last transition the file lists) on, the offsets the footer's
  // rule gives, one entry per change; empty when the date library answers for every instant.
  std::vector<date::sys_info> periods_;
};

// The IANA time zone `timezone` names (null for "UTC", which needs no table), or InvalidArgument
// naming it, with field() "timezone". A manual job's time zone is checked with this too.
Result<const TimeZone*> FindTimeZone(std::string_view timezone);

}  // namespace orc
