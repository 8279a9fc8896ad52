#!/usr/bin/env bash
# Whole-program checks of `nnmd run`: a short LJ run writes thermo.csv and an extxyz
# trajectory (frames at 0, every N, and the last step); steps = 0 is a single point that
# writes one frame; the conserved energy of a short NVE run stays within 1e-4 relative
# (dt = 2 fs argon liquid: fluctuations ~1e-5 relative); SIGTERM stops a run at a step
# boundary with exit status 3 and complete output files; `nnmd check` exits 0.
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
cat > in.toml <<'TOML'
[system]
lattice = { type = "fcc", a = 5.7048, repeat = [5, 5, 5], species = "Ar" }
[velocities]
temperature = 100.0
seed = 7
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
timestep = 0.002
steps = 250
[output]
thermo_every = 50
trajectory = { file = "traj.extxyz", every = 100 }
TOML
"$bin" check in.toml > check.log 2>&1 && ok || bad "nnmd check failed: $(cat check.log)"
"$bin" run in.toml > run.log 2>&1 && ok || bad "nnmd run failed: $(tail -5 run.log)"
[ "$(grep -c Lattice traj.extxyz)" = 4 ] && ok || bad "expected 4 frames (0,100,200,250), got $(grep -c Lattice traj.extxyz)"
[ "$(wc -l < thermo.csv)" = 7 ] && ok || bad "thermo.csv: expected header + 6 lines, got $(wc -l < thermo.csv)"
awk -F, 'NR==2{e0=$7} NR>2{d=($7-e0)/e0; if (d<0) d=-d; if (d>m) m=d} END{exit !(m < 1e-4)}' thermo.csv && ok \
  || bad "conserved energy drifted: $(cut -d, -f7 thermo.csv | tr '\n' ' ')"
grep -q 'energy=' traj.extxyz && grep -q 'stress=' traj.extxyz && grep -q 'forces:R:3' traj.extxyz && ok || bad "extxyz comment line"
sed -i 's/steps = 250/steps = 0/' in.toml
"$bin" run in.toml > run0.log 2>&1 && [ "$(grep -c Lattice traj.extxyz)" = 1 ] && ok || bad "steps = 0 must write one frame"
# SIGTERM: stop at a step boundary, exit 3, files complete
sed -i 's/steps = 0/steps = 2000000/; s/every = 100 }/every = 20 }/' in.toml
"$bin" run in.toml > sig.log 2>&1 & pid=$!
sleep 2; kill -TERM $pid; wait $pid; rc=$?
[ $rc -eq 3 ] && ok || bad "SIGTERM: exit status $rc, expected 3"
n=$(head -1 traj.extxyz); lines=$(wc -l < traj.extxyz); frames=$(grep -c Lattice traj.extxyz)
[ $((frames * (n + 2))) -eq "$lines" ] && ok || bad "trajectory not made of whole frames ($frames frames, $lines lines)"
tail -c 1 thermo.csv | od -c | grep -q '\\n' && ok || bad "thermo.csv does not end with a complete line"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
