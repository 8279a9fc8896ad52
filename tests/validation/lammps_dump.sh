#!/usr/bin/env bash
# nnmd's LAMMPS dump (trajectory = { file = "*.lammpstrj" }) read by LAMMPS itself (Debian
# package, /usr/bin/lmp): `read_dump ... box yes add keep` of one frame, then LAMMPS writes the
# atoms back (write_dump) and computes the LJ energy and forces of what it read with the same
# potential. Checked for an orthogonal cell and for a general triclinic cell that nnmd must
# rotate to LAMMPS' restricted form (a along x, b in the xy plane):
#   positions and velocities LAMMPS read == the dump's (1e-8 A), LAMMPS' potential energy of
#   the configuration == nnmd's epot at that step (1e-8 relative), LAMMPS' forces == the dump's
#   fx fy fz (1e-7 eV/A), so the box, the rotation of positions, velocities and forces are right.
# Also: format = "lammps-dump" with an explicit column list, and frames at 0, every N, last.
# Skips (77) without lmp.
set -u
bin="${NNMD_BIN:?}"
lmp=$(command -v lmp || command -v lmp_serial || true)
[ -n "$lmp" ] || { echo "SKIP: LAMMPS (lmp) not installed (apt-get install lammps)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

# triclinic structure: a general cell (not upper triangular), 4x4x4 points with small offsets
python3 - <<'EOF'
import math
h = [[12.9, 0.6, -0.4], [1.3, 12.6, 0.5], [0.9, -1.1, 13.2]]  # rows a, b, c (A)
n = 4
lines = []
for i in range(n):
    for j in range(n):
        for k in range(n):
            s = [(i + 0.07 * math.sin(i + 2 * j + 3 * k)) / n, (j + 0.05 * math.cos(3 * i + k)) / n,
                 (k + 0.06 * math.sin(5 * i - j)) / n]
            r = [sum(s[m] * h[m][d] for m in range(3)) for d in range(3)]
            lines.append("Ar %.10f %.10f %.10f" % tuple(r))
with open("tri.extxyz", "w") as f:
    f.write("%d\n" % len(lines))
    f.write('Lattice="%s" Properties=species:S:1:pos:R:3 pbc="T T T"\n' % " ".join("%.10f" % x for row in h for x in row))
    f.write("\n".join(lines) + "\n")
EOF

write_input() { # $1 = name, $2 = [system] line, $3 = trajectory table
  cat > "$1.toml" <<TOML
[system]
$2
[velocities]
temperature = 80.0
seed = 11
[[potential]]
type = "lj"
cutoff = 6.0
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
timestep = 0.002
steps = 30
[output]
directory = "$1"
thermo_every = 10
thermo_columns = ["epot", "lx", "ly", "lz", "xy", "xz", "yz"]
trajectory = $3
TOML
}

check_case() { # $1 = name, $2 = triclinic (0/1), $3 = dump file
  local name=$1 tri=$2 dump=$3
  "$bin" run "$name.toml" > "$name.log" 2>&1 || { bad "$name: nnmd run failed: $(tail -3 "$name.log")"; return; }
  [ "$(grep -c '^ITEM: TIMESTEP' "$dump")" = 4 ] && ok || bad "$name: expected 4 frames (0,10,20,30)"
  if [ "$tri" = 1 ]; then
    grep -q '^ITEM: BOX BOUNDS xy xz yz pp pp pp' "$dump" && ok || bad "$name: no triclinic BOX BOUNDS line"
    region="region r prism 0 1 0 1 0 1 0 0 0"
  else
    grep -q '^ITEM: BOX BOUNDS pp pp pp' "$dump" && ok || bad "$name: no orthogonal BOX BOUNDS line"
    region="region r block 0 1 0 1 0 1"
  fi
  cat > "$name.lmp" <<LMP
units metal
atom_style atomic
boundary p p p
$region
create_box 1 r
mass 1 39.948
read_dump $dump 20 x y z vx vy vz box yes add keep
pair_style lj/cut 6.0
pair_coeff 1 1 0.0104 3.405
pair_modify shift yes
neighbor 1.0 bin
run 0
print "PE \$(pe:%.12f)"
write_dump all custom $name.back id x y z vx vy vz fx fy fz modify sort id format float %.12g
LMP
  "$lmp" -log "$name.lmplog" -screen none -in "$name.lmp" > /dev/null 2>&1 \
    || { bad "$name: lmp read_dump failed: $(grep -i error "$name.lmplog" | head -3)"; return; }
  python3 - "$dump" "$name.back" "$name.lmplog" "$name/thermo.csv" <<'EOF' && ok || bad "$name: LAMMPS read a different configuration"
import sys
dump, back, log, csv = sys.argv[1:]
def frame(path, step):
    L = open(path).read().split("\n")
    i = 0
    while i < len(L):
        if L[i] == "ITEM: TIMESTEP" and int(L[i + 1]) == step:
            n = int(L[i + 3]); box = L[i + 4]; b = [list(map(float, L[i + 5 + k].split())) for k in range(3)]
            cols = L[i + 8].split()[2:]
            rows = [dict(zip(cols, L[i + 9 + k].split())) for k in range(n)]
            return box, b, {int(r["id"]): r for r in rows}
        i += 1
    raise SystemExit("no step %d in %s" % (step, path))
_, b0, a0 = frame(dump, 20)
_, b1, a1 = frame(back, 20)
bad = []
for k in range(3):
    for m in range(len(b0[k])):
        if abs(b0[k][m] - b1[k][m]) > 1e-8: bad.append("box %d %d: %r vs %r" % (k, m, b0[k][m], b1[k][m]))
if sorted(a0) != sorted(a1): bad.append("ids differ")
for i in a0:
    for c, tol in (("x", 1e-8), ("y", 1e-8), ("z", 1e-8), ("vx", 1e-8), ("vy", 1e-8), ("vz", 1e-8),
                   ("fx", 1e-7), ("fy", 1e-7), ("fz", 1e-7)):
        d = abs(float(a0[i][c]) - float(a1[i][c]))
        if d > tol: bad.append("atom %d %s: dump %s, LAMMPS %s" % (i, c, a0[i][c], a1[i][c]))
pe = [float(l.split()[1]) for l in open(log) if l.startswith("PE ")][-1]
rows = [l.strip().split(",") for l in open(csv)]
ep = [float(r[1]) for r in rows[1:] if r[0] == "20"][0]
if abs(pe - ep) > 1e-8 * abs(ep): bad.append("LAMMPS pe %.12f vs nnmd epot %.12f" % (pe, ep))
for b in bad[:8]: print("  " + b)
print("  %s: %d atoms, pe LAMMPS %.10f nnmd %.10f" % (dump, len(a0), pe, ep))
sys.exit(1 if bad else 0)
EOF
}

write_input ortho 'lattice = { type = "fcc", a = 5.7048, repeat = [3, 3, 3], species = "Ar" }' \
  '{ file = "traj.lammpstrj", every = 10 }'
check_case ortho 0 ortho/traj.lammpstrj
write_input tri 'structure = "tri.extxyz"' \
  '{ file = "tri.dump", format = "lammps-dump", every = 10, columns = ["id", "type", "element", "x", "y", "z", "vx", "vy", "vz", "fx", "fy", "fz", "xu", "ix", "mass"] }'
check_case tri 1 tri/tri.dump
# the header names exactly the requested columns
grep -q '^ITEM: ATOMS id type element x y z vx vy vz fx fy fz xu ix mass$' tri/tri.dump && ok \
  || bad "columns header: $(grep -m1 '^ITEM: ATOMS' tri/tri.dump)"
# nnmd's epot of the triclinic cell does not depend on the rotation: lx etc. are LAMMPS' parameters
awk -F, 'NR==2{exit !($5 != 0 || $6 != 0 || $7 != 0)}' tri/thermo.csv && ok || bad "tri: the tilt columns are all 0"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
