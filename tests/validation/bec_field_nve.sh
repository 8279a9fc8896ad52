#!/usr/bin/env bash
# Field-work bookkeeping with a Born-charge network (issue 6 acceptance): liquid water
# (n2p2's h2o_192 cell, H2O_RPBE-D3 HDNNP) in NVE at 0.5 fs, once without a field and
# once with E = (0.1, 0.05, -0.08) V/A acting through the sample BEC model
# tests/data/bec/HO (random weights: its Z* are not the gradient of any dipole, so the
# field does net work and E_tot drifts). Pass:
#   std(K + U - W) <= 2 std(E_tot of the plain run)            (fluctuation: NVE level)
#   |drift(K + U - W)| <= 2 |drift(plain)| + 2 std(plain) / T  (drift: NVE level; the
#                                                               second term is the noise
#                                                               floor of a fit over T)
#   |drift(E_tot, field)| >= 20 |drift(K + U - W)|             (the field really does work)
# Steps: 2,000 (1 ps) by default; NNMD_LONG=1 runs the 10,000 steps of the acceptance text.
# Needs ../shared/models (skipped otherwise) and python3.
set -u
bin="${NNMD_BIN:?}"
shared="${NNMD_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
src="$(cd "$(dirname "$0")/../.." && pwd)"
model="$shared/models/H2O_RPBE-D3"
[ -f "$model/input.nn" ] || { echo "skipped: $model not found"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is needed"; exit 77; }
steps=2000; [ "${NNMD_LONG:-0}" = 1 ] && steps=10000
support="$(cd "$(dirname "$0")/../support" && pwd)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
python3 "$support/h2o192_extxyz.py" "$model" w192.extxyz || exit 1
for mode in plain field; do
  mkdir -p $mode
  field=""
  [ $mode = field ] && field=$'[field]\nE = [0.1, 0.05, -0.08]\nborn_charges = "'"$src"$'/tests/data/bec/HO"'
  cat > $mode/in.toml <<TOML
[system]
structure = "../w192.extxyz"
[velocities]
temperature = 300.0
seed = 3
[[potential]]
type = "hdnnp"
model = "$model"
length_unit = "bohr"
energy_unit = "hartree"
$field
[run]
ensemble = "nve"
timestep = 0.0005
steps = $steps
[output]
thermo_every = 20
TOML
done
(cd plain && "$bin" run in.toml > out.txt 2>&1) & p1=$!
(cd field && "$bin" run in.toml > out.txt 2>&1) & p2=$!
wait $p1 || { echo "FAIL: plain run"; tail -5 plain/out.txt; exit 1; }
wait $p2 || { echo "FAIL: field run"; tail -5 field/out.txt; exit 1; }
grep -h "acoustic-sum-rule" field/out.txt
python3 - <<'PY'
import csv, math, sys
def col(p, c):
    r = list(csv.DictReader(open(p)))
    return [float(x['time_ps']) for x in r], [float(x[c]) for x in r]
def fit(t, y):
    n = len(t); mt = sum(t) / n; my = sum(y) / n
    b = sum((a - mt) * (c - my) for a, c in zip(t, y)) / sum((a - mt) ** 2 for a in t)
    return b, math.sqrt(sum((c - my - b * (a - mt)) ** 2 for a, c in zip(t, y)) / (n - 2))
N = 192
tp, ep = col('plain/thermo.csv', 'etot_eV')
tf, cf = col('field/thermo.csv', 'conserved_eV')
_, ef = col('field/thermo.csv', 'etot_eV')
_, wf = col('field/thermo.csv', 'W_field')
T = tp[-1] - tp[0]
dp, sp = fit(tp, ep); dc, sc = fit(tf, cf); de, se = fit(tf, ef)
print(f"{len(tp) - 1} samples over {T:.2f} ps, 192 atoms; W_field at the end {wf[-1]:.4f} eV")
print(f"plain NVE, E_tot     : drift {dp / N:+.3e} eV/atom/ps, std {sp / N:.3e} eV/atom")
print(f"field + BEC, K+U-W   : drift {dc / N:+.3e} eV/atom/ps, std {sc / N:.3e} eV/atom")
print(f"field + BEC, E_tot   : drift {de / N:+.3e} eV/atom/ps, std {se / N:.3e} eV/atom")
lim = 2 * abs(dp) + 2 * sp / T
ok = sc <= 2 * sp and abs(dc) <= lim and abs(de) >= 20 * abs(dc)
print(f"limits: std {2 * sp / N:.3e}, drift {lim / N:.3e} eV/atom(/ps); E_tot drift / conserved drift = {abs(de) / max(abs(dc), 1e-300):.0f}")
sys.exit(0 if ok else 1)
PY
