#include "common/backoff.h"

#include <algorithm>
#include <cmath>

namespace orc {
namespace {

Duration ToDuration(double seconds) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

// Computed in seconds as a double, so that a large `retry` saturates at max instead of
// overflowing, and a jittered delay is scaled before it is rounded to the clock's ticks.
double CeilingSeconds(const Backoff& backoff, int retry) {
  const double exponential =
      backoff.initial.count() * std::pow(backoff.multiplier, std::max(0, retry));
  return std::min(backoff.max.count(), exponential);
}

}  // namespace

Duration Backoff::Ceiling(int retry) const { return ToDuration(CeilingSeconds(*this, retry)); }

Duration Backoff::Delay(int retry, RandomSource& random) const {
  if (jitter <= 0) return Ceiling(retry);
  return ToDuration(CeilingSeconds(*this, retry) * random.Uniform(1.0 - jitter, 1.0));
}

Duration Backoff::TotalCeiling(int retries) const {
  Duration total = Duration::zero();
  for (int retry = 0; retry < retries; ++retry) total += Ceiling(retry);
  return total;
}

}  // namespace orc
