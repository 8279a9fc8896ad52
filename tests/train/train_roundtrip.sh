#!/usr/bin/env bash
# train_roundtrip.sh — `nnmd train` end to end on a small set, then the model it wrote is
# read back by `nnmd predict` (no unit flags: the folder records its units) and must
# reproduce the trainer's own predictions of the test frames (parity_*.csv, 17 digits) to
# 1e-12 relative (energy per atom) and 1e-12 of the largest force component (forces): the
# files carry every bit, so only summation order differs (~1e-15).
# Also: the folder is an ordinary n2p2 model (input.nn, scaling.data, weights.NNN.data),
# train.csv/train.json/learning.svg/parity_*.svg exist, a checkpointed run interrupted
# after 2 epochs and resumed gives bit-identical weights to an uninterrupted run, and
# `nnmd check train.toml` accepts the input.
# Data: 16 rattled/strained Cu2S cells labelled by the Cu2S_PBE model (tests/support).
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
python3 "$SRC/tests/support/cu2s_frames.py" "$MODEL" "$NNMD" data.extxyz 16 3 0.06 0.03 || exit 1
cat > train.toml <<TOML
[data]
train = ["data.extxyz"]
test_fraction = 0.25
seed = 5

[model]
elements = ["Cu", "S"]
cutoff = 5.0
hidden = [8, 8]
activation = "tanh"
descriptors = { radial = 4, angular = 4, r0 = 1.5 }

[training]
optimizer = "adam"
epochs = 4
batch = 4
learning_rate = 0.005
stress_weight = 1.0
output = "model"
checkpoint = "train.ckpt"
TOML
fail=0
"$NNMD" check train.toml > check.log 2>&1 || { echo "FAIL: nnmd check train.toml"; cat check.log; fail=1; }
[ -e model ] && { echo "FAIL: nnmd check wrote the model folder"; fail=1; }
"$NNMD" train train.toml > train.log 2>&1 || { echo "FAIL: nnmd train"; cat train.log; exit 1; }
for f in input.nn scaling.data weights.016.data weights.029.data train.csv train.json learning.svg \
         parity_energy.svg parity_forces.svg parity_energy.csv parity_forces.csv; do
  [ -s model/$f ] || { echo "FAIL: model/$f missing"; fail=1; }
done
grep -q 'nnmd_units length=angstrom energy=eV' model/input.nn || { echo "FAIL: units not recorded"; fail=1; }
[ -e model.partial ] && { echo "FAIL: the staging folder was left behind"; fail=1; }
# predict every test frame with the written model and compare with the trainer's numbers
python3 - "$NNMD" <<'PY' || fail=1
import json, subprocess, sys
nnmd = sys.argv[1]
frames, lines = [], open("data.extxyz").read().splitlines()
i = 0
while i < len(lines):
    n = int(lines[i]); frames.append(lines[i:i + n + 2]); i += n + 2
test = json.load(open("model/train.json"))["test_frames"]
pe = {int(l.split(",")[0]): float(l.split(",")[3]) for l in open("model/parity_energy.csv").read().splitlines()[1:]}
pf = {}
for l in open("model/parity_forces.csv").read().splitlines()[1:]:
    t = l.split(","); pf.setdefault(int(t[0]), []).append(float(t[4]))
worst_e = worst_f = 0.0
for k in test:
    open("one.extxyz", "w").write("\n".join(frames[k]) + "\n")
    subprocess.run([nnmd, "-q", "predict", "model", "one.extxyz", "-o", "pred.extxyz"], check=True,
                   stdout=subprocess.DEVNULL)
    out = open("pred.extxyz").read().splitlines()
    n = int(out[0]); e = float(out[1].split("energy=")[1].split()[0]) / n
    f = [float(x) for l in out[2:2 + n] for x in l.split()[4:7]]
    fmax = max(abs(x) for x in f)
    worst_e = max(worst_e, abs(e - pe[k]) / abs(pe[k]))
    worst_f = max(worst_f, max(abs(a - b) for a, b in zip(f, pf[k])) / fmax)
print("round trip: %d test frames, energy rel %.2e, forces rel %.2e" % (len(test), worst_e, worst_f))
sys.exit(0 if worst_e <= 1e-12 and worst_f <= 1e-12 else 1)
PY
# resume: stopped after epoch 2 (exit 3, checkpoint), resumed to 4: equal to the uninterrupted run
cp -r model model.full
sed -e 's/output = "model"/output = "model2"/' -e 's/train.ckpt/r.ckpt/' train.toml > resume.toml
NNMD_TRAIN_STOP_AFTER=2 "$NNMD" -q train resume.toml > half.log 2>&1
[ $? -eq 3 ] || { echo "FAIL: a stopped training must exit 3"; cat half.log; fail=1; }
[ -e model2 ] && { echo "FAIL: a stopped training must not write the output folder"; fail=1; }
"$NNMD" -q train resume.toml > resume.log 2>&1 || { echo "FAIL: resumed training"; cat resume.log; fail=1; }
grep -q "resumed from the checkpoint" resume.log || { echo "FAIL: the second run did not resume"; fail=1; }
for w in weights.016.data weights.029.data; do
  cmp -s model.full/$w model2/$w || { echo "FAIL: resumed $w differs from the uninterrupted run"; fail=1; }
done
# descriptor caches off (cache_memory below one frame): every frame recomputed when used,
# bit-identical weights
sed -e 's/output = "model"/output = "model3"\ncache_memory = 1e-9/' -e '/checkpoint/d' train.toml > nocache.toml
"$NNMD" -q train nocache.toml > nocache.log 2>&1 || { echo "FAIL: training without caches"; cat nocache.log; fail=1; }
grep -q '"uncached_frames": 16' model3/train.json || { echo "FAIL: frames were cached despite cache_memory"; fail=1; }
for w in weights.016.data weights.029.data; do
  cmp -s model.full/$w model3/$w || { echo "FAIL: recomputed descriptors: $w differs from the cached run"; fail=1; }
done
tail -3 train.log
if [ $fail -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
