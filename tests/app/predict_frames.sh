#!/usr/bin/env bash
# predict_frames.sh — `nnmd predict` on multi-frame inputs: every frame is predicted, in
# input order, one output frame each, identical (byte for byte) to predicting each frame
# alone; for extxyz and n2p2 input.data; a truncated last frame is an error naming the file
# and the frame's first line; with --born-charges each frame gets born_charges:R:9 whose
# 9 columns sum to zero over the atoms (ASR applied, 1e-12).
set -u
NNMD=${NNMD_BIN:?}
SHARED=${NNMD_SHARED_DIR:?}
SRC=${NNMD_SOURCE_DIR:?}
MODEL=$SHARED/models/Cu2S_PBE
[ -d "$MODEL" ] || { echo "skipped: $MODEL is absent"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is absent"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
python3 "$SRC/tests/support/cu2s_frames.py" "$MODEL" "$NNMD" three.extxyz 3 9 0.05 0.02 || exit 1
"$NNMD" -q predict "$MODEL" three.extxyz -o all.extxyz --length-unit angstrom --energy-unit eV 2>/dev/null \
  || { echo "FAIL: multi-frame predict"; fail=1; }
python3 - <<'PY' || fail=1
lines = open("three.extxyz").read().splitlines()
i = k = 0
while i < len(lines):
    n = int(lines[i]); open("f%d.extxyz" % k, "w").write("\n".join(lines[i:i + n + 2]) + "\n"); i += n + 2; k += 1
PY
: > one_by_one.extxyz
for k in 0 1 2; do
  "$NNMD" -q predict "$MODEL" f$k.extxyz -o p$k.extxyz --length-unit angstrom --energy-unit eV 2>/dev/null
  cat p$k.extxyz >> one_by_one.extxyz
done
cmp -s all.extxyz one_by_one.extxyz || { echo "FAIL: 3-frame predict differs from frame-by-frame predicts"; fail=1; }
[ "$(grep -c Lattice all.extxyz)" -eq 3 ] || { echo "FAIL: expected 3 output frames"; fail=1; }
# n2p2 input.data with two structures
cat "$MODEL/reference/cu2s_144.data" "$MODEL/reference/cu2s_144.data" > two.data
"$NNMD" -q predict "$MODEL" two.data -o two.extxyz --length-unit angstrom --energy-unit eV 2>/dev/null \
  || { echo "FAIL: n2p2 two-structure predict"; fail=1; }
[ "$(grep -c Lattice two.extxyz)" -eq 2 ] || { echo "FAIL: expected 2 frames from two.data"; fail=1; }
# a truncated last frame
head -n $(( $(wc -l < three.extxyz) - 5 )) three.extxyz > trunc.extxyz
out=$("$NNMD" predict "$MODEL" trunc.extxyz -o t.extxyz --length-unit angstrom --energy-unit eV 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] || { echo "FAIL: truncated input: exit $rc"; fail=1; }
printf '%s\n' "$out" | grep -q "^trunc.extxyz:$((2 * 146 + 1)):1: error: frame 3" \
  || { echo "FAIL: truncated input message: $out"; fail=1; }
[ -e t.extxyz ] && { echo "FAIL: output written for a failed predict"; fail=1; }
# units: an n2p2 model records none, so predict needs both flags (no silent A/eV guess)
H2O=$SHARED/models/H2O_RPBE-D3
if [ -d "$H2O" ]; then
  "$NNMD" predict "$H2O" "$H2O/reference/h2o_192.data" -o u.extxyz > u.log 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q "does not record its units" u.log || { echo "FAIL: predict without units: exit $rc"; cat u.log; fail=1; }
  "$NNMD" predict "$H2O" "$H2O/reference/h2o_192.data" -o u.extxyz --length-unit bohr > u.log 2>&1; rc=$?
  [ $rc -eq 1 ] && grep -q "give both --length-unit and --energy-unit" u.log || { echo "FAIL: one unit flag: exit $rc"; fail=1; }
  [ -e u.extxyz ] && { echo "FAIL: output written without units"; fail=1; }
fi
if [ $fail -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
