#!/usr/bin/env bash
# fuzz_replay.sh — every fuzz seed (fuzz/make_corpus.sh) and every saved fuzz finding
# (tests/fuzz/<target>/: inputs that crashed, hung or tripped a sanitizer once) through the
# target's harness built as an ordinary program (fuzz_replay_<target>). Each must return:
# a crash, an abort or (in the sanitize build) a sanitizer report fails the test.
set -u
src=${NNMD_SOURCE_DIR:?} bin=${NNMD_REPLAY_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$src/fuzz/make_corpus.sh" "$src" "$work/corpus" || exit 1
mkdir -p "$work/corpus/fuzz_checkpoint"
FUZZ_WRITE_SEED="$work/corpus/fuzz_checkpoint" "$bin/fuzz_replay_fuzz_checkpoint" >/dev/null 2>&1 ||
  { echo "FAIL: fuzz_replay_fuzz_checkpoint could not write its seed"; exit 1; }
pass=0 fail=0
for exe in "$bin"/fuzz_replay_*; do
  t=${exe##*/fuzz_replay_}
  dirs=()
  [ -d "$work/corpus/$t" ] && dirs+=("$work/corpus/$t")
  [ -d "$src/tests/fuzz/$t" ] && dirs+=("$src/tests/fuzz/$t")
  [ ${#dirs[@]} -gt 0 ] || continue
  if timeout 300 "$exe" "${dirs[@]}" >"$work/$t.log" 2>&1; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $t (exit $?):"
    tail -20 "$work/$t.log"
  fi
  echo "$t: $(tail -1 "$work/$t.log")"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
