#!/usr/bin/env bash
# gpu_session.sh — what a session on a lent GPU machine runs for the GPU work (issue 7), in
# one script: build with CUDA (no MPI, no FFTW; Check optional), record the device, run the
# GPU tests (and compute-sanitizer memcheck + racecheck on them where the tool exists), run
# bench_gpu. Everything it prints also goes to files under $OUT.
#
# Usage (from the repository root):
#   benchmarks/gpu_session.sh [all|build|test|run|resident|sanitize|bench|scale]
#   all (default) = build, test, run, resident, sanitize, bench, scale.
#   resident: the resident whole-step path on the device vs the CPU for five ensembles
#   (tests/integration/gpu_resident_run.sh with NNMD_GPU_EMULATE=0); scale: `nnmd run`
#   throughput, cpu vs per-call vs resident mixed/double, 192 .. 786,432 water atoms
#   (benchmarks/bench_resident.sh); drift (not in all: two ~5-minute runs): the issue's NVE
#   check, mixed vs double, 100,000 steps (benchmarks/nve_water_drift.sh; one precision per
#   10-minute command: DRIFT_PRECISIONS=mixed, then =double). run: `nnmd run` of 192 water atoms, 20
#   NVE steps, device = "gpu" (double, mixed) on the real device vs device = "cpu"
#   (tests/integration/gpu_emulated_run.sh with NNMD_GPU_EMULATE=0). Each phase fits in a 10-minute command;
#   with a shorter limit run them one call each (the build folder is reused).
# Environment:
#   OUT         output folder (default ./gpu_session_out)
#   BUILD       build folder (default ./build-gpu-session; ignored by git, kept between calls)
#   SHARED      the shared/ folder with models/ (default: ../shared or ./shared)
#   BENCH_ARGS  bench_gpu arguments (default: --sizes 10000,100000,1000000 --reps 3)
#   JOBS        build parallelism (default: nproc)
#   COMMIT      the commit being measured (default: git rev-parse HEAD; copies without .git
#               should pass it, e.g. COMMIT=$(git rev-parse HEAD) from the session's checkout)
# Files in $OUT: session.log (everything), device.txt (nvidia-smi, nvcc, commit), build.log,
# ctest_gpu.log, run_gpu.log, resident_gpu.log, memcheck.log, racecheck.log, bench_gpu.txt,
# bench_resident.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu_session_out}
BUILD=${BUILD:-$ROOT/build-gpu-session}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
BENCH_ARGS=${BENCH_ARGS:---sizes 10000,100000,1000000 --reps 3}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/session.log") 2>&1
phase=${1:-all}
status=0

note() { echo; echo "== $(date -u +%H:%M:%S) $*"; }

for d in "${SHARED:-}" "$ROOT/../shared" "$ROOT/shared"; do
  if [ -n "$d" ] && [ -f "$d/models/README.md" ]; then SHARED=$(cd "$d" && pwd); break; fi
done
if [ -z "${SHARED:-}" ] || [ ! -f "$SHARED/models/README.md" ]; then
  echo "gpu_session: no shared/ folder with models/ (set SHARED)"; exit 1
fi

device_info() {
  note "device and toolchain"
  {
    echo "commit: ${COMMIT:-$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)}"
    echo "date: $(date -u)"; echo "host: $(hostname) cores: $(nproc)"
    nvidia-smi 2>&1 || echo "nvidia-smi not found"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || true
    command -v nvcc >/dev/null && nvcc --version || /usr/local/cuda/bin/nvcc --version 2>&1 || echo "nvcc not found"
    command -v cmake >/dev/null && cmake --version | head -1
  } | tee "$OUT/device.txt"
}

build() {
  note "build (CUDA, no MPI, no FFTW) in $BUILD"
  local nvcc_path
  nvcc_path=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  if ! cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DNNMD_CUDA=ON -DNNMD_MPI=OFF -DNNMD_FFTW=OFF \
       -DNNMD_WERROR=ON -DCMAKE_CUDA_COMPILER="$nvcc_path" -DCMAKE_CUDA_ARCHITECTURES=90 \
       -DNNMD_SHARED_DIR="$SHARED" >"$OUT/build.log" 2>&1; then
    tail -30 "$OUT/build.log"; echo "gpu_session: configure failed"; return 1
  fi
  grep -E "nnmd: CUDA=" "$OUT/build.log"
  local t0=$SECONDS
  if ! cmake --build "$BUILD" -j"$JOBS" >>"$OUT/build.log" 2>&1; then
    grep -E "error|Error" "$OUT/build.log" | head -30; echo "gpu_session: build failed"; return 1
  fi
  echo "built in $((SECONDS - t0)) s"
}

