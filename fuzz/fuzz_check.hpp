#pragma once
// What every harness uses to state a promise of the code under test: a
// broken promise aborts, which libFuzzer records as a crash with its input.

#include <cstdio>
#include <cstdlib>

namespace hotline::fuzz {

/// Aborts with `what` on stderr unless `ok`. Not assert(): it must hold in
/// release builds too.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: broken promise: %s\n", what);
    std::abort();
  }
}

} // namespace hotline::fuzz
