#!/usr/bin/env bash
# bench_mpi.sh — strong scaling from 1 to 2 MPI ranks on this machine, nnmd and LAMMPS side
# by side (issue 5): the 32,000-atom LJ melt (inputs/bench-lj.toml; LAMMPS benchmarks/in.lj-nnmd)
# and a ~24,000-atom liquid-water HDNNP system (inputs/make_water.py 20 = 24,000 atoms, the
# H2O_RPBE-D3 n2p2 model; nnmd only: the Debian LAMMPS has no HDNNP).
# Parallel efficiency = rate(2 ranks) / (2 x rate(1 rank)), rates in atom-steps/s of the MD
# loop. Each configuration runs `repeats` times, interleaved; the best run counts.
# Usage: benchmarks/bench_mpi.sh [repeats] ; NNMD_BIN, LMP_BIN, H2O_MODEL (model folder,
# default ../shared/models/H2O_RPBE-D3).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repeats=${1:-2}
nnmd=${NNMD_BIN:-$root/build/nnmd}
lmp=${LMP_BIN:-/usr/bin/lmp}
model=${H2O_MODEL:-$root/../shared/models/H2O_RPBE-D3}
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to core -np)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench_mpi.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$root/inputs/bench-lj.toml" "$root/benchmarks/in.lj-nnmd" "$work/"
python3 "$root/inputs/make_water.py" 20 1 > "$work/water.extxyz"
cat > "$work/water.toml" <<TOML
[system]
structure = "water.extxyz"
[velocities]
temperature = 300.0
[[potential]]
type = "hdnnp"
model = "$model"
length_unit = "bohr"
energy_unit = "hartree"
[run]
timestep = 0.0005
steps = 10
[output]
thermo_every = 10
thermo_file = ""
TOML
export OMP_NUM_THREADS=1
echo "bench_mpi: CPU $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

nnmd_rate() { sed -n 's/.*performance: \([0-9.eE+-]*\) atom-steps\/s.*/\1/p' "$1" | tail -n 1; }
lmp_rate() { awk '/^Loop time of/ { printf "%.6e\n", $9 * $12 / $4 }' "$1" | tail -n 1; }
best() { printf "%s\n" "$@" | sort -g | tail -n 1; }

declare -A R
for ((r = 1; r <= repeats; ++r)); do
  for np in 1 2; do
    (cd "$work" && "${mpi[@]}" $np "$nnmd" run bench-lj.toml > lj_$np.log 2>&1)
    R[lj_$np]+=" $(nnmd_rate "$work/lj_$np.log")"
    (cd "$work" && "${mpi[@]}" $np "$lmp" -nocite -screen none -log lmp_$np.log -in in.lj-nnmd > /dev/null 2>&1)
    R[lmp_$np]+=" $(lmp_rate "$work/lmp_$np.log")"
    (cd "$work" && "${mpi[@]}" $np "$nnmd" run water.toml > w_$np.log 2>&1)
    R[w_$np]+=" $(nnmd_rate "$work/w_$np.log")"
  done
done
for k in lj lmp w; do
  b1=$(best ${R[${k}_1]}); b2=$(best ${R[${k}_2]})
  name=$([ $k = lj ] && echo "nnmd LJ 32,000" || ([ $k = lmp ] && echo "LAMMPS LJ 32,000" || echo "nnmd H2O HDNNP 24,000"))
  awk -v n="$name" -v a="$b1" -v b="$b2" 'BEGIN { printf "%-24s 1 rank %.4e  2 ranks %.4e atom-steps/s  speed-up %.3f  efficiency %.1f%%\n", n, a, b, b / a, 50 * b / a }'
done
