#include "common/random_source.h"

#include <gtest/gtest.h>

#include <vector>

namespace orc {
namespace {

std::vector<double> Draws(RandomSource& random, int count) {
  std::vector<double> draws;
  for (int i = 0; i < count; ++i) draws.push_back(random.Uniform(0.5, 1.0));
  return draws;
}

TEST(SeededRandomTest, TheSameSeedGivesTheSameDraws) {
  SeededRandom first(42);
  SeededRandom second(42);
  SeededRandom other(43);
  const std::vector<double> draws = Draws(first, 20);
  EXPECT_EQ(draws, Draws(second, 20));
  EXPECT_NE(draws, Draws(other, 20));
}

TEST(SeededRandomTest, DrawsStayInTheirRange) {
  SeededRandom random(7);
  for (const double draw : Draws(random, 1000)) {
    EXPECT_GE(draw, 0.5);
    EXPECT_LT(draw, 1.0);
  }
  EXPECT_EQ(random.Uniform(2.0, 2.0), 2.0);
}

}  // namespace
}  // namespace orc
