// Page: one page of a listing the state store serves (ListJobs, ListRuns), with the number of
// matching items in all pages so that a client can page through them.
#pragma once

#include <cstdint>
#include <vector>

namespace orc {

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;  // matching items in all pages
  // The count stopped at a cap (see RunFilter::count_beyond): more than `total` items match.
  bool total_capped = false;
};

}  // namespace orc
