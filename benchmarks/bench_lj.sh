#!/usr/bin/env bash
# bench_lj.sh — nnmd against LAMMPS on LAMMPS' own standard benchmark bench/in.lj (3d
# Lennard-Jones melt: fcc at rho* = 0.8442, T* = 1.44, rc = 2.5 sigma, skin 0.3 sigma,
# lists rebuilt every 20 steps without check, NVE), in metal units for argon:
# 32,000 atoms, 1000 steps. nnmd runs inputs/bench-lj.toml, LAMMPS benchmarks/in.lj-nnmd
# (same system and settings; velocities from each code's own generator at the same T).
#
# Usage: benchmarks/bench_lj.sh [repeats]      (default 3)
#   NNMD_BIN  the nnmd binary (default: build/nnmd of this checkout); nothing is built here
#   LMP_BIN   the LAMMPS binary (default: /usr/bin/lmp, else `lmp` on PATH)
#
# Method: the two codes run one after the other, interleaved (nnmd, LAMMPS, nnmd, ...),
# `repeats` times each, each as ONE process with ONE thread, in a scratch folder. The figure
# of merit is atom-steps per second of the MD loop (setup excluded), from
#   nnmd:   "performance: X atom-steps/s" (atom-steps / loop time)
#   LAMMPS: "Loop time of T on 1 procs for N steps with M atoms" -> N M / T
# The best run of each code is the headline (least disturbed by other load on the machine);
# the median is printed too. Ratio > 1 means nnmd is faster.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repeats=${1:-3}
nnmd=${NNMD_BIN:-$root/build/nnmd}
lmp=${LMP_BIN:-}
if [[ -z "$lmp" ]]; then
  if [[ -x /usr/bin/lmp ]]; then lmp=/usr/bin/lmp; else lmp=$(command -v lmp || true); fi
fi
[[ -x "$nnmd" ]] || { echo "bench_lj: no nnmd binary at $nnmd (build it, or set NNMD_BIN)" >&2; exit 1; }
[[ -n "$lmp" && -x "$lmp" ]] || { echo "bench_lj: no LAMMPS binary (/usr/bin/lmp or lmp in PATH; or set LMP_BIN)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench_lj.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$root/inputs/bench-lj.toml" "$root/benchmarks/in.lj-nnmd" "$work/"
export OMP_NUM_THREADS=1

echo "bench_lj: LAMMPS bench/in.lj in metal units (argon), 32,000 atoms, 1000 steps, NVE, 1 process x 1 thread each"
echo "nnmd:   $nnmd"
echo "LAMMPS: $lmp ($("$lmp" -h 2>/dev/null | sed -n 's/^Large-scale Atomic\/Molecular Massively Parallel Simulator - //p' | head -n 1))"
echo "CPU:    $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

nnmd_rates=()
lmp_rates=()
for ((r = 1; r <= repeats; ++r)); do
  (cd "$work" && "$nnmd" run bench-lj.toml > "nnmd_$r.log" 2>&1) ||
    { echo "nnmd failed:" >&2; tail -n 20 "$work/nnmd_$r.log" >&2; exit 1; }
  rate=$(sed -n 's/.*performance: \([0-9.eE+-]*\) atom-steps\/s.*/\1/p' "$work/nnmd_$r.log" | tail -n 1)
  [[ -n "$rate" ]] || { echo "no 'performance:' line in the nnmd output" >&2; tail -n 20 "$work/nnmd_$r.log" >&2; exit 1; }
  nnmd_rates+=("$rate")

  (cd "$work" && "$lmp" -nocite -screen none -log "lmp_$r.log" -in in.lj-nnmd > /dev/null 2>&1) ||
    { echo "LAMMPS failed:" >&2; tail -n 20 "$work/lmp_$r.log" >&2; exit 1; }
  rate=$(awk '/^Loop time of/ { printf "%.6e\n", $9 * $12 / $4 }' "$work/lmp_$r.log" | tail -n 1)
  [[ -n "$rate" ]] || { echo "no 'Loop time' line in the LAMMPS log" >&2; exit 1; }
  lmp_rates+=("$rate")
  printf "run %d: nnmd %.4e atom-steps/s   LAMMPS %.4e atom-steps/s\n" "$r" "${nnmd_rates[-1]}" "${lmp_rates[-1]}"
done

# best and median of a list of numbers
stat() { printf "%s\n" "$@" | sort -g | awk '{ v[NR] = $1 } END {
  med = (NR % 2) ? v[(NR + 1) / 2] : 0.5 * (v[NR / 2] + v[NR / 2 + 1]); printf "%.6e %.6e\n", v[NR], med }'; }
read -r nb nm <<< "$(stat "${nnmd_rates[@]}")"
read -r lb lm <<< "$(stat "${lmp_rates[@]}")"
echo
printf "%-8s %22s %22s\n" "" "best atom-steps/s" "median atom-steps/s"
printf "%-8s %22.4e %22.4e\n" "nnmd" "$nb" "$nm"
printf "%-8s %22.4e %22.4e\n" "LAMMPS" "$lb" "$lm"
awk -v nb="$nb" -v lb="$lb" -v nm="$nm" -v lm="$lm" \
  'BEGIN { printf "ratio nnmd/LAMMPS: best %.3f, median %.3f (%d runs each)\n", nb / lb, nm / lm, '"$repeats"' }'
