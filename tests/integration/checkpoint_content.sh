#!/usr/bin/env bash
# Checkpoint content validation (issue 16): a checkpoint that passes its integrity checks
# (magic, version, length, checksum) can still hold garbage. Each case below takes a good
# checkpoint, changes one value with tests/support/chk_tool.py (which recomputes the
# checksum, so only the content validation can refuse it) and expects `nnmd run --restart`
# to stop with exit status 1 and a message naming the checkpoint file and the field:
# non-finite or huge positions, velocities, cell and origin, a cell thinner than the
# structure readers accept, atoms outside the cell, image flags near INT_MIN, periodic flags
# other than 0/1, bad step, time step, ids, species, masses and counts, non-finite per-atom
# fields, and out-of-range thermostat/barostat state (a ramp origin of 1e300, which used to be
# cast to an integer). Controls: the untouched checkpoint and one rewritten by the tool
# without a change both restart (exit 0).
set -u
bin="${NNMD_BIN:?}"
src="${NNMD_SOURCE_DIR:?}"
tool="$src/tests/support/chk_tool.py"
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

make_input() { # $1 name, $2 [run] keys, $3 steps
  cat > "$1.toml" <<TOML
[system]
lattice = { type = "fcc", a = 5.7190, repeat = [4, 4, 4], species = "Ar" }
[velocities]
temperature = 150.0
seed = 3
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
$2
timestep = 0.004
steps = $3
[output]
thermo_every = 10
checkpoint = { file = "$1.chk", every = 10 }
TOML
}
make_input nvt 'ensemble = "nvt"
thermostat = "langevin"
temperature = [150.0, 200.0]
tdamp = 0.1' 20
make_input npt 'ensemble = "npt"
barostat = "mtk"
temperature = 150.0
tdamp = 0.1
pressure = 0.0
pdamp = 0.5
couple = "triclinic"' 20
"$bin" run nvt.toml > nvt.log 2>&1 || { echo "FAIL: making the NVT checkpoint: $(tail -3 nvt.log)"; exit 1; }
"$bin" run npt.toml > npt.log 2>&1 || { echo "FAIL: making the NPT checkpoint: $(tail -3 npt.log)"; exit 1; }
cp nvt.chk good_nvt.chk; cp npt.chk good_npt.chk
sed -i 's/steps = 20/steps = 30/' nvt.toml npt.toml

# $1 input (nvt|npt), $2 chk_tool field, $3 value, $4 atom, $5 expected message (fixed string)
expect() {
  local name="case_$((pass + fail + 1))"
  python3 "$tool" set "good_$1.chk" "$name.chk" "$2" "$3" "$4" || { bad "$2 = $3: chk_tool failed"; return; }
  out=$(timeout 60 "$bin" run "$1.toml" --restart "$name.chk" 2>&1); rc=$?
  if [ $rc -eq 1 ] && echo "$out" | grep -qF "checkpoint '$name.chk'" && echo "$out" | grep -qF -- "$5"; then ok
  else bad "$2 = $3 (atom $4): rc $rc, expected exit 1 and '$5': $(echo "$out" | grep -i error | head -3)"; fi
}

# controls: the good checkpoint, and one rewritten by the tool with an unchanged value
"$bin" run nvt.toml --restart good_nvt.chk > c1.log 2>&1 && ok || bad "good checkpoint refused: $(tail -3 c1.log)"
step=$(python3 -c "import sys; sys.path.insert(0, '$src/tests/support'); import chk_tool; print(chk_tool.Chk('good_nvt.chk').step)")
python3 "$tool" set good_nvt.chk same.chk step "$step" 0
cmp -s same.chk good_nvt.chk && ok || bad "chk_tool does not rewrite a checkpoint unchanged"
"$bin" run npt.toml --restart good_npt.chk > c2.log 2>&1 && ok || bad "good NPT checkpoint refused: $(tail -3 c2.log)"

expect nvt x0 nan 5 "atom 6: position x = nan is not finite"
expect nvt x1 1e300 0 "atom 1: position y = 1e+300 is not finite or beyond"
expect nvt x2 70.0 3 "atom 4: fractional coordinate c = 3.0"
expect nvt x0 -30.0 7 "is outside the cell"
expect nvt v1 inf 2 "atom 3: velocity"
expect nvt v0 1e7 2 "faster than light"
expect nvt lo0 1e12 0 "cell origin x = 1e+12"
expect nvt lo2 nan 0 "cell origin z = nan"
expect nvt h0 nan 0 "cell component h[0][0] = nan"
expect nvt h4 -1e9 0 "cell component h[1][1] = -1e+09"
expect nvt h8 1e-5 0 "cell is 1e-05 A thin along lattice vector c"
expect nvt h8 1e-7 0 "cell is 1e-07 A thin"
expect nvt h8 0 0 "cell: cell vector c has zero length"
expect nvt h8 -22.876 0 "cell: the cell is left-handed"
expect nvt image0 -2147483640 4 "atom 5: image flag a = -2147483640"
expect nvt image2 4294967296 4 "image flag c = 4294967296"
expect nvt periodic1 7 0 "periodic flag b = 7 is not 0 or 1"
expect nvt periodic0 -1 0 "periodic flag a = -1"
expect nvt step -5 0 "step -5 out of range"
expect nvt dt 0 0 "time step 0 ps is not positive"
expect nvt dt nan 0 "time step nan ps"
expect nvt id 99 3 "atom record 4 has id 99"
expect nvt type 9 0 "atom record 1 has species index 9"
expect nvt mass0 -1 0 "species Ar has mass -1"
expect nvt natoms 255 0 "holds 255 atoms, this input's structure 256"
expect nvt field:unwrapped:1 nan 12 "per-atom field 'unwrapped' of atom 13, component 2, is not finite"
# Langevin record: tag (8 bytes), version and size (2 x 4), then E_res, ramp flag, ramp origin
expect nvt integ:16:f64 nan 0 "langevin integrator state: NNMDLANG integrator state: value 1 of 3 is not finite"
expect nvt integ:24:f64 0.5 0 "ramp flag 0.5 is not 0 or 1"
expect nvt integ:32:f64 1e300 0 "ramp origin 1e+300 is not a step number"
expect nvt integ:32:f64 -3 0 "ramp origin -3 is not a step number"
# MTK record: magic, version, count (3 x 4 bytes), then 6 shape values, initialised, ramp_first, ramp_last
expect npt integ:60:f64 2 0 "MTK state: 'initialised' flag 2 is not 0 or 1"
expect npt integ:68:f64 1e300 0 "MTK state: ramp steps 1e+300"
expect npt integ:76:f64 inf 0 "value 9 of"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
