#!/usr/bin/env bash
# hostile_cli.sh — issue 16 through the command line: `nnmd check` and `nnmd predict` given a
# device, a directory, a FIFO, binary data, a 600 KB TOML header or an atom 1e12 A out (and
# `nnmd run --restart` such a file, or a checkpoint header claiming 512 GB) must
# exit 1 (2: nnmd train's code for an unreadable file) within seconds with a message saying
# what is wrong (main read /dev/zero until memory ran out, hung on /dev/urandom and FIFOs, and
# crashed with exit 139 on the deep header).
set -u
bin=${NNMD_BIN:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0 fail=0
expect() { # expect NAME MESSAGE-PART COMMAND...
  local name=$1 part=$2; shift 2
  local t0=$SECONDS out rc
  out=$(timeout 30 "$@" 2>&1 >/dev/null); rc=$?
  if { [ $rc -eq 1 ] || [ $rc -eq 2 ]; } && [ $((SECONDS - t0)) -le 10 ] && printf '%s' "$out" | grep -qF -- "$part"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $rc after $((SECONDS - t0)) s, output:"; printf '%s\n' "$out" | head -5
  fi
}
mkdir adir
mkfifo afifo
expect "check /dev/zero" "not a regular file" "$bin" check /dev/zero
expect "check /dev/urandom" "not a regular file" "$bin" check /dev/urandom
expect "check directory" "Is a directory" "$bin" check adir
expect "check FIFO" "not a regular file" "$bin" check afifo
{ printf '['; for i in $(seq 300000); do printf 'a.'; done; printf 'a]\n'; } > deep.toml
expect "600 KB header" "deep.toml:1:2: error: dotted key has more than 100 parts" "$bin" check deep.toml
printf '2\nLattice="10 0 0 0 10 0 0 0 10" Properties=species:S:1:pos:R:3 pbc="T T T"\nH 1.0 1.0 1.0\nH 1e12 1.0 1.0\n' > far.extxyz
cat > far.toml <<'TOML'
[system]
structure = "far.extxyz"
[[potential]]
type = "lj"
cutoff = 3.0
pairs = [ { species = ["H", "H"], epsilon = 0.01, sigma = 1.0 } ]
[run]
ensemble = "nve"
timestep = 0.001
steps = 0
TOML
expect "atom 1e12 A out" "far.extxyz:4:1: error: atom 2 at (1e+12, 1, 1) A lies 1e+11 cell lengths along a" \
  "$bin" check far.toml
# checkpoints: a FIFO as --restart blocked in fopen before; a header claiming 2^39 payload
# bytes is refused by the file's size before anything is allocated
printf '2\nLattice="10 0 0 0 10 0 0 0 10" Properties=species:S:1:pos:R:3 pbc="T T T"\nH 1 1 1\nH 2.5 1 1\n' > two.extxyz
sed -e 's/far.extxyz/two.extxyz/' -e 's/steps = 0/steps = 10/' far.toml > two.toml
expect "restart FIFO" "not a regular file" "$bin" run two.toml --restart afifo
expect "restart directory" "Is a directory" "$bin" run two.toml --restart adir
expect "restart /dev/zero" "not a regular file" "$bin" run two.toml --restart /dev/zero
printf 'NNMDCHK\0\002\000\000\000\004\003\002\001\000\000\000\000\200\000\000\000' > huge.chk
expect "restart huge length" "its header claims 549755813888 payload bytes, the file has 24 bytes" \
  "$bin" run two.toml --restart huge.chk
sed 's/far.extxyz/\/dev\/zero/' far.toml > zero_structure.toml
expect "structure /dev/zero" "not a regular file" "$bin" check zero_structure.toml
printf '[data]\ntrain = ["afifo"]\n[model]\nelements = ["H", "O"]\ncutoff = 4.0\nhidden = [4]\n[training]\nepochs = 1\noutput = "out"\n' > train.toml
expect "train data FIFO" "not a regular file" "$bin" check train.toml
model=${NNMD_SHARED_DIR:-}/models/LJ
if [ -d "$model" ]; then
  expect "predict /dev/zero" "not a regular file" "$bin" predict "$model" /dev/zero --length-unit angstrom --energy-unit eV
  printf '1\n\nNe 0 0 0\0\n' > nul.xyz
  expect "predict NUL byte" "nul.xyz:3:1: error: NUL byte" "$bin" predict "$model" nul.xyz --length-unit angstrom --energy-unit eV
  cp -r "$model" m
  rm m/scaling.data
  ln -s /dev/zero m/scaling.data
  printf '2\nLattice="10 0 0 0 10 0 0 0 10" Properties=species:S:1:pos:R:3 pbc="T T T"\nNe 1 1 1\nNe 3.5 1 1\n' > ne.extxyz
  expect "predict model with /dev/zero scaling" "not a regular file" "$bin" predict m ne.extxyz --length-unit angstrom --energy-unit eV
  # a model's top folder (models/NAME) given instead of its model/ subfolder: say where it is
  mkdir -p top && cp -r "$model" top/model
  expect "predict top folder" "the model folder 'top' has no readable input.nn (the model is in 'top/model')" \
    "$bin" predict top ne.extxyz
  expect "predict empty folder" "the model folder 'top/none' has no readable input.nn" "$bin" predict top/none ne.extxyz
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
