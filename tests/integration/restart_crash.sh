#!/usr/bin/env bash
# Crash consistency (issue 16): a run killed with SIGKILL at a random moment always leaves a
# checkpoint that restarts and reproduces the uninterrupted run bit for bit.
#
# A small LJ system (256 Ar atoms, Langevin thermostat with a temperature ramp, so that the
# counter-based random numbers and the ramp origin are exercised; checkpoint every 20 steps,
# thermo every 10, an extxyz trajectory every 100 written with %.17g) runs STEPS steps once
# uninterrupted (the reference; T = its wall time after its first checkpoint appeared). Then 20
# times: the same input in a fresh folder is killed with SIGKILL a delay drawn uniformly from
# [0, 0.9 T] after its first checkpoint appeared (every 5th trial: after its start, so that some
# kills land before any checkpoint exists; bash's RANDOM seeded with 1616, so the delays are
# reproducible up to the machine's speed; they are
# printed), and continued with `nnmd run --restart run.chk` (from scratch when it died before
# its first checkpoint). The final checkpoint must equal the reference's byte for byte (cmp:
# positions, velocities, image flags, unwrapped positions, thermostat state), and so must the
# trajectory and the thermo records apart from the two wall-clock columns: exact equality is
# the tolerance because restarts are bit-exact by design (docs/restart.md). A kill can land
# while a checkpoint is being written: the previous one stays intact (write to .tmp, fsync,
# rename). At least 10 of the 20 kills must land between the first and the last checkpoint,
# or the test fails (it would prove nothing). About 15 s on an idle machine; labelled slow, so the
# sanitizer pass (make sanitize, -LE slow) leaves it out.
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
STEPS=1000
cat > in.toml <<TOML
[system]
lattice = { type = "fcc", a = 5.7190, repeat = [4, 4, 4], species = "Ar" }
[velocities]
temperature = 150.0
seed = 5
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
ensemble = "nvt"
thermostat = "langevin"
temperature = [150.0, 250.0]
tdamp = 0.2
timestep = 0.004
steps = $STEPS
[output]
thermo_every = 10
trajectory = { file = "traj.extxyz", every = 100 }
checkpoint = { file = "run.chk", every = 20 }
TOML
strip() { cut -d, -f1-10,13- "$1"; }
# wait until FILE exists or process PID has ended (10 ms polls)
wait_for() { while [ ! -e "$1" ] && kill -0 "$2" 2> /dev/null; do sleep 0.01; done; }
now() { date +%s.%N; }
mkdir ref
cp in.toml ref/
t0=$(now)
(cd ref && exec "$bin" run in.toml > log 2>&1) & pid=$!
wait_for ref/run.chk $pid
t1=$(now)
wait $pid || { echo "FAIL: reference run: $(tail -3 ref/log)"; exit 1; }
t2=$(now)
T=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
echo "reference run: $STEPS steps in $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s, $T s after its first checkpoint"
RANDOM=1616
mid=0
for trial in $(seq 1 20); do
  d="t$trial"
  mkdir "$d"
  cp in.toml "$d/"
  delay=$(awk -v r=$RANDOM -v t="$T" 'BEGIN { printf "%.3f", r / 32767 * 0.9 * t }')
  (cd "$d" && exec "$bin" run in.toml > log1 2>&1) & pid=$!
  [ $((trial % 5)) = 0 ] || wait_for "$d/run.chk" $pid # every 5th: counted from the start
  sleep "$delay"
  kill -KILL $pid 2> /dev/null
  wait $pid 2> /dev/null
  if [ -f "$d/run.chk" ]; then
    (cd "$d" && "$bin" run in.toml --restart run.chk > log2 2>&1) ||
      { bad "trial $trial: restart failed: $(tail -3 "$d/log2")"; continue; }
    from=$(grep -o 'restarting from run.chk at step [0-9]*\|already at step [0-9]*' "$d/log2" | head -1 | grep -o '[0-9]*$')
  else
    from="none (no checkpoint yet: run again)"
    (cd "$d" && "$bin" run in.toml > log2 2>&1) || { bad "trial $trial: rerun failed"; continue; }
  fi
  case "$from" in ''|none*|"$STEPS") ;; *) mid=$((mid + 1)) ;; esac
  printf 'trial %2d: killed after %s s, continued from step %s\n' "$trial" "$delay" "$from"
  if cmp -s ref/run.chk "$d/run.chk"; then ok; else bad "trial $trial: final checkpoint differs from the reference"; fi
  if cmp -s ref/traj.extxyz "$d/traj.extxyz"; then ok; else bad "trial $trial: trajectory differs from the reference"; fi
  if cmp -s <(strip ref/thermo.csv) <(strip "$d/thermo.csv"); then ok
  else bad "trial $trial: thermo records differ: $(diff <(strip ref/thermo.csv) <(strip "$d/thermo.csv") | head -3)"; fi
  rm -rf "$d"
done
[ $mid -ge 10 ] && ok || bad "only $mid of 20 kills landed between the first and the last checkpoint"
echo "$mid of 20 restarts continued from a checkpoint inside the run"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
