#!/usr/bin/env bash
# train_water.sh — `nnmd train` on the water DFT data of ../shared/data/water (320 frames x 192
# atoms, E and F) with the H2O_RPBE-D3 descriptor set and a 2x25 tanh network, the set-up of
# the n2p2 anchor in ../shared/docs/training.md (n2p2 nnp-train, 2 ranks, same machine class:
# 47.5 meV/A test force RMSE after 10 epochs in 698 s). Prints the learning curve with wall
# times; compare the wall time at which the test force RMSE first reaches 47.5 meV/A.
# Usage: NNMD=build/nnmd benchmarks/train_water.sh [kalman|adam] [EPOCHS] [NP]
set -eu
NNMD=$(realpath "${NNMD:-build/nnmd}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(realpath "${NNMD_SHARED_DIR:-$SRC/../shared}")
OPT=${1:-kalman}
EPOCHS=${2:-6}
NP=${3:-1}
WORK=$(mktemp -d)
cd "$WORK"
cat > train.toml <<TOML
[data]
train = ["$SHARED/data/water/water.extxyz"]
test_fraction = 0.1
seed = 1
[model]
elements = ["H", "O"]
template = "$SHARED/models/H2O_RPBE-D3"
length_unit = "bohr"
energy_unit = "hartree"
hidden = [25, 25]
activation = "tanh"
[training]
optimizer = "$OPT"
epochs = $EPOCHS
batch = 4
learning_rate = 0.003
learning_rate_final = 0.0001
output = "water-model"
TOML
if [ "$NP" -gt 1 ]; then
  /usr/bin/time -v mpirun --oversubscribe --allow-run-as-root -np "$NP" "$NNMD" train train.toml 2>time.log
else
  /usr/bin/time -v "$NNMD" train train.toml 2>time.log
fi
grep -E 'Elapsed|Maximum resident' time.log
awk -F, 'NR > 1 && $6 <= 47.5 { printf "reached n2p2 test force RMSE (47.5 meV/A) at epoch %d, %.1f s of training\n", $1, $2; exit }' water-model/train.csv
echo "work folder: $WORK"
