#!/usr/bin/env bash
# blowup_guard.sh — a run that blows up stops with an error and a last checkpoint (issue 16).
# Water (H2O_RPBE-D3, 192 atoms, 300 K, NVE) at dt = 5 fs, the issue's reproducer (which
# finished with exit 0 and the conserved energy rising by 100 eV per atom):
#   - defaults: exit 2 at step 10 with "exceed max_extrapolation_warnings = 10000" (the
#     finite default), the state written to failed.chk, which restarts (it is a valid
#     checkpoint), while the periodic checkpoint of the input is not overwritten;
#   - max_extrapolation_warnings = -1: the conserved-quantity guard stops it (exit 2,
#     "drifted by ... more than max_conserved_drift = 1 eV per atom");
#   - both switched off (-1, max_conserved_drift = 0): the old behaviour, exit 0 (the
#     guards are what stops it);
#   - a sane time step (0.5 fs): exit 0, no failed.chk (the guards do not fire on a good run);
#   - LJ argon with a Kr-Kr pair whose force overflows: exit 2, "non-finite force on owned
#     atom ... (Kr) at step 0".
set -u
NNMD=${NNMD_BIN:?}
SHARED=${NNMD_SHARED_DIR:?}
H2O=$SHARED/models/H2O_RPBE-D3
DATA=$H2O/reference/h2o_192.data
[ -f "$DATA" ] || { echo "skipped: $H2O is absent"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
water() { # name, timestep, steps, extra [[potential]] line, extra [run] line
  cat > "$1.toml" <<TOML
[system]
structure = "$DATA"
length_unit = "bohr"
[velocities]
temperature = 300.0
seed = 7
[[potential]]
type = "hdnnp"
model = "$H2O"
length_unit = "bohr"
energy_unit = "hartree"
$4
[run]
ensemble = "nve"
timestep = $2
steps = $3
$5
[output]
thermo_every = 10
thermo_file = ""
checkpoint = { file = "$1.chk", every = 1000 }
TOML
}
water dflt 0.005 200 "" ""
"$NNMD" run dflt.toml > dflt.log 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q "error: hdnnp: [0-9]* extrapolation warnings since the start exceed max_extrapolation_warnings = 10000 at step 10" dflt.log \
   && grep -q "the state of step 10 was written to .*failed.chk" dflt.log && [ -f failed.chk ] && [ ! -e dflt.chk ]; then
  pass=$((pass+1))
else bad "default guards at 5 fs: exit $rc"; grep "error" dflt.log | head -3; fi
# failed.chk is a checkpoint nnmd reads (steps = 10: nothing left to do)
water again 0.005 10 "" ""
"$NNMD" run again.toml --restart failed.chk > again.log 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "already at step 10" again.log; then pass=$((pass+1)); else bad "failed.chk does not restart: exit $rc"; tail -3 again.log; fi
rm -f failed.chk
water drift 0.005 200 "max_extrapolation_warnings = -1" ""
"$NNMD" run drift.toml > drift.log 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q "error: the conserved quantity drifted by +[0-9.]* eV per atom between step 0 .* more than max_conserved_drift = 1 eV per atom" drift.log \
   && [ -f failed.chk ]; then
  pass=$((pass+1))
else bad "drift guard at 5 fs: exit $rc"; grep "error" drift.log | head -3; fi
rm -f failed.chk
water off 0.005 20 "max_extrapolation_warnings = -1" "max_conserved_drift = 0"
"$NNMD" run off.toml > off.log 2>&1; rc=$?
if [ $rc -eq 0 ]; then pass=$((pass+1)); else bad "guards off: exit $rc (expected the unguarded exit 0)"; fi
water good 0.0005 40 "" ""
"$NNMD" run good.toml > good.log 2>&1; rc=$?
if [ $rc -eq 0 ] && [ ! -e failed.chk ]; then pass=$((pass+1)); else bad "0.5 fs run: exit $rc"; grep error good.log | head -3; fi
# a force that overflows (LJ Kr-Kr pair with epsilon 1e308 at 3 A)
python3 - <<'PY'
a = 5.7
at = [["Ar", (i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a] for i in range(3) for j in range(3) for k in range(3)
      for b in [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]]
at[0][0] = at[1][0] = "Kr"
at[1][1:] = [at[0][1] + 3.0, at[0][2], at[0][3]]
with open("kr.extxyz", "w") as f:
    f.write('%d\nLattice="17.1 0 0 0 17.1 0 0 0 17.1" Properties=species:S:1:pos:R:3 pbc="T T T"\n' % len(at))
    for s, x, y, z in at: f.write("%s %.6f %.6f %.6f\n" % (s, x, y, z))
PY
cat > kr.toml <<'TOML'
[system]
structure = "kr.extxyz"
[[potential]]
type = "lj"
cutoff = 6.0
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 }, { species = ["Ar", "Kr"], epsilon = 0.0104, sigma = 3.4 },
          { species = ["Kr", "Kr"], epsilon = 1e308, sigma = 3.6 } ]
[run]
steps = 10
[output]
thermo_file = ""
TOML
"$NNMD" run kr.toml > kr.log 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q "error: non-finite force on owned atom [12] (Kr) at step 0" kr.log; then pass=$((pass+1))
else bad "overflowing force: exit $rc"; grep error kr.log | head -3; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
