#!/usr/bin/env bash
# make_corpus.sh SRC OUT — seed corpora of the fuzz targets (fuzz/CMakeLists.txt) in OUT/<target>/,
# from the repository's own inputs and test data (small files only) and fuzz/seeds/. Model
# folders become one file each: the model files joined by FUZZ_SPLIT lines (fuzz_util.h).
# Existing corpus files are kept (a corpus grows across `make fuzz` runs).
set -eu
src=$1 out=$2
split='#%%nnmd-fuzz-split%%'
small() { find "$@" -type f -size -64k 2>/dev/null || true; }
seed() { # seed TARGET FILE...
  local t=$1; shift
  mkdir -p "$out/$t"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$out/$t/seed_$(echo "$f" | tr '/' '_')"; done
  return 0
}
join_model() { # join_model TARGET NAME SETTINGS SCALING WEIGHTS...
  local t=$1 name=$2; shift 2
  [ -f "$1" ] || return 0
  mkdir -p "$out/$t"
  { cat "$1"; shift; for f in "$@"; do echo "$split"; cat "$f"; done; } > "$out/$t/seed_$name"
}
seed fuzz_input $(small "$src/inputs" "$src/tests/io/bad_inputs" -name '*.toml')
seed fuzz_extxyz $(small "$src/tests/io/data" "$src/tests/io/bad_inputs" "$src/tests/data" -name '*xyz')
seed fuzz_lammps_data $(small "$src/tests/io/data" "$src/tests/io/bad_inputs" -name '*.lmp' -o -name 's*.data')
seed fuzz_n2p2_data $(small "$src/tests/io/data" -name '*.n2p2') "$src/fuzz/seeds/fuzz_train_data/frame.data"
seed fuzz_structure_detect $(small "$src/tests/io/data" -type f)
seed fuzz_frames $(small "$src/tests/io/data" "$src/tests/analysis" "$src/tests/data" -name '*xyz') "$src"/fuzz/seeds/fuzz_frames/*
seed fuzz_train_config "$src"/fuzz/seeds/fuzz_train_config/*
seed fuzz_train_data "$src"/fuzz/seeds/fuzz_train_data/* $(small "$src/tests/io/data" -name '*.extxyz' -o -name '*.n2p2')
lj=$src/../shared/models/LJ
join_model fuzz_nnp_model lj "$lj/input.nn" "$lj/scaling.data" "$lj/weights.010.data"
for m in tiny HO; do
  d=$src/tests/data/bec/$m
  join_model fuzz_bec_model "$m" "$d/bec.nn" "$d/bec-scaling.data" "$d/bec-weights.001.data" "$d/bec-weights.008.data"
done
# the BEC settings are an input.nn with extra keywords: a seed for the HDNNP reader too
d=$src/tests/data/bec/tiny
join_model fuzz_nnp_model bec_tiny "$d/bec.nn" "$d/bec-scaling.data" "$d/bec-weights.001.data" "$d/bec-weights.008.data"
for t in "$out"/*/; do [ -n "$(ls -A "$t")" ] || echo "make_corpus: no seeds for $(basename "$t")" >&2; done
