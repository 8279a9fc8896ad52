#!/usr/bin/env bash
# Checkpoints and restarts (issue 4): a run stopped at step 300 and restarted to 400 gives
# the same thermo lines (1e-10 relative: only the summation order after the extra neighbour
# rebuild at the restart differs) and the same trajectory (positions to 1e-8 A) as one run of
# 400 steps, with no duplicated records; a SIGTERM writes a checkpoint that continues the run;
# a checkpoint at or past `steps` exits 0; corrupt and truncated checkpoints are refused with
# a clear message and exit status 1, and a failed write never replaces the previous file.
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
cat > in.toml <<'TOML'
[system]
lattice = { type = "fcc", a = 5.7190, repeat = [6, 6, 6], species = "Ar" }
[velocities]
temperature = 150.0
seed = 7
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
timestep = 0.002
steps = 400
[output]
thermo_every = 50
trajectory = { file = "traj.extxyz", every = 100 }
checkpoint = { file = "run.chk", every = 200 }
TOML
"$bin" run in.toml > /dev/null 2>&1 || bad "continuous run"
mv traj.extxyz full.extxyz; mv thermo.csv full.csv
sed -i 's/steps = 400/steps = 300/' in.toml
"$bin" run in.toml > /dev/null 2>&1 || bad "first part"
sed -i 's/steps = 300/steps = 400/' in.toml
"$bin" run in.toml --restart run.chk > r.log 2>&1 && ok || bad "restart: $(tail -3 r.log)"
[ "$(wc -l < thermo.csv)" = "$(wc -l < full.csv)" ] && ok || bad "thermo.csv has $(wc -l < thermo.csv) lines, expected $(wc -l < full.csv)"
paste -d, <(cut -d, -f1-9 full.csv | tail -n +2) <(cut -d, -f1-9 thermo.csv | tail -n +2) | awk -F, '
  { for (k = 2; k <= 9; ++k) { a = $k; b = $(k + 9); d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if (m < 1) m = 1; if (d / m > w) w = d / m } }
  END { exit !(w < 1e-10) }' && ok || bad "thermo differs from the continuous run"
[ "$(grep -c Lattice traj.extxyz)" = 5 ] && ok || bad "expected 5 frames, got $(grep -c Lattice traj.extxyz)"
paste <(grep -v Lattice full.extxyz | awk 'NF>3{print $2,$3,$4}') <(grep -v Lattice traj.extxyz | awk 'NF>3{print $2,$3,$4}') | awk '
  { for (k = 1; k <= 3; ++k) { d = $k - $(k + 3); if (d < 0) d = -d; if (d > w) w = d } } END { exit !(w < 1e-8) }' && ok || bad "positions differ"
# already finished
"$bin" run in.toml --restart run.chk > done.log 2>&1 && grep -q "nothing to do" done.log && ok || bad "finished checkpoint must exit 0"
# corrupt and truncated files
cp run.chk good.chk
cp run.chk corrupt.chk; printf '\x55' | dd of=corrupt.chk bs=1 seek=300 conv=notrunc 2>/dev/null
out=$("$bin" run in.toml --restart corrupt.chk 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "corrupt (checksum mismatch)" && ok || bad "corrupt checkpoint: rc $rc: $out"
head -c 500 run.chk > trunc.chk
out=$("$bin" run in.toml --restart trunc.chk 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "truncated" && ok || bad "truncated checkpoint: rc $rc: $out"
out=$("$bin" run in.toml --restart in.toml 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "not an nnmd checkpoint" && ok || bad "not a checkpoint: rc $rc"
# SIGTERM writes a checkpoint that continues the run
sed -i 's/steps = 400/steps = 3000000/; s/every = 200 }/every = 100000000 }/' in.toml
rm -f run.chk
"$bin" run in.toml > sig.log 2>&1 & pid=$!
sleep 2; kill -TERM $pid; wait $pid; rc=$?
[ $rc -eq 3 ] && [ -s run.chk ] && ok || bad "SIGTERM: rc $rc, checkpoint $(ls -la run.chk 2>&1)"
step=$(grep -o 'checkpoint of step [0-9]*' sig.log | grep -o '[0-9]*$')
sed -i "s/steps = 3000000/steps = $((step + 100))/" in.toml
"$bin" run in.toml --restart run.chk > cont.log 2>&1 && ok || bad "continue after SIGTERM: $(tail -3 cont.log)"
last=$(tail -1 thermo.csv | cut -d, -f1)
[ "$last" = "$((step + 100))" ] && ok || bad "continued run ended at $last, expected $((step + 100))"
dups=$(cut -d, -f1 thermo.csv | sort | uniq -d | wc -l)
[ "$dups" = 0 ] && ok || bad "duplicated thermo steps after the restart"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