run_tests() {
  note "tests"
  if [ ! -x "$BUILD/tests/gpu_test_gpu_hdnnp" ]; then
    echo "Check is not installed: the test suites were not built. bench_gpu compares GPU and CPU at its"
    echo "smallest size; that is the only correctness check of this session."
    return 0
  fi
  (cd "$BUILD" && ctest -L gpu -R "gpu_" --output-on-failure -V) >"$OUT/ctest_gpu.log" 2>&1
  local rc=$?
  grep -E "^ *[A-Za-z0-9_/ -]+(double|mixed) +N=|expected error|device [0-9]|Checks|SKIP|tests passed|Failed|F:" "$OUT/ctest_gpu.log"
  (cd "$BUILD" && ctest -R "engine_test_device|nnp_test_hdnnp_gpu_emul" --output-on-failure) 2>&1 | tail -4
  [ $rc -eq 0 ] || { echo "gpu_session: GPU tests FAILED (see ctest_gpu.log)"; return 1; }
}

sanitize() {
  note "compute-sanitizer"
  local cs
  cs=$(command -v compute-sanitizer || true)
  if [ -z "$cs" ]; then
    for c in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda*/bin/compute-sanitizer; do
      if [ -x "$c" ]; then cs=$c; break; fi
    done
  fi
  if [ -z "$cs" ]; then echo "compute-sanitizer not found: skipped"; return 0; fi
  local target=("$BUILD/tests/gpu_test_gpu_hdnnp")
  if [ ! -x "${target[0]}" ]; then target=("$BUILD/benchmarks/bench_gpu" --sizes 3000 --reps 1 "$SHARED"); fi
  local rc=0 tool
  for tool in memcheck racecheck; do
    (cd "$BUILD/tests" 2>/dev/null || cd "$BUILD" || exit 1; timeout 240 "$cs" --tool "$tool" --error-exitcode 3 "${target[@]}") \
      >"$OUT/$tool.log" 2>&1
    local r=$?
    echo "$tool: exit $r ($( [ $r -eq 0 ] && echo clean || ([ $r -eq 124 ] && echo 'timed out') || echo 'ERRORS, see '$tool.log))"
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|Invalid|Race" "$OUT/$tool.log" | head -5
    [ $r -eq 0 ] || rc=1
  done
  return $rc
}

run_md() {
  note "nnmd run: device = gpu (double, mixed) vs cpu, 192 water atoms, 20 NVE steps"
  NNMD_BIN="$BUILD/nnmd" NNMD_SHARED_DIR="$SHARED" NNMD_GPU_EMULATE=0 \
    bash "$ROOT/tests/integration/gpu_emulated_run.sh" 2>&1 | tee "$OUT/run_gpu.log"
  return "${PIPESTATUS[0]}"
}

run_resident() {
  note "resident step on the device vs cpu (5 ensembles, 192 water atoms)"
  NNMD_BIN="$BUILD/nnmd" NNMD_SHARED_DIR="$SHARED" NNMD_GPU_EMULATE=0 \
    bash "$ROOT/tests/integration/gpu_resident_run.sh" 2>&1 | tee "$OUT/resident_gpu.log"
  return "${PIPESTATUS[0]}"
}

scale() {
  note "bench_resident.sh (nnmd run throughput)"
  NNMD_BIN="$BUILD/nnmd" bash "$ROOT/benchmarks/bench_resident.sh" "$SHARED" 2>&1 | tee "$OUT/bench_resident.txt"
  return "${PIPESTATUS[0]}"
}

drift() {
  note "NVE drift, 1,536 water atoms, 0.5 fs, ${DRIFT_STEPS:-100000} steps: mixed vs double on the device"
  local p
  for p in ${DRIFT_PRECISIONS:-mixed double}; do
    STEPS=${DRIFT_STEPS:-100000} PARALLEL=$'device = "gpu"\nprecision = "'$p'"' NNMD_BIN="$BUILD/nnmd" \
      timeout 560 bash "$ROOT/benchmarks/nve_water_drift.sh" "$SHARED" 2>&1 | sed "s/^/$p: /" | tee -a "$OUT/drift.txt"
  done
}

bench() {
  note "bench_gpu $BENCH_ARGS"
  # shellcheck disable=SC2086
  "$BUILD/benchmarks/bench_gpu" $BENCH_ARGS "$SHARED" 2>&1 | tee "$OUT/bench_gpu.txt"
  return "${PIPESTATUS[0]}"
}

device_info
case "$phase" in
  build) build || status=1 ;;
  test) run_tests || status=1 ;;
  sanitize) sanitize || status=1 ;;
  run) run_md || status=1 ;;
  resident) run_resident || status=1 ;;
  bench) bench || status=1 ;;
  scale) scale || status=1 ;;
  drift) drift || status=1 ;;
  all) build && { run_tests || status=1; run_md || status=1; run_resident || status=1; sanitize || status=1
                  bench || status=1; scale || status=1; } || status=1 ;;
  *) echo "usage: $0 [all|build|test|run|resident|sanitize|bench|scale|drift]"; exit 2 ;;
esac
note "done (status $status); files in $OUT"
exit $status
