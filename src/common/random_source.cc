#include "common/random_source.h"

namespace orc {

std::uint64_t SeededRandom::UnpredictableSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

double SeededRandom::Uniform(double low, double high) {
  if (!(low < high)) return low;
  const std::lock_guard<std::mutex> lock(mutex_);
  return std::uniform_real_distribution<double>(low, high)(engine_);
}

}  // namespace orc
