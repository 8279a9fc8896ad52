#!/usr/bin/env bash
# structure_length_unit.sh — structure files in Bohr (issue 16): the water reference
# h2o_192.data (n2p2 input.data, Bohr) is written in Bohr and in A as n2p2, extxyz and LAMMPS
# data; `nnmd run` (steps = 0, trajectory) of each Bohr file with [system] length_unit =
# "bohr" gives the positions and the cell of the A file (1e-9 A); `nnmd predict
# --structure-length-unit bohr` of the Bohr file gives the energy and positions of the A
# file, and the flag is listed in --help; a bad unit is refused.
set -u
NNMD=${NNMD_BIN:?}
SHARED=${NNMD_SHARED_DIR:?}
H2O=$SHARED/models/H2O_RPBE-D3
[ -f "$H2O/reference/h2o_192.data" ] || { echo "skipped: $H2O is absent"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is absent"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
python3 - "$H2O/reference/h2o_192.data" <<'PY' || exit 1
import sys
B = 1.8897261328  # Bohr per A, as nnmd and n2p2's LAMMPS interface
lat, atoms = [], []
for l in open(sys.argv[1]):
    w = l.split()
    if w and w[0] == "lattice": lat.append([float(v) for v in w[1:4]])
    if w and w[0] == "atom": atoms.append((w[4], [float(v) for v in w[1:4]]))
for tag, s in (("bohr", 1.0), ("ang", 1.0 / B)):
    L = [[v * s for v in r] for r in lat]
    X = [(e, [v * s for v in x]) for e, x in atoms]
    with open("w_%s.data" % tag, "w") as f:
        f.write("begin\n")
        for r in L: f.write("lattice %.17g %.17g %.17g\n" % tuple(r))
        for e, x in X: f.write("atom %.17g %.17g %.17g %s 0 0 0 0 0\n" % (x[0], x[1], x[2], e))
        f.write("end\n")
    with open("w_%s.extxyz" % tag, "w") as f:
        f.write("%d\nLattice=\"%s\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" % (len(X), " ".join("%.17g" % v for r in L for v in r)))
        for e, x in X: f.write("%s %.17g %.17g %.17g\n" % (e, x[0], x[1], x[2]))
    with open("w_%s.lmp" % tag, "w") as f:  # the cell is orthogonal
        f.write("water\n\n%d atoms\n2 atom types\n\n0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n\n"
                % (len(X), L[0][0], L[1][1], L[2][2]))
        f.write("Masses\n\n1 1.008 # H\n2 15.999 # O\n\nAtoms # atomic\n\n")
        for k, (e, x) in enumerate(X): f.write("%d %d %.17g %.17g %.17g\n" % (k + 1, 1 if e == "H" else 2, x[0], x[1], x[2]))
PY
cmp_frames() { # two extxyz files: same cell and positions to 1e-9 A
  python3 - "$1" "$2" <<'PY'
import sys, re
def rd(p):
    t = open(p).read().splitlines(); n = int(t[0])
    lat = [float(v) for v in re.search(r'Lattice="([^"]*)"', t[1]).group(1).split()]
    return lat, [[float(v) for v in l.split()[1:4]] for l in t[2:2 + n]]
(la, xa), (lb, xb) = rd(sys.argv[1]), rd(sys.argv[2])
d = max([abs(a - b) for a, b in zip(la, lb)] + [abs(a - b) for p, q in zip(xa, xb) for a, b in zip(p, q)])
sys.exit(0 if len(xa) == len(xb) == 192 and d < 1e-9 else (print("max difference %g A" % d) or 1))
PY
}
for fmt in data extxyz lmp; do
  for tag in ang bohr; do
    unit=""; [ $tag = bohr ] && unit='length_unit = "bohr"'
    cat > r_$tag.toml <<TOML
[system]
structure = "w_$tag.$fmt"
$unit
[[potential]]
type = "lj"
cutoff = 3.0
pairs = [ { species = ["H", "H"], epsilon = 1e-6, sigma = 1.0 }, { species = ["H", "O"], epsilon = 1e-6, sigma = 1.0 },
          { species = ["O", "O"], epsilon = 1e-6, sigma = 1.0 } ]
[run]
steps = 0
[output]
thermo_file = ""
trajectory = { file = "t_$tag.extxyz", every = 1 }
TOML
    "$NNMD" -q run r_$tag.toml > /dev/null 2>&1 || bad "$fmt $tag: nnmd run failed"
  done
  if cmp_frames t_ang.extxyz t_bohr.extxyz; then ok; else bad "$fmt: Bohr file with length_unit = \"bohr\" differs from the A file"; fi
done
# predict: the Bohr n2p2 file with --structure-length-unit bohr equals the A file
"$NNMD" predict "$H2O" w_bohr.data -o pb.extxyz --length-unit bohr --energy-unit hartree --structure-length-unit bohr > pb.log 2>&1 || bad "predict --structure-length-unit bohr failed"
"$NNMD" predict "$H2O" w_ang.data -o pa.extxyz --length-unit bohr --energy-unit hartree > pa.log 2>&1 || bad "predict of the A file failed"
if cmp_frames pa.extxyz pb.extxyz; then ok; else bad "predict: Bohr positions differ"; fi
ea=$(sed -n 's/.*energy \([-0-9.e+]*\) eV.*/\1/p' pa.log | head -1); eb=$(sed -n 's/.*energy \([-0-9.e+]*\) eV.*/\1/p' pb.log | head -1)
if python3 -c "import sys; a, b = float('$ea'), float('$eb'); sys.exit(0 if abs(a - b) < 1e-8 * abs(a) and abs(a + 133345.9) < 1 else 1)"; then ok
else bad "predict energies: A file $ea eV, Bohr file $eb eV (expected -133345.9)"; fi
"$NNMD" predict "$H2O" w_bohr.data -o x.extxyz --length-unit bohr --energy-unit hartree --structure-length-unit furlong > x.log 2>&1
if [ $? -eq 1 ] && grep -q "structure-length-unit takes 'angstrom' or 'bohr'" x.log; then ok; else bad "bad --structure-length-unit accepted"; fi
if "$NNMD" --help | grep -q -- "--structure-length-unit"; then ok; else bad "--help does not list --structure-length-unit"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
