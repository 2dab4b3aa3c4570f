#include "cron/time_zone.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include "cron/posix_zone_rule.h"

namespace orc {
namespace {

using std::chrono::seconds;

// Where the date library, built on the system's time zone files, reads them on Linux.
constexpr const char* kZoneInfoDirectory = "/usr/share/zoneinfo";
// TZif files are a few kilobytes; anything much larger is not one.
constexpr std::streamsize kMaxTzifBytes = 1 << 20;
constexpr size_t kTzifHeaderBytes = 44;
// No zone's offset reaches this far from UTC, so a wall-clock time's instants lie within it.
constexpr auto kMaxOffset = std::chrono::hours(26);

uint64_t BigEndian32(const std::string& data, size_t at) {
  uint64_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<unsigned char>(data[at + i]);
  return value;
}

// The size of the data block after the TZif header at `header`, whose transition times take
// `time_bytes` bytes each (4 in version 1's block, 8 in the later one); 0 when it runs past the
// data.
uint64_t TzifBlockBytes(const std::string& data, size_t header, uint64_t time_bytes) {
  if (header + kTzifHeaderBytes > data.size() || data.compare(header, 4, "TZif") != 0) return 0;
  const uint64_t utc_count = BigEndian32(data, header + 20);
  const uint64_t standard_count = BigEndian32(data, header + 24);
  const uint64_t leap_count = BigEndian32(data, header + 28);
  const uint64_t time_count = BigEndian32(data, header + 32);
  const uint64_t type_count = BigEndian32(data, header + 36);
  const uint64_t char_count = BigEndian32(data, header + 40);
  return time_count * (time_bytes + 1) + type_count * 6 + char_count +
         leap_count * (time_bytes + 4) + standard_count + utc_count;
}

// The TZ string at the end of the TZif file at `path` (RFC 8536 section 3.3); empty for a
// version 1 file, which has none, or a file that is not TZif.
std::string ReadTzifFooter(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::string data;
  data.resize(static_cast<size_t>(kMaxTzifBytes));
  file.read(data.data(), kMaxTzifBytes);
  data.resize(static_cast<size_t>(file.gcount()));
  if (data.size() < kTzifHeaderBytes || data.compare(0, 4, "TZif") != 0 || data[4] < '2') {
    return "";
  }
  const uint64_t second_header = kTzifHeaderBytes + TzifBlockBytes(data, 0, 4);
  if (second_header >= data.size()) return "";
  const uint64_t block = TzifBlockBytes(data, static_cast<size_t>(second_header), 8);
  const uint64_t footer = second_header + kTzifHeaderBytes + block;
  if (block == 0 || footer >= data.size() || data[static_cast<size_t>(footer)] != '\n') return "";
  const size_t end = data.find('\n', static_cast<size_t>(footer) + 1);
  if (end == std::string::npos) return "";
  return data.substr(static_cast<size_t>(footer) + 1, end - static_cast<size_t>(footer) - 1);
}

date::local_seconds AsLocal(date::sys_seconds time) {
  return date::local_seconds(time.time_since_epoch());
}

date::sys_seconds AsSys(date::local_seconds time) {
  return date::sys_seconds(time.time_since_epoch());
}

}  // namespace

TimeZone::TimeZone(const date::time_zone& zone, const std::string& zoneinfo_directory)
    : zone_(zone) {
  const Result<PosixZoneRule> rule =
      PosixZoneRule::Parse(ReadTzifFooter(zoneinfo_directory + "/" + zone.name()));
  // Without daylight saving the footer only repeats the offset the last transition set.
  if (!rule.ok() || !rule->has_daylight_saving()) return;
  const date::sys_info last_listed =
      zone.get_info(date::sys_days(date::year(kLastRuleYear + 1) / date::January / 1));
  periods_.push_back(last_listed);
  const auto first_year = static_cast<int>(
      date::year_month_day(std::chrono::floor<date::days>(last_listed.begin)).year());
  for (int year = first_year; year <= kLastRuleYear; ++year) {
    for (const PosixZoneRule::Transition& transition : rule->TransitionsIn(year)) {
      date::sys_info& current = periods_.back();
      if (transition.at <= current.begin) continue;
      const bool daylight = transition.to_daylight_saving;
      const seconds offset = daylight ? rule->daylight_offset() : rule->standard_offset();
      if (offset == current.offset) continue;
      current.end = transition.at;
      periods_.push_back({
          .begin = transition.at,
          .end = last_listed.end,
          .offset = offset,
          .save = daylight ? std::chrono::ceil<std::chrono::minutes>(rule->daylight_offset() -
                                                                     rule->standard_offset())
                           : std::chrono::minutes(0),
          .abbrev = daylight ? rule->daylight_abbreviation() : rule->standard_abbreviation(),
      });
    }
  }
}

date::sys_info TimeZone::GetInfo(date::sys_seconds time) const {
  if (periods_.empty() || time < periods_.front().begin) return zone_.get_info(time);
  const auto after = std::upper_bound(
      periods_.begin(), periods_.end(), time,
      [](date::sys_seconds t, const date::sys_info& period) { return t < period.begin; });
  return *std::prev(after);
}

date::local_info TimeZone::GetInfo(date::local_seconds time) const {
  // Within a day or so of the last listed transition, its neighbours come from the date library.
  if (periods_.empty() || time < AsLocal(periods_.front().begin) + 2 * kMaxOffset) {
    return zone_.get_info(time);
  }
  date::local_info info{};
  int found = 0;
  auto period = std::prev(std::upper_bound(
      periods_.begin(), periods_.end(), AsSys(time) - kMaxOffset,
      [](date::sys_seconds t, const date::sys_info& period) { return t < period.begin; }));
  for (; period != periods_.end() && period->begin <= AsSys(time) + kMaxOffset; ++period) {
    const date::local_seconds local_begin = AsLocal(period->begin) + period->offset;
    const date::local_seconds local_end = AsLocal(period->end) + period->offset;
    if (local_begin <= time && time < local_end) {
      (found == 0 ? info.first : info.second) = *period;
      ++found;
      continue;
    }
    const auto next = std::next(period);
    if (found == 0 && next != periods_.end() && local_end <= time &&
        time < AsLocal(next->begin) + next->offset) {
      return {date::local_info::nonexistent, *period, *next};
    }
  }
  // Periods tile time without gaps, so one of the cases above always holds; should the rule ever
  // produce something else, the date library's answer is better than an invented one.
  if (found == 0) return zone_.get_info(time);
  info.result = found == 2 ? date::local_info::ambiguous : date::local_info::unique;
  return info;
}

date::local_seconds TimeZone::ToLocal(date::sys_seconds time) const {
  return AsLocal(time) + GetInfo(time).offset;
}

Result<const TimeZone*> FindTimeZone(std::string_view timezone) {
  if (timezone.empty()) {
    return InvalidArgumentError("timezone: empty; use an IANA name such as UTC or Europe/Berlin")
        .WithField("timezone");
  }
  if (timezone == "UTC") return static_cast<const TimeZone*>(nullptr);
  // Only names the database knows are kept, so the map is bounded by the database's size.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<const TimeZone>, std::less<>> zones;
  const std::lock_guard<std::mutex> lock(mutex);
  if (const auto found = zones.find(timezone); found != zones.end()) return found->second.get();
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(timezone);
  } catch (const std::exception&) {
    return InvalidArgumentError("timezone '" + std::string(timezone) +
                                "': not an IANA time zone name (e.g. UTC, Europe/Berlin, "
                                "America/New_York)")
        .WithField("timezone");
  }
  auto loaded = std::make_unique<const TimeZone>(*zone, kZoneInfoDirectory);
  const TimeZone* result = loaded.get();
  zones.emplace(std::string(timezone), std::move(loaded));
  return result;
}

}  // namespace orc
