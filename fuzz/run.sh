#!/usr/bin/env bash
# run.sh — build the libFuzzer targets and run each for a set time (`make fuzz`, ctest's
# fuzz_smoke; docs/fuzzing.md).
#   fuzz/run.sh [-b BUILD] [-s SECONDS] [TARGET...]
# BUILD (default build-fuzz) is configured with clang and -DNNMD_FUZZ=ON; corpora live in
# BUILD/corpus/<target> (seeded by make_corpus.sh, kept between runs); findings (crash-*,
# leak-*, timeout-*, oom-*) and each target's log in BUILD/findings/. A table of executions,
# coverage (cov: edges, ft: features) and findings per target is printed and written to
# BUILD/findings/summary.txt. Exit 77 when clang/libFuzzer is missing, 1 when a target found
# something, else 0. FUZZ_JOBS (default 1) runs that many targets at once.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=build-fuzz seconds=${FUZZ_SECONDS:-60}
while getopts b:s: o; do
  case $o in b) build=$OPTARG;; s) seconds=$OPTARG;; *) exit 2;; esac
done
shift $((OPTIND - 1))
all="fuzz_input fuzz_extxyz fuzz_lammps_data fuzz_n2p2_data fuzz_structure_detect fuzz_nnp_model fuzz_bec_model fuzz_frames fuzz_train_config fuzz_train_data fuzz_checkpoint"
targets=${*:-$all}
cc=${FUZZ_CC:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found: skipped (apt-get install clang)"; exit 77; }
probe=$(mktemp -d)
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  rm -rf "$probe"; echo "fuzz: $cc cannot link libFuzzer (-fsanitize=fuzzer): skipped"; exit 77
fi
rm -rf "$probe"
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$build"
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug -DNNMD_FUZZ=ON -DNNMD_MPI=OFF \
  -DNNMD_CUDA=OFF -DNNMD_FFTW=OFF -DNNMD_NATIVE=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$jobs" --target $targets >"$build/build.log" 2>&1 || { tail -40 "$build/build.log"; exit 1; }
bash "$here/make_corpus.sh" "$src" "$build/corpus"
case " $targets " in *" fuzz_checkpoint "*) # its seed: a checkpoint the target's own set-up run writes
  mkdir -p "$build/corpus/fuzz_checkpoint"
  FUZZ_WRITE_SEED="$build/corpus/fuzz_checkpoint" "$build/fuzz/fuzz_checkpoint" >/dev/null 2>&1 ||
    echo "fuzz: could not write the checkpoint seed" >&2;;
esac
rm -rf "$build/findings.prev"
[ -d "$build/findings" ] && mv "$build/findings" "$build/findings.prev" # the last run's, kept once
mkdir -p "$build/findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_one() {
  local t=$1 log=$build/findings/$1.log
  # -timeout: one input taking > 10 s is a hang; -rss_limit_mb: > 2 GB is a finding
  "$build/fuzz/$t" "$build/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/findings/$t-" >"$log" 2>&1
  echo $? >"$build/findings/$t.rc"
}
for t in $targets; do
  run_one "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "${FUZZ_JOBS:-1}" ]; do wait -n; done
done
wait
status=0
summary=$build/findings/summary.txt
printf '%-22s %8s %12s %8s %8s  %s\n' target seconds execs cov ft findings >"$summary"
for t in $targets; do
  log=$build/findings/$t.log
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  found=$(ls "$build/findings/" | grep -c "^$t-")
  rc=$(cat "$build/findings/$t.rc" 2>/dev/null || echo '?')
  [ "$found" -eq 0 ] && [ "$rc" = 0 ] || status=1
  printf '%-22s %8s %12s %8s %8s  %s\n' "$t" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "$found (exit $rc)" >>"$summary"
done
cat "$summary"
[ $status -eq 0 ] || echo "fuzz: findings in $build/findings (replay: $build/fuzz/<target> FILE)"
exit $status
