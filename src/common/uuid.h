// UUID v4 identifiers for jobs, tasks and runs.
//
// Ids come from the kernel's CSPRNG (getrandom), so two orc processes sharing one database never
// collide and ids cannot be guessed from each other. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"

namespace orc {

// A new random (version 4, RFC 9562) UUID in lowercase canonical form:
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", y one of 8, 9, a, b.
std::string NewUuidV4();

// A new time-ordered (version 7, RFC 9562) UUID: the first 48 bits are `time` in milliseconds
// since the Unix epoch, the next 12 the fraction of that millisecond, the remaining 62 free bits
// random. Ids made later sort after earlier ones (to the microsecond), so a table keyed by them
// grows at one end of its index instead of splitting pages all over it, and listing by id is
// listing by time.
std::string NewUuidV7(TimePoint time);

// The least version 7 UUID of `time` (its random bits all zero): every id NewUuidV7 makes at
// `time` or later sorts at or after it, every id made earlier before it. Turns a time range into
// a range of ids. A time before 1970 gives the least version 7 id, one past the year 10889 the
// greatest.
std::string UuidV7Floor(TimePoint time);

// True when `text` is a UUID in canonical 8-4-4-4-12 hex form (any case, any version).
bool IsUuid(std::string_view text);

}  // namespace orc
