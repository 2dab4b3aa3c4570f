#include "common/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace orc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Draws the same point of every range: 0 gives its low end, 0.5 its middle.
class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(double fraction) : fraction_(fraction) {}
  double Uniform(double low, double high) override {
    ++draws_;
    return low + fraction_ * (high - low);
  }
  int draws() const { return draws_; }

 private:
  double fraction_;
  int draws_ = 0;
};

TEST(BackoffTest, MultipliesUpToTheCap) {
  const Backoff backoff{.initial = milliseconds(500), .max = seconds(30)};
  EXPECT_EQ(backoff.Ceiling(0), milliseconds(500));
  EXPECT_EQ(backoff.Ceiling(1), seconds(1));
  EXPECT_EQ(backoff.Ceiling(5), seconds(16));
  EXPECT_EQ(backoff.Ceiling(6), seconds(30));
  EXPECT_EQ(backoff.Ceiling(10000), seconds(30));
  EXPECT_EQ(backoff.Ceiling(-3), milliseconds(500));
}

TEST(BackoffTest, OtherMultipliers) {
  const Backoff triple{.initial = seconds(1), .max = seconds(100), .multiplier = 3};
  EXPECT_EQ(triple.Ceiling(2), seconds(9));
  const Backoff constant{.initial = seconds(2), .max = seconds(100), .multiplier = 1};
  EXPECT_EQ(constant.Ceiling(7), seconds(2));
}

TEST(BackoffTest, WithoutJitterTheDelayIsTheCeilingAndDrawsNothing) {
  const Backoff backoff{.initial = milliseconds(250), .max = seconds(4)};
  FixedRandom random(0.3);
  for (int retry = 0; retry < 8; ++retry) {
    EXPECT_EQ(backoff.Delay(retry, random), backoff.Ceiling(retry));
  }
  EXPECT_EQ(random.draws(), 0);
}

TEST(BackoffTest, JitterScalesTheDelayWithinItsRange) {
  const Backoff backoff{.initial = seconds(1), .max = seconds(5), .jitter = 0.5};
  FixedRandom low(0.0);
  EXPECT_EQ(backoff.Delay(1, low), seconds(1));
  EXPECT_EQ(backoff.Delay(3, low), milliseconds(2500));
  FixedRandom middle(0.5);
  EXPECT_EQ(backoff.Delay(2, middle), seconds(3));
  EXPECT_EQ(middle.draws(), 1);
}

TEST(BackoffTest, AFixedSeedGivesTheSameDelaysWithinTheRange) {
  const Backoff backoff{.initial = seconds(1), .max = seconds(1000), .jitter = 0.5};
  const auto delays = [&](std::uint64_t seed) {
    SeededRandom random(seed);
    std::vector<Duration> result;
    for (int retry = 0; retry < 8; ++retry) result.push_back(backoff.Delay(retry, random));
    return result;
  };
  const std::vector<Duration> first = delays(42);
  EXPECT_EQ(first, delays(42));
  EXPECT_NE(first, delays(43));
  for (int retry = 0; retry < 8; ++retry) {
    EXPECT_GE(first[retry], backoff.Ceiling(retry) / 2);
    EXPECT_LT(first[retry], backoff.Ceiling(retry));
  }
}

TEST(BackoffTest, TotalCeilingSumsTheCeilings) {
  const Backoff backoff{.initial = milliseconds(500), .max = seconds(30)};
  EXPECT_EQ(backoff.TotalCeiling(0), Duration::zero());
  // The api extractor's default of 5 retries waits at most 0.5 + 1 + 2 + 4 + 8 s.
  EXPECT_EQ(backoff.TotalCeiling(5), milliseconds(15500));
  EXPECT_EQ(backoff.TotalCeiling(8), milliseconds(15500) + seconds(16 + 30 + 30));
}

}  // namespace
}  // namespace orc
