#!/usr/bin/env bash
# mpi_errors.sh — under MPI an error on one rank ends every rank with the message, never a
# hang (issue 16). With 2 and 4 ranks (grid [P, 1, 1], argon fcc 8x4x4):
#   - a non-finite force on one rank only: a Kr-Kr pair (epsilon 1e308: the LJ force
#     overflows) at x = 0.85 of the cell, owned by the last rank; every rank stops at step 0
#     with "non-finite force on owned atom 446 (Kr)" (printed by that rank);
#   - a structure region with two overlapping atoms (read on rank 0): exit 1 with its message;
#   - 4 ranks: one atom with vx = 25000 A/ps crosses two sub-domains in one step (lost atom,
#     detected on the receiving rank, not rank 0): every rank stops with the message; this
#     hung before (the failing rank left the exchange while its neighbours waited for it).
# Each mpirun has a 120 s limit; reaching it is a failure (a hang). Skipped (77) without MPI.
set -u
[ "${NNMD_HAVE_MPI:-OFF}" = "ON" ] || { echo "skipped: nnmd was built without MPI"; exit 77; }
command -v mpirun >/dev/null || { echo "skipped: no mpirun"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is absent"; exit 77; }
NNMD=${NNMD_BIN:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
python3 - <<'PY'
a, nx, ny, nz = 5.7, 8, 4, 4
base = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
at = [["Ar", (i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a, 0.0]
      for i in range(nx) for j in range(ny) for k in range(nz) for b in base]
L = (nx * a, ny * a, nz * a)
def write(name, atoms):
    with open(name, "w") as f:
        f.write('%d\nLattice="%g 0 0 0 %g 0 0 0 %g" Properties=species:S:1:pos:R:3:velocities:R:3 pbc="T T T"\n'
                % (len(atoms), *L))
        for s, x, y, z, vx in atoms: f.write("%s %.6f %.6f %.6f %.6f 0 0\n" % (s, x, y, z, vx))
d2 = lambda p, q: sum((p[c] - q[c]) ** 2 for c in range(3))
near = lambda t, skip=-1: min((i for i in range(len(at)) if i != skip), key=lambda i: d2(at[i][1:4], t))
# Kr pair at x = 0.85 (the last rank of a [P, 1, 1] grid for P = 2 and 4); ids 509 and 446
kr = [r[:] for r in at]
i0 = near((0.85 * L[0], 0.75 * L[1], 0.75 * L[2])); i1 = near(kr[i0][1:4], i0)
kr[i0][0] = kr[i1][0] = "Kr"
kr[i1][1:4] = [kr[i0][1] + 3.0, kr[i0][2], kr[i0][3]]
write("kr.extxyz", kr)
# two atoms 0.005 A apart at x = 0.85
ov = [r[:] for r in at]
ov[i1][1:4] = [ov[i0][1] + 0.005, ov[i0][2], ov[i0][3]]
write("overlap.extxyz", ov)
# one atom at x ~ 5 A with vx = 25000 A/ps: 25 A in the first 1 fs step
fast = [r[:] for r in at]
fast[near((5.0, 0.5 * L[1], 0.5 * L[2]))][4] = 25000.0
write("fast.extxyz", fast)
PY
input() { # structure, grid P
  cat <<TOML
[system]
structure = "$1"
[[potential]]
type = "lj"
cutoff = 6.0
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 }, { species = ["Ar", "Kr"], epsilon = 0.0104, sigma = 3.4 },
          { species = ["Kr", "Kr"], epsilon = 1e308, sigma = 3.6 } ]
[run]
steps = 20
[parallel]
grid = [$2, 1, 1]
[output]
thermo_file = ""
TOML
}
run_case() { # name, P, structure, expected exit, expected message
  input "$3" "$2" > "$1_$2.toml"
  timeout 120 mpirun -np "$2" --oversubscribe --allow-run-as-root "$NNMD" run "$1_$2.toml" > "$1_$2.log" 2>&1
  local rc=$?
  if [ $rc -eq 124 ]; then bad "$1 on $2 ranks: no exit within 120 s (hang)"; return; fi
  if [ $rc -ne "$4" ]; then bad "$1 on $2 ranks: exit $rc, expected $4"; tail -5 "$1_$2.log"; return; fi
  if ! grep -q -- "$5" "$1_$2.log"; then bad "$1 on $2 ranks: no '$5' in the output"; tail -5 "$1_$2.log"; return; fi
  pass=$((pass+1))
}
for P in 2 4; do
  run_case nonfinite $P kr.extxyz 2 "error: non-finite force on owned atom 446 (Kr) at step 0"
  run_case overlap $P overlap.extxyz 1 "are only 0.005"
done
run_case lost 4 fast.extxyz 2 "moved more than one sub-domain between neighbour-list rebuilds (lost atom"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
