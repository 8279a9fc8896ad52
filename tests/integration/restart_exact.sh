#!/usr/bin/env bash
# Bit-exact restarts (issue 16): for every ensemble (NVE; NVT with Langevin, CSVR,
# Nose-Hoover chains, Berendsen; NPT with MTK iso/aniso/triclinic,
# c-rescale iso/aniso, Berendsen) and with an electric field (CSVR and Langevin), a run of 2N
# steps with a checkpoint every N steps equals a run of N steps + restart + N steps BIT FOR BIT:
# the final checkpoints (positions, velocities, image flags, unwrapped positions, field work,
# cell, integrator/thermostat/barostat state; the random numbers are counter-based, keyed on
# (seed, step)) are byte-identical (cmp), and so is every thermo record apart from the two
# wall-clock performance columns. Exact equality is the tolerance because the engine
# guarantees it (docs/restart.md): every checkpoint step is a canonical neighbour rebuild
# (atoms in id order, then binned; fresh lists and ghosts) in the continuous and in the
# restarted run alike, so both execute the same floating-point operations in the same order.
# A temperature ramp spans `steps`, so a first part with fewer steps is another run: ramps are
# covered by restart_crash.sh, which restarts from checkpoints of the full-length run.
# Any difference, even in the last bit, means some state is missing from the checkpoint or
# some schedule depends on history. Serial, and with 2 MPI ranks when mpirun is available.
# NNMD_RESTART_EXACT_REPORT=1 prints the deviations (chk_tool.py diff) instead of failing;
# NNMD_RESTART_EXACT_ONLY=REGEX runs the matching cases only (names, _mpi for 2 ranks).
set -u
bin="${NNMD_BIN:?}"
src="${NNMD_SOURCE_DIR:?}"
tool="$src/tests/support/chk_tool.py"
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
N=100
report=${NNMD_RESTART_EXACT_REPORT:-0}

header() { # $1: species block, $2: potential pairs
  cat <<TOML
[system]
lattice = { type = "$1", a = $2, repeat = [$3, $3, $3], species = $4 }
[velocities]
temperature = 150.0
seed = 7
TOML
}
lj_ar='[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]'
lj_nacl='[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Na", "Na"], epsilon = 0.0104, sigma = 3.405 },
          { species = ["Na", "Cl"], epsilon = 0.0104, sigma = 3.405 },
          { species = ["Cl", "Cl"], epsilon = 0.0104, sigma = 3.405 } ]
[field]
E = [0.02, 0.01, 0.0]
charges = { Na = 1.0, Cl = -1.0 }'

# name | [run] keys (one line, ';' separates keys) | system
cases=(
  'nve|timestep = 0.004|ar'
  'langevin|ensemble = "nvt"; thermostat = "langevin"; temperature = 150.0; tdamp = 0.1; timestep = 0.004|ar'
  'csvr|ensemble = "nvt"; thermostat = "csvr"; temperature = 150.0; tdamp = 0.1; timestep = 0.004|ar'
  'nose_hoover|ensemble = "nvt"; thermostat = "nose-hoover"; temperature = 150.0; tdamp = 0.1; timestep = 0.004|ar'
  'berendsen|ensemble = "nvt"; thermostat = "berendsen"; temperature = 150.0; tdamp = 0.1; timestep = 0.004|ar'
  'mtk_iso|ensemble = "npt"; barostat = "mtk"; temperature = 150.0; tdamp = 0.1; pressure = 500.0; pdamp = 0.5; couple = "iso"; timestep = 0.004|ar'
  'mtk_aniso|ensemble = "npt"; barostat = "mtk"; temperature = 150.0; tdamp = 0.1; pressure = 500.0; pdamp = 0.5; couple = "aniso"; timestep = 0.004|ar'
  'mtk_triclinic|ensemble = "npt"; barostat = "mtk"; temperature = 150.0; tdamp = 0.1; pressure = 500.0; pdamp = 0.5; couple = "triclinic"; timestep = 0.004|ar'
  'crescale_iso|ensemble = "npt"; barostat = "c-rescale"; thermostat = "csvr"; temperature = 150.0; tdamp = 0.1; pressure = 500.0; pdamp = 0.5; couple = "iso"; timestep = 0.004|ar'
  'crescale_aniso|ensemble = "npt"; barostat = "c-rescale"; thermostat = "csvr"; temperature = 150.0; tdamp = 0.1; pressure = 500.0; pdamp = 0.5; couple = "aniso"; timestep = 0.004|ar'
  'berendsen_npt|ensemble = "npt"; barostat = "berendsen"; thermostat = "berendsen"; temperature = 150.0; tdamp = 0.1; pressure = 500.0; pdamp = 0.5; timestep = 0.004|ar'
  'field_csvr|ensemble = "nvt"; thermostat = "csvr"; temperature = 200.0; tdamp = 0.1; timestep = 0.004|nacl'
  'field_langevin|ensemble = "nvt"; thermostat = "langevin"; temperature = 200.0; tdamp = 0.1; timestep = 0.004|nacl'
)

