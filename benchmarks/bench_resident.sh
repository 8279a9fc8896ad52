#!/usr/bin/env bash
# bench_resident.sh — whole-program throughput of `nnmd run` (issue 7): liquid water with the
# H2O_RPBE-D3 HDNNP (n2p2's equilibrated h2o_192 cell replicated k x k x k, converted to A),
# NVE at 0.5 fs, thermo only at the end, for each size:
#   cpu       device = "cpu", one rank (the baseline, measured in the same run, up to
#             CPU_MAX_ATOMS; larger sizes are compared with the last measured cpu rate,
#             which is per atom nearly size-independent, and say so);
#   call      device = "gpu", resident = false: GPU forces per call, host lists/integration;
#   resident  device = "gpu": the whole step on the device (precision mixed and double).
# Prints atom-steps/s (the run's own "performance:" line: loop time only, set-up excluded),
# the ratio to cpu, and the device memory the log reports; one line per run in a table.
# Usage: benchmarks/bench_resident.sh [shared_dir]
# Env: NNMD_BIN (default build/nnmd), REPS="1 4 8 16" (k values: 192 k^3 atoms),
#      STEPS (default 100), CPU_STEPS (default 10), CPU_MAX_ATOMS (default 20000),
#      MODES="cpu call resident-mixed resident-double"
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${1:-$root/../shared}
nnmd=${NNMD_BIN:-$root/build/nnmd}
REPS=${REPS:-"1 4 8 16"}
STEPS=${STEPS:-100}
CPU_STEPS=${CPU_STEPS:-10}
CPU_MAX_ATOMS=${CPU_MAX_ATOMS:-20000}
MODES=${MODES:-"cpu call resident-mixed resident-double"}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench_res.XXXXXX"); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
make_water() { python3 "$root/tests/support/h2o192_extxyz.py" "$shared/models/H2O_RPBE-D3" "w$1.extxyz" "$1"; }
cpu_rate=""
printf "%-10s %-16s %8s %14s %10s %s\n" atoms mode steps atom-steps/s vs_cpu note
for k in $REPS; do
  make_water "$k"
  n=$((192 * k * k * k))
  for mode in $MODES; do
    if [ "$mode" = cpu ] && [ "$n" -gt "$CPU_MAX_ATOMS" ]; then
      printf "%-10s %-16s %8s %14s %10s %s\n" "$n" cpu - - - "not run: ratios below use the cpu rate of the largest size run"
      continue
    fi
    steps=$STEPS; par='device = "gpu"'
    case $mode in
      cpu) par='device = "cpu"'; steps=$CPU_STEPS ;;
      call) par=$'device = "gpu"\nprecision = "mixed"\nresident = false' ;;
      resident-mixed) par=$'device = "gpu"\nprecision = "mixed"' ;;
      resident-double) par=$'device = "gpu"\nprecision = "double"' ;;
    esac
    cat > in.toml <<TOML
[system]
structure = "w$k.extxyz"
[velocities]
temperature = 300.0
seed = 3
[[potential]]
type = "hdnnp"
model = "$shared/models/H2O_RPBE-D3"
length_unit = "bohr"
energy_unit = "hartree"
[run]
ensemble = "nve"
timestep = 0.0005
steps = $steps
[neighbor]
skin = 1.0
[parallel]
$par
[output]
thermo_every = $steps
TOML
    "$nnmd" run in.toml > out.txt 2>&1; rc=$?
    rate=$(sed -n 's/^performance: \([0-9.e+]*\) atom-steps.*/\1/p' out.txt | tail -1)
    note=$(grep -oE "device [0-9]+: [^,]*|out of memory.*|error.*" out.txt | head -1)
    [ $rc -eq 0 ] || note="FAILED (exit $rc): $(grep -iE 'error' out.txt | head -1)"
    [ "$mode" = cpu ] && cpu_rate=$rate
    ratio=$(python3 -c "import sys; a,b=sys.argv[1:]; print('%.1f' % (float(a)/float(b)) if a and b else '-')" "${rate:-}" "${cpu_rate:-}" 2>/dev/null)
    printf "%-10s %-16s %8s %14s %10s %s\n" "$n" "$mode" "$steps" "${rate:--}" "${ratio:--}" "$note"
  done
done
