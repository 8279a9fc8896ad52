#!/usr/bin/env bash
# nve_water_drift.sh — the issue-3 NVE check: liquid water with the H2O_RPBE-D3 HDNNP,
# 1,536 atoms (n2p2's equilibrated h2o_192 cell replicated 2x2x2, converted to A), 300 K,
# dt = 0.5 fs, 20,000 steps (10 ps), total energy every 100 steps; prints the linear drift of
# the total energy per atom per ps and its fluctuation. About 40 min on one core.
# Usage: benchmarks/nve_water_drift.sh [shared_dir]   (NNMD_BIN: the nnmd binary)
# Env: STEPS (default 20000); PARALLEL: lines for a [parallel] table, e.g.
#   PARALLEL=$'device = "gpu"\nprecision = "mixed"' (issue 7: mixed vs double drift on a GPU,
#   STEPS=100000; benchmarks/gpu_session.sh drift runs both).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${1:-$root/../shared}
nnmd=${NNMD_BIN:-$root/build/nnmd}
work=$(mktemp -d "${TMPDIR:-/tmp}/nve_water.XXXXXX")
cd "$work"
python3 "$root/tests/support/h2o192_extxyz.py" "$shared/models/H2O_RPBE-D3" w1536.extxyz 2
cat > nve.toml <<TOML
[system]
structure = "w1536.extxyz"
[velocities]
temperature = 300.0
seed = 3
[[potential]]
type = "hdnnp"
model = "$shared/models/H2O_RPBE-D3"
length_unit = "bohr"
energy_unit = "hartree"
[run]
timestep = 0.0005
steps = ${STEPS:-20000}
[parallel]
${PARALLEL:-}
[output]
thermo_every = 100
TOML
"$nnmd" -q run nve.toml > run.log
python3 - <<'PY'
rows = [l.split(',') for l in open('thermo.csv').read().split('\n')[1:] if l]
t = [float(r[1]) for r in rows]; e = [float(r[6]) for r in rows]; n = len(t); N = 1536
mt = sum(t) / n; me = sum(e) / n
s = sum((a - mt) * (b - me) for a, b in zip(t, e)) / sum((a - mt) ** 2 for a in t)
sd = (sum((b - me - s * (a - mt)) ** 2 for a, b in zip(t, e)) / (n - 2)) ** .5
print(f"1536 atoms, {t[-1]} ps: drift {s / N:.3e} eV/atom/ps, std {sd / N:.3e} eV/atom, "
      f"mean T {sum(float(r[2]) for r in rows) / n:.1f} K")
PY
echo "files in $work"
