// RFC 3339 timestamps, the only way orc writes time in its API, logs and database text.
//
// Output is always UTC with exactly millisecond precision ("2026-11-27T09:00:00.123Z"), so the
// strings sort in time order. Input accepts any RFC 3339 date-time: 'T' or 't' or ' ' between date
// and time, any number of fractional digits (kept to the microsecond), and 'Z' or a numeric offset.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace orc {

// "YYYY-MM-DDTHH:MM:SS.mmmZ"; sub-millisecond digits are truncated towards the past.
std::string FormatRfc3339(TimePoint time);

// Parses an RFC 3339 date-time; InvalidArgument naming the text and the fault otherwise.
Result<TimePoint> ParseRfc3339(std::string_view text);

// Days since 1970-01-01 of a date of the proleptic Gregorian calendar (month 1-12, day 1-31, any
// year), as DuckDB and the databases' wire formats count them.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);

// A duration for people, in seconds with milliseconds: "0.500 s".
std::string FormatSeconds(Duration duration);

}  // namespace orc
