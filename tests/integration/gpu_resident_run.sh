#!/usr/bin/env bash
# The resident GPU step (issue 7, engine/gpu/resident.h) end to end without a GPU:
# NNMD_GPU_EMULATE=1 runs every device kernel (integrators, unwrapped tracking, halo
# exchange, device binning + neighbour list, HDNNP) on the host in the device's data layout.
# Liquid water (h2o_192, H2O_RPBE-D3), precision = "double", 30 steps at 0.5 fs with a
# 0.3 A skin checked every step (several device-side rebuilds, each with a host wrap/sort
# and re-upload), thermo and trajectory every 10 steps (host syncs), for five ensembles:
#   nve (+ [analysis.msd]: unwrapped positions tracked on the device), nvt langevin
#   (per-atom counter-RNG noise drawn in the kernels), nvt csvr, npt mtk aniso (cell and
#   positions remapped on the device; ghosts follow the cell), npt c-rescale iso.
# Each runs with device = "cpu" and with "gpu" resident (the default); NVE also with
# [parallel] resident = false (per-call GPU forces, host integration). Host emulation is
# ~100x slower than the CPU path (~10 ms per atom-step here), hence the short runs.
# Pass: the log says which mode ran; resident vs cpu and resident vs per-call: energies to
# 1e-9 relative, positions within 1e-7 A, cell volume to 1e-10 relative, conserved quantity
# to 1e-9 relative at every sampled step; MSD tables equal to 1e-8 of each column's largest value. Double-precision
# kernels differ from the CPU only in summation order (forces ~1e-13 relative); over 100
# steps of a liquid that grows by at most a few orders of magnitude (measured: see the
# printed worst cases), so 1e-7 A / 1e-9 catch any real error (a wrong kick, a wrong noise
# number, a ghost off by a lattice vector) which would show at 1e-3 or above.
# NNMD_GPU_EMULATE=0 in the environment runs the same comparison on a real device.
# Skipped (77) without CUDA, the model or python3.
set -u
bin="${NNMD_BIN:?}"
shared="${NNMD_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
model="$shared/models/H2O_RPBE-D3"
[ -f "$model/input.nn" ] || { echo "skipped: $model not found"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is needed"; exit 77; }
"$bin" --version | grep -q "built with CUDA: yes" || { echo "skipped: nnmd built without CUDA"; exit 77; }
support="$(cd "$(dirname "$0")/../support" && pwd)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
python3 "$support/h2o192_extxyz.py" "$model" w192.extxyz || exit 1
ens_lines() {
  case $1 in
    nve) echo 'ensemble = "nve"' ;;
    langevin) printf 'ensemble = "nvt"\nthermostat = "langevin"\ntemperature = 300.0\ntdamp = 0.02\n' ;;
    csvr) printf 'ensemble = "nvt"\nthermostat = "csvr"\ntemperature = 300.0\ntdamp = 0.02\n' ;;
    mtk) printf 'ensemble = "npt"\nthermostat = "nose-hoover"\nbarostat = "mtk"\ntemperature = 300.0\ntdamp = 0.02\npressure = 5000.0\npdamp = 0.1\ncouple = "aniso"\n' ;;
    crescale) printf 'ensemble = "npt"\nthermostat = "csvr"\nbarostat = "c-rescale"\ntemperature = 300.0\ntdamp = 0.02\npressure = 5000.0\npdamp = 0.1\n' ;;
  esac
}
write_input() { # dir ensemble [parallel]-lines
  mkdir -p "$1"
  { cat <<TOML
[system]
structure = "../w192.extxyz"
[velocities]
temperature = 300.0
seed = 3
[[potential]]
type = "hdnnp"
model = "$model"
length_unit = "bohr"
energy_unit = "hartree"
[run]
timestep = 0.0005
steps = 30
seed = 11
$(ens_lines "$2")
[neighbor]
skin = 0.3
every = 1
[parallel]
$3
[output]
thermo_every = 10
trajectory = { file = "traj.extxyz", every = 10 }
TOML
    if [ "$2" = nve ]; then printf '[analysis.msd]\nspecies = ["H", "O"]\nevery = 1\nwindow = 10\n'; fi
  } > "$1/in.toml"
}
export NNMD_GPU_EMULATE="${NNMD_GPU_EMULATE:-1}"
ensembles="nve langevin csvr mtk crescale"
runs="" eruns=""
for e in $ensembles; do
  write_input "$e-cpu" "$e" 'device = "cpu"'
  write_input "$e-res" "$e" $'device = "gpu"\nprecision = "double"'
  runs="$runs $e-cpu" eruns="$eruns $e-res"
