#!/usr/bin/env bash
# al_cycle.sh — one active-learning cycle for the Li3PO4 data set: train the current model and a
# committee on everything labelled so far, then pick the next round's DFT candidates.
#
#   bash al_cycle.sh ROUND [active_learning.py options...]
#   e.g. bash al_cycle.sh 2 --t-melt 800 1800 --t-end 300 700
#
# What it does (all outputs under work/al/models/rROUND/, git-ignored):
#   1. three trainings with the recipe of models/li3po4-pbe/train.toml on a snapshot of
#      data/li3po4.extxyz (copied under the runner's append lock),
#      split seeds 1 (40 epochs: the "current model"), 2 and 3 (25 epochs: the committee), run
#      side by side (they take priority over the niced QE runner);
#   2. python3 active_learning.py --round ROUND --model seed1/model --committee seed2/model
#      seed3/model [your options], which writes candidates/alROUND.extxyz. A running
#      run_pipeline.py picks the new candidates up before its next job.
# Commit candidates/alROUND.extxyz afterwards (git add dft/li3po4/candidates).
# Needs a built nnmd (NNMD=path, default ../../build/nnmd). AL_EPOCHS_MAIN / AL_EPOCHS_COMMITTEE
# override the 40 / 25 epochs (e.g. 1 for a quick check of the script). Not part of CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: bash al_cycle.sh ROUND [active_learning.py options]" >&2; exit 1; }
round=$1
shift
[[ $round =~ ^[0-9]+$ ]] || { echo "al_cycle.sh: ROUND must be a non-negative integer, got '$round'" >&2; exit 1; }
nnmd=${NNMD:-$here/../../build/nnmd}
nnmd=$(cd "$(dirname "$nnmd")" && pwd)/$(basename "$nnmd")
[ -x "$nnmd" ] || { echo "al_cycle.sh: no nnmd binary at $nnmd (build it, or set NNMD=...)" >&2; exit 1; }
recipe=$here/../../models/li3po4-pbe/train.toml
[ -f "$here/candidates/al$round.extxyz" ] && {
  echo "al_cycle.sh: candidates/al$round.extxyz exists already (pick a new ROUND)" >&2
  exit 1
}
top=$here/work/al/models/r$round
mkdir -p "$top"
# a snapshot of the data, taken under the lock the runner appends with (flock on the file), so no
# training reads a half-written frame, and all three models see the same frames
flock "$here/data/li3po4.extxyz" cp "$here/data/li3po4.extxyz" "$top/data.extxyz"
echo "data: $(grep -c Lattice= "$top/data.extxyz") frames (snapshot $top/data.extxyz)"
pids=()
for seed in 1 2 3; do
  d=$top/seed$seed
  mkdir -p "$d"
  epochs=$([ $seed = 1 ] && echo "${AL_EPOCHS_MAIN:-40}" || echo "${AL_EPOCHS_COMMITTEE:-25}")
  sed -e "s#^train = .*#train = [\"$top/data.extxyz\"]#" -e "s/^seed = .*/seed = $seed/" \
    -e "s/^epochs = .*/epochs = $epochs/" "$recipe" >"$d/train.toml"
  (cd "$d" && "$nnmd" train train.toml >train.log 2>&1) &
  pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
if [ $fail != 0 ]; then
  echo "al_cycle.sh: a training failed; see $top/seed*/train.log" >&2
  exit 1
fi
for seed in 1 2 3; do echo "seed $seed: $(grep 'best epoch' "$top/seed$seed/train.log")"; done
exec python3 "$here/active_learning.py" --round "$round" --model "$top/seed1/model" \
  --committee "$top/seed2/model" "$top/seed3/model" "$@"
