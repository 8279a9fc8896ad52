#!/usr/bin/env bash
# [parallel] device = "gpu" end to end without a GPU (issue 7): NNMD_GPU_EMULATE=1 makes the
# hdnnp term's compute_cuda run the GPU kernels' arithmetic on the host, through the same
# input -> set-up -> term -> force field -> run loop as on a device. Liquid water (n2p2's
# h2o_192 cell converted to A, H2O_RPBE-D3), 20 NVE steps at 0.5 fs from the same
# velocities, three runs: device = "cpu"; "gpu" precision = "double"; "gpu" "mixed".
# Pass (thermo.csv has 15 significant digits, every 5 steps; trajectory at step 20):
#   double vs cpu: |dE| / |E| <= 1e-10 for epot, etot (issue 7 acceptance; emulated double
#     differs from the CPU only by summation order, measured 1e-14 on forces), final
#     positions within 1e-8 A and forces within 1e-7 eV/A (20 steps cannot amplify 1e-13
#     force differences beyond ~1e-11 A; margin 1000x);
#   mixed vs cpu: |dE_pot| / N <= 1e-6 eV/atom (acceptance), final positions within 1e-5 A
#     (force rms error 2e-6 relative, docs/gpu.md: a constant 1e-5 eV/A error on H moves it
#     0.5 (dF/m) t^2 ~ 5e-8 A in 10 fs; measured 2e-7; 1e-5 leaves room for chaotic growth and
#     catches any force error above ~1e-3 eV/A), forces rms deviation <= 1e-4 relative.
# NNMD_GPU_EMULATE=0 in the caller's environment runs the same comparison on a real device
# (benchmarks/gpu_session.sh run); default 1 (emulation).
# Also: the log names the device; device = "auto" picks the (emulated) GPU; precision with
# device = "cpu" warns. Skipped (77) when nnmd was built without CUDA (nnmd --version) or
# the model is missing.
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
write_input() { # dir, [parallel] lines, steps
  mkdir -p "$1"
  cat > "$1/in.toml" <<TOML
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
ensemble = "nve"
timestep = 0.0005
steps = $3
[parallel]
$2
[output]
thermo_every = 5
trajectory = { file = "traj.extxyz", every = 20 }
TOML
}
write_input cpu 'device = "cpu"' 20
write_input double $'device = "gpu"\nprecision = "double"' 20
write_input mixed $'device = "gpu"\nprecision = "mixed"' 20
write_input auto 'device = "auto"' 0
write_input cpuprec $'device = "cpu"\nprecision = "double"' 0
export NNMD_GPU_EMULATE="${NNMD_GPU_EMULATE:-1}"
(cd cpu && "$bin" run in.toml > out.txt 2>&1) & p1=$!
(cd double && "$bin" run in.toml > out.txt 2>&1) & p2=$!
(cd mixed && "$bin" run in.toml > out.txt 2>&1) & p3=$!
fail=0
for p in "cpu $p1" "double $p2" "mixed $p3"; do
  set -- $p
  wait "$2" || { echo "FAIL: $1 run"; tail -5 "$1/out.txt"; fail=1; }
done
[ $fail = 0 ] || exit 1
grep -q '^device: cpu$' cpu/out.txt || { echo "FAIL: cpu log has no 'device: cpu'"; fail=1; }
for m in double mixed; do
  grep -q "^device: gpu, precision $m" $m/out.txt || { echo "FAIL: $m log lacks the device line"; fail=1; }
  grep -q "^force terms on the GPU: hdnnp; on the CPU (same step): none" $m/out.txt || { echo "FAIL: $m log lacks the term placement"; fail=1; }
done
(cd auto && "$bin" check in.toml > out.txt 2>&1) || { echo "FAIL: auto check"; cat auto/out.txt; fail=1; }
grep -q '^device: gpu (device = "auto"), precision mixed' auto/out.txt || { echo "FAIL: auto did not pick the GPU"; cat auto/out.txt; fail=1; }
(cd cpuprec && "$bin" check in.toml > out.txt 2>&1) || { echo "FAIL: cpu+precision check"; cat cpuprec/out.txt; fail=1; }
grep -q 'precision = "double" is ignored' cpuprec/out.txt || { echo "FAIL: no warning for precision with device = cpu"; cat cpuprec/out.txt; fail=1; }
python3 - <<'PY' || fail=1
import csv, math, sys
def thermo(p): return {int(r['step']): r for r in csv.DictReader(open(p))}
def last_frame(p):
    L = open(p).read().split('\n'); i = 0; fr = None
    while i < len(L) and L[i].strip():
        n = int(L[i]); fr = [l.split() for l in L[i + 2:i + 2 + n]]; i += 2 + n
    return fr  # species x y z id vx vy vz fx fy fz
c = thermo('cpu/thermo.csv'); N = 192; bad = 0
fc = last_frame('cpu/traj.extxyz')
for m, etol_rel, etol_atom, xtol in (('double', 1e-10, None, 1e-8), ('mixed', None, 1e-6, 1e-5)):
    g = thermo(m + '/thermo.csv')
    if sorted(g) != sorted(c) or max(c) != 20:
        print(f"FAIL {m}: thermo steps {sorted(g)} vs {sorted(c)}"); bad = 1; continue
    worst = 0.0
    for s in c:
        for k in ('epot_eV', 'etot_eV'):
            a, b = float(c[s][k]), float(g[s][k])
            d = abs(b - a) / abs(a) if etol_rel else abs(b - a) / N
            worst = max(worst, d)
    tol = etol_rel or etol_atom
    print(f"{m}: energy deviation {worst:.3g} ({'relative' if etol_rel else 'eV/atom'}, tolerance {tol:g})")
    if not worst <= tol: bad = 1
    fg = last_frame(m + '/traj.extxyz')
    if len(fg) != N or [r[4] for r in fg] != [r[4] for r in fc]:
        print(f"FAIL {m}: trajectory atoms differ"); bad = 1; continue
    dx = max(abs(float(a[q]) - float(b[q])) for a, b in zip(fc, fg) for q in (1, 2, 3))
    df = [float(a[q]) - float(b[q]) for a, b in zip(fc, fg) for q in (8, 9, 10)]
    f2 = sum(float(a[q]) ** 2 for a in fc for q in (8, 9, 10))
    dfmax, dfrms = max(abs(v) for v in df), math.sqrt(sum(v * v for v in df) / f2)
    print(f"{m}: step 20 max |dx| {dx:.3g} A (tolerance {xtol:g}), forces max |dF| {dfmax:.3g} eV/A, rms rel {dfrms:.3g}")
    if not dx <= xtol: bad = 1
    if m == 'double' and not dfmax <= 1e-7: bad = 1
    if m == 'mixed' and not dfrms <= 1e-4: bad = 1
    if max(abs(float(r[q])) for r in fc for q in (8, 9, 10)) < 0.1: print("FAIL: forces are all tiny"); bad = 1
sys.exit(bad)
PY
[ $fail = 0 ] && echo "gpu_emulated_run: passed"
exit $fail