done
runs="$runs $eruns" # the slow emulated runs pair up on the two cores
write_input nve-call nve $'device = "gpu"\nprecision = "double"\nresident = false'
runs="$runs nve-call"
fail=0
set -- $runs
while [ $# -gt 0 ]; do # two at a time (CI has 2 cores)
  a=$1; shift; b=${1:-}; [ $# -gt 0 ] && shift
  (cd "$a" && "$bin" run in.toml > out.txt 2>&1) & pa=$!
  if [ -n "$b" ]; then (cd "$b" && "$bin" run in.toml > out.txt 2>&1) & pb=$!; fi
  wait $pa || { echo "FAIL: $a run"; tail -5 "$a/out.txt"; fail=1; }
  if [ -n "$b" ]; then wait $pb || { echo "FAIL: $b run"; tail -5 "$b/out.txt"; fail=1; }; fi
done
[ $fail = 0 ] || exit 1
for e in $ensembles; do
  grep -q '^resident run: positions, velocities, forces, neighbour lists and integration on the' "$e-res/out.txt" ||
    { echo "FAIL: $e-res log does not say the step is resident"; grep -i resident "$e-res/out.txt"; fail=1; }
done
grep -q 'resident GPU step off (\[parallel\] resident = false)' nve-call/out.txt ||
  { echo "FAIL: nve-call log does not say the resident step is off"; fail=1; }
python3 - $ensembles <<'PY' || fail=1
import csv, sys, os
def thermo(p): return {int(r['step']): r for r in csv.DictReader(open(p))}
def frames(p):
    L = open(p).read().split('\n'); i = 0; out = []
    while i < len(L) and L[i].strip():
        n = int(L[i]); out.append(sorted(l.split() for l in L[i + 2:i + 2 + n])); i += 2 + n
    return out
bad = 0
for e in sys.argv[1:]:
    r = thermo(f'{e}-res/thermo.csv')
    import re
    mm = re.search(r'neighbour lists: (\d+) builds \(on the device\)', open(f'{e}-res/out.txt').read())
    builds = int(mm.group(1)) if mm else 0
    for ref in (('cpu', 'call') if e == 'nve' else ('cpu',)):
        c = thermo(f'{e}-{ref}/thermo.csv')
        if sorted(c) != sorted(r) or max(r) != 30:
            print(f'FAIL {e}: thermo steps {sorted(r)} vs {ref} {sorted(c)}'); bad = 1; continue
        we = max(abs(float(r[s][k]) - float(c[s][k])) / abs(float(c[s][k])) for s in c for k in ('epot_eV', 'etot_eV', 'conserved_eV'))
        wv = max(abs(float(r[s]['volume_A3']) - float(c[s]['volume_A3'])) / float(c[s]['volume_A3']) for s in c)
        fr, fc = frames(f'{e}-res/traj.extxyz'), frames(f'{e}-{ref}/traj.extxyz')
        if len(fr) != len(fc) or len(fr) != 4:
            print(f'FAIL {e}: {len(fr)} vs {len(fc)} frames'); bad = 1; continue
        wx = max(abs(float(a[q]) - float(b[q])) for A, Bf in zip(fr, fc) for a, b in zip(A, Bf) for q in (1, 2, 3))
        ok = we <= 1e-9 and wv <= 1e-10 and wx <= 1e-7
        print(f'{e} resident vs {ref}: energies {we:.2e} rel, volume {wv:.2e} rel, positions {wx:.2e} A, '
              f'{builds} list builds: {"ok" if ok else "FAIL"}')
        bad |= not ok
        if e == 'nve':
            m1 = list(csv.reader(open(f'{e}-res/msd.csv'))); m2 = list(csv.reader(open(f'{e}-{ref}/msd.csv')))
            # per column, relative to the column's largest value (the first lags are ~1e-4 A^2)
            wm = 0.0
            for c in range(len(m2[0])):
                try:
                    col = [(float(a[c]), float(b[c])) for a, b in zip(m1[1:], m2[1:])]
                except (ValueError, IndexError):
                    continue
                scale = max(max(abs(v) for _, v in col), 1e-300)
                wm = max([wm] + [abs(u - v) / scale for u, v in col])
            okm = len(m1) == len(m2) and len(m1) > 5 and wm <= 1e-8
            print(f'nve msd resident vs {ref}: {len(m1) - 1} rows, worst {wm:.2e} rel: {"ok" if okm else "FAIL"}')
            bad |= not okm
    if builds < 3: print(f'FAIL {e}: only {builds} neighbour builds (the test needs rebuilds)'); bad = 1
sys.exit(bad)
PY
[ $fail = 0 ] && echo "gpu_resident_run: passed"
exit $fail