input() { # $1 run keys, $2 system, $3 steps
  if [ "$2" = ar ]; then header fcc 5.7190 7 '"Ar"'; echo "$lj_ar"
  else header bcc 5.09 6 '["Na", "Cl"]'; echo "$lj_nacl"; fi
  echo "[run]"
  echo "$1" | tr ';' '\n' | sed 's/^ *//'
  echo "steps = $3"
  echo "[output]"
  echo "thermo_every = 10"
  echo "checkpoint = { file = \"run.chk\", every = $N }"
}

# thermo.csv without the two wall-clock columns (atom_steps_per_s, ns_per_day)
strip() { cut -d, -f1-10,13- "$1"; }

run_case() { # $1 name, $2 keys, $3 system, $4 launcher ("" or mpirun ...)
  local name=$1 tag=$1${4:+_mpi}
  [[ "$tag" =~ ${NNMD_RESTART_EXACT_ONLY:-.} ]] || return 0
  mkdir -p "$tag/full" "$tag/split"
  input "$2" "$3" $((2 * N)) > "$tag/full/in.toml"
  input "$2" "$3" $N > "$tag/split/in.toml"
  (cd "$tag/full" && $4 "$bin" run in.toml > log 2>&1) || { bad "$tag: continuous run: $(tail -3 "$tag/full/log")"; return; }
  (cd "$tag/split" && $4 "$bin" run in.toml > log 2>&1) || { bad "$tag: first half: $(tail -3 "$tag/split/log")"; return; }
  input "$2" "$3" $((2 * N)) > "$tag/split/in.toml"
  (cd "$tag/split" && $4 "$bin" run in.toml --restart run.chk > log2 2>&1) ||
    { bad "$tag: restart: $(tail -3 "$tag/split/log2")"; return; }
  if [ "$report" = 1 ]; then
    printf '%-22s ' "$tag"; python3 "$tool" diff "$tag/full/run.chk" "$tag/split/run.chk"
    return
  fi
  if cmp -s "$tag/full/run.chk" "$tag/split/run.chk"; then ok
  else bad "$tag: final checkpoints differ: $(python3 "$tool" diff "$tag/full/run.chk" "$tag/split/run.chk")"; fi
  if cmp -s <(strip "$tag/full/thermo.csv") <(strip "$tag/split/thermo.csv"); then ok
  else bad "$tag: thermo records differ: $(diff <(strip "$tag/full/thermo.csv") <(strip "$tag/split/thermo.csv") | head -4)"; fi
}
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

for c in "${cases[@]}"; do
  IFS='|' read -r name keys system <<< "$c"
  run_case "$name" "$keys" "$system" ""
done
if [ "${NNMD_HAVE_MPI:-OFF}" = "ON" ] && command -v mpirun > /dev/null; then
  for c in "${cases[@]}"; do
    IFS='|' read -r name keys system <<< "$c"
    run_case "$name" "$keys" "$system" "mpirun -np 2 --oversubscribe --allow-run-as-root"
  done
else
  echo "nnmd built without MPI or no mpirun: the 2-rank cases are skipped"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
