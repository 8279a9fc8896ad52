#!/usr/bin/env bash
# fuzz_smoke.sh — a short libFuzzer pass of every fuzz target (FUZZ_SECONDS each, default 6):
# the CI share of `make fuzz` (docs/fuzzing.md). Skipped (77) without clang and libFuzzer.
# The clang build lives in NNMD_FUZZ_BUILD and is reused, so only the first run compiles.
set -u
src=${NNMD_SOURCE_DIR:?}
bash "$src/fuzz/run.sh" -b "${NNMD_FUZZ_BUILD:-$PWD/fuzz-smoke}" -s "${FUZZ_SECONDS:-6}"
rc=$?
[ $rc -eq 0 ] && echo "1 passed, 0 failed"
exit $rc
