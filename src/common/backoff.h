// Backoff: the delays between the tries of an operation that may heal by itself — a task's
// attempts (worker/run_executor), the first connection to the state database
// (state/sql_state_store), an api extractor's HTTP request (plugins/extractors/api). Each of them
// owns its loop: whether to try again, how many times, and how to wait; Backoff only says how long.
//
// The delay before retry r (0 for the first retry) is initial * multiplier^r, capped at max: its
// Ceiling(r). With a jitter j it is scaled by a factor drawn from the caller's RandomSource in
// [1 - j, 1), so that many callers that failed together do not retry in step; a jitter of 0 draws
// nothing and the delay is the ceiling. The values are orc's own or a job config's after
// validation; a Backoff is a value and its methods are pure, safe from any thread.
//
// How the loops nest, and the bound on the total. An api task's attempt sends its requests one
// after another (at most max_pages P); each is tried at most R + 1 times (R: max_retries), each try
// lasting at most T (timeout_s, per redirect hop), with waits of Ceiling(r) (0.5 s doubling, capped
// at 30 s) or the server's Retry-After (at most 300 s). A request that still fails fails the
// attempt as Unavailable, which the worker may retry: the HTTP retries run inside every task
// attempt, and the attempt's timeout_s (when set) cuts them short. A task is tried at most A times
// (max_attempts), with waits of at most min(max_delay_s, initial_delay_s * 2^k) between them.
// The worst case:
//
//   task <= A * attempt + sum_{k=0..A-2} min(max_delay_s, initial_delay_s * 2^k)
//   attempt <= timeout_s when set
//   an attempt's HTTP tries and waits <= P * ((R + 1) * T + sum_{r=0..R-1} w_r)
//   w_r = min(300 s, Retry-After) when the server sends one, else min(30 s, 0.5 s * 2^r)
//
// so one request is tried at most A * (R + 1) times in a run. With the defaults (R = 5, T = 30 s,
// no Retry-After) one request takes at most 6 * 30 s + 15.5 s = 195.5 s per attempt.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "common/random_source.h"

namespace orc {

struct Backoff {
  std::chrono::duration<double> initial;  // the delay before the first retry
  std::chrono::duration<double> max;      // no delay is longer
  double multiplier = 2;                  // each retry waits this many times longer
  double jitter = 0;                      // in [0, 1]: the share of the delay that is random

  // The delay before retry `retry` (0, 1, ...) without jitter: min(max, initial *
  // multiplier^retry), and the most Delay() returns. A negative `retry` counts as 0.
  Duration Ceiling(int retry) const;

  // The delay before retry `retry`: Ceiling(retry) scaled by a factor drawn from `random` in
  // [1 - jitter, 1); Ceiling(retry), drawing nothing, when jitter is 0.
  Duration Delay(int retry, RandomSource& random) const;

  // The most `retries` retries wait in all: Ceiling(0) + ... + Ceiling(retries - 1).
  Duration TotalCeiling(int retries) const;
};

}  // namespace orc
