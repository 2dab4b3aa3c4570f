// RandomSource: where orc's randomized decisions (today the jitter of retry delays) draw their
// numbers.
//
// Like the Clock, it is handed to the code that needs it, so a test can fix the seed (or supply
// its own source) and get the same decisions on every run. Nothing else in orc seeds a generator
// of its own.
//
// Thread safety: every method of every class here is safe to call from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace orc {

class RandomSource {
 public:
  virtual ~RandomSource() = default;

  // A number drawn uniformly from [low, high); `low` when low >= high.
  virtual double Uniform(double low, double high) = 0;
};

// A Mersenne Twister seeded once. The same seed gives the same sequence of draws in one build.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

  // A seed from std::random_device: a different sequence in every process (for orc serve).
  static std::uint64_t UnpredictableSeed();

  double Uniform(double low, double high) override;

 private:
  std::mutex mutex_;  // guards engine_
  std::mt19937_64 engine_;
};

}  // namespace orc
