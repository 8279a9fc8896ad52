#!/usr/bin/env bash
# check_extrapolation.sh — `nnmd check` and `nnmd run` refuse an initial structure on which
# most atoms' HDNNP inputs extrapolate (issue 16): the Bohr/Hartree water model H2O_RPBE-D3
# with its Bohr reference structure read in wrong units (the structure as A; the model
# declared in A/eV) fails with exit 1, a message at the [[potential]] table naming the
# numbers (atoms, fraction, warnings, the threshold) and the likely cause (units); the
# right units pass ("OK, the run would start"); check_extrapolation_fraction = 1 lets it
# through (the key works).
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
write() { # name, [system] unit line, model length unit, model energy unit, extra [run] line
  cat > "$1.toml" <<TOML
[system]
structure = "$DATA"
$2
[[potential]]
type = "hdnnp"
model = "$H2O"
length_unit = "$3"
energy_unit = "$4"
[run]
steps = 0
$5
[output]
thermo_file = ""
TOML
}
write good 'length_unit = "bohr"' bohr hartree ""
write struct_as_A "" bohr hartree ""
write model_as_A 'length_unit = "bohr"' angstrom eV ""
write allowed "" bohr hartree "check_extrapolation_fraction = 1.0"
out=$("$NNMD" check good.toml 2>&1); rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "OK, the run would start"; then pass=$((pass+1)); else bad "right units: exit $rc"; fi
for c in struct_as_A model_as_A; do
  for cmd in check run; do
    out=$("$NNMD" $cmd $c.toml 2>&1 >/dev/null); rc=$?
    err=$(printf '%s\n' "$out" | grep "error:")
    if [ $rc -eq 1 ] && printf '%s' "$err" | grep -q "^$c.toml:[0-9]*:1: error: hdnnp: 192 of 192 atoms (100.0%) have symmetry functions outside" \
       && printf '%s' "$err" | grep -q "check_extrapolation_fraction = 0.05" && printf '%s' "$err" | grep -q "wrong units"; then
      pass=$((pass+1))
    else bad "$c ($cmd): exit $rc, '$err'"; fi
  done
done
out=$("$NNMD" check allowed.toml 2>&1); rc=$?
if [ $rc -eq 0 ]; then pass=$((pass+1)); else bad "check_extrapolation_fraction = 1.0: exit $rc"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
