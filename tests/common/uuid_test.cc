#include "common/uuid.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace orc {
namespace {

TEST(UuidTest, HasVersionFourLayout) {
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuidV4();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    for (char c : id) EXPECT_FALSE(c >= 'A' && c <= 'F') << "lowercase expected: " << id;
  }
}

TEST(UuidTest, DoNotRepeat) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(seen.insert(NewUuidV4()).second);
}

TEST(UuidTest, RandomBitsAreSpread) {
  // Every hex digit of the random positions shows up over many ids (catches a stuck source).
  std::unordered_set<char> first_digits;
  for (int i = 0; i < 2000; ++i) first_digits.insert(NewUuidV4()[0]);
  EXPECT_EQ(first_digits.size(), 16u);
}

TEST(UuidTest, VersionSevenStartsWithTheTimeAndSortsByIt) {
  const TimePoint time = TimePoint(std::chrono::milliseconds(0x0123456789AB));
  const std::string id = NewUuidV7(time);
  ASSERT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id.substr(0, 13), "01234567-89ab");
  EXPECT_EQ(id[14], '7');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  EXPECT_NE(NewUuidV7(time), id);  // the rest is random
  std::string previous = NewUuidV7(time);
  for (int i = 1; i <= 100; ++i) {
    const std::string next = NewUuidV7(time + std::chrono::milliseconds(i));
    EXPECT_LT(previous, next);
    previous = next;
  }
}

TEST(UuidTest, VersionSevenSortsWithinAMillisecondToTheMicrosecond) {
  const TimePoint start = TimePoint(std::chrono::milliseconds(0x0123456789AB));
  std::string previous = NewUuidV7(start);
  for (int i = 1; i < 3000; ++i) {  // three milliseconds, a microsecond apart
    const std::string next = NewUuidV7(start + std::chrono::microseconds(i));
    ASSERT_LT(previous, next) << i;
    ASSERT_EQ(next[14], '7') << next;
    previous = next;
  }
}

TEST(UuidTest, VersionSevenFloorBoundsTheIdsOfItsTime) {
  const TimePoint time = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1)) +
                         std::chrono::microseconds(123456);
  const std::string floor = UuidV7Floor(time);
  EXPECT_TRUE(IsUuid(floor));
  for (int i = 0; i < 100; ++i) {
    EXPECT_LE(floor, NewUuidV7(time));
    EXPECT_GT(floor, NewUuidV7(time - std::chrono::microseconds(1)));
  }
  // Times an id cannot hold keep the order: before 1970 the least id, far ahead the greatest.
  const TimePoint ancient = TimePoint(std::chrono::sys_days(std::chrono::year(1900) / 1 / 1));
  EXPECT_EQ(UuidV7Floor(ancient), UuidV7Floor(TimePoint{}));
  EXPECT_LT(UuidV7Floor(ancient), UuidV7Floor(time));
  const TimePoint far = TimePoint(std::chrono::sys_days(std::chrono::year(2261) / 12 / 31));
  EXPECT_GT(UuidV7Floor(far), UuidV7Floor(time));
}

TEST(UuidTest, RecognizesCanonicalForm) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(IsUuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-4266141740000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456_426614174000"));
  EXPECT_FALSE(IsUuid("g23e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsUuid("../../../etc/passwd-0000-000000000000"));
}

}  // namespace
}  // namespace orc
