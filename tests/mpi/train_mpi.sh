#!/usr/bin/env bash
# train_mpi.sh — `nnmd train` with frames spread over MPI ranks: Adam on 1, 2 and 3 ranks
# must write bit-identical weights (per-frame gradients are summed exactly and added in frame
# order); the Kalman filter on 2 ranks must reach the serial run's test errors within 10 %
# (its updates take the same observations, so it is in fact identical too: checked).
# Skipped (77) without an MPI build.
set -u
[ "${NNMD_HAVE_MPI:-OFF}" = "ON" ] || { echo "skipped: nnmd was built without MPI"; exit 77; }
command -v mpirun >/dev/null || { echo "skipped: no mpirun"; exit 77; }
NNMD=${NNMD_BIN:?}
SHARED=${NNMD_SHARED_DIR:?}
SRC=${NNMD_SOURCE_DIR:?}
MODEL=$SHARED/models/Cu2S_PBE
[ -d "$MODEL" ] || { echo "skipped: $MODEL is absent"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
python3 "$SRC/tests/support/cu2s_frames.py" "$MODEL" "$NNMD" data.extxyz 10 4 0.06 0.03 || exit 1
mk() { # mk OPT OUT
  cat > $2.toml <<TOML
[data]
train = ["data.extxyz"]
test_fraction = 0.2
[model]
elements = ["Cu", "S"]
cutoff = 4.5
hidden = [6]
descriptors = { radial = 3, angular = 2, r0 = 1.5 }
[training]
optimizer = "$1"
epochs = 3
batch = 3
force_fraction = 0.002
stress_weight = 0.5
output = "$2"
TOML
}
MPIRUN="mpirun --oversubscribe --allow-run-as-root"
fail=0
mk adam a1; mk adam a2; mk adam a3; mk kalman k1; mk kalman k2
"$NNMD" -q train a1.toml > a1.log 2>&1 || { echo "FAIL: serial adam"; cat a1.log; exit 1; }
$MPIRUN -np 2 "$NNMD" -q train a2.toml > a2.log 2>&1 || { echo "FAIL: adam on 2 ranks"; cat a2.log; exit 1; }
$MPIRUN -np 3 "$NNMD" -q train a3.toml > a3.log 2>&1 || { echo "FAIL: adam on 3 ranks"; cat a3.log; exit 1; }
for n in 2 3; do
  for w in weights.016.data weights.029.data; do
    cmp -s a1/$w a$n/$w || { echo "FAIL: adam $n ranks: $w differs from serial"; fail=1; }
  done
done
"$NNMD" -q train k1.toml > k1.log 2>&1 || { echo "FAIL: serial kalman"; cat k1.log; exit 1; }
$MPIRUN -np 2 "$NNMD" -q train k2.toml > k2.log 2>&1 || { echo "FAIL: kalman on 2 ranks"; cat k2.log; exit 1; }
for w in weights.016.data weights.029.data; do
  cmp -s k1/$w k2/$w || { echo "FAIL: kalman 2 ranks: $w differs from serial"; fail=1; }
done
tail -1 a1/train.csv; tail -1 k1/train.csv
if [ $fail -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
