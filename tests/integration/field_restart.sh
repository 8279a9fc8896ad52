#!/usr/bin/env bash
# The field term across a checkpoint (issue 6): a run with a constant-charge field and a
# CSVR thermostat stopped at step 300 and restarted to 400 gives the same thermo lines as
# one run of 400 steps, including the field work W_field and the conserved quantity
# K + U + E_res - W (1e-10 relative, floor 1 eV: only the summation order after the extra
# neighbour rebuild at the restart differs). The per-atom work, previous field forces and
# unwrapped positions travel in the checkpoint.
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
cat > in.toml <<'TOML'
[system]
lattice = { type = "bcc", a = 5.09, repeat = [5, 5, 5], species = ["Na", "Cl"] }
[velocities]
temperature = 200.0
seed = 11
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Na", "Na"], epsilon = 0.0104, sigma = 3.405 },
          { species = ["Na", "Cl"], epsilon = 0.0104, sigma = 3.405 },
          { species = ["Cl", "Cl"], epsilon = 0.0104, sigma = 3.405 } ]
[field]
E = [0.02, 0.01, 0.0]
charges = { Na = 1.0, Cl = -1.0 }
[run]
ensemble = "nvt"
thermostat = "csvr"
temperature = 200.0
tdamp = 0.1
timestep = 0.004
steps = 400
[output]
thermo_every = 50
checkpoint = { file = "run.chk", every = 300 }
TOML
"$bin" run in.toml > full.log 2>&1 || { echo "FAIL: continuous run"; tail -5 full.log; exit 1; }
mv thermo.csv full.csv
sed -i 's/steps = 400/steps = 300/' in.toml
"$bin" run in.toml > a.log 2>&1 || { echo "FAIL: first part"; exit 1; }
sed -i 's/steps = 300/steps = 400/' in.toml
"$bin" run in.toml --restart run.chk > r.log 2>&1 || { echo "FAIL: restart"; tail -5 r.log; exit 1; }
head -1 full.csv | grep -q ',W_field$' || { echo "FAIL: no W_field column: $(head -1 full.csv)"; exit 1; }
[ "$(wc -l < thermo.csv)" = "$(wc -l < full.csv)" ] || { echo "FAIL: thermo.csv lines differ"; exit 1; }
# columns 2-9 (time .. volume) and 13 (W_field); W must be far from 0 for the test to mean anything
paste -d, <(tail -n +2 full.csv) <(tail -n +2 thermo.csv) | awk -F, '
  { for (k = 2; k <= 13; ++k) { if (k >= 10 && k <= 12) continue; a = $k; b = $(k + 13); d = a - b; if (d < 0) d = -d;
      m = (a < 0 ? -a : a); if (m < 1) m = 1; if (d / m > w) w = d / m }
    if ($13 > wmax) wmax = $13; if (-$13 > wmax) wmax = -$13 }
  END { printf "max relative difference %.3g; largest |W_field| %.4g eV\n", w, wmax; exit !(w < 1e-10 && wmax > 0.01) }' \
  || { echo "FAIL: the restarted run differs from the continuous one"; exit 1; }
echo "field restart: OK"
