#!/usr/bin/env bash
# nnmd's LAMMPS dump read by OVITO's Python module (pip install ovito; not a CI dependency:
# skipped (77) unless `import ovito` works in $NNMD_OVITO_PYTHON, default python3). For an
# orthogonal and a general triclinic cell (rotated to LAMMPS' restricted form by nnmd): OVITO
# finds every frame, the atoms with their element names, velocities and forces, positions equal
# to the dump's, and a cell with the lengths and volume of the original one (1e-6).
set -u
bin="${NNMD_BIN:?}"
py="${NNMD_OVITO_PYTHON:-python3}"
"$py" -c "import ovito, numpy" 2>/dev/null || { echo "SKIP: OVITO python module not importable by $py (pip install ovito)"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
mk() { # $1 = name, $2 = [system] line
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
thermo_every = 10
report = false
prefix = "$1_"
trajectory = { file = "$1.lammpstrj", every = 10 }
TOML
  "$bin" run "$1.toml" > "$1.log" 2>&1 || bad "run $1: $(tail -2 "$1.log")"
}
"$py" - <<'EOF2'
import numpy as np
h = np.array([[12.9, 0.6, -0.4], [1.3, 12.6, 0.5], [0.9, -1.1, 13.2]])  # rows a, b, c
s = (np.indices((4, 4, 4)).reshape(3, -1).T + 0.05) / 4
r = s @ h
with open("tri.extxyz", "w") as f:
    f.write("%d\nLattice=\"%s\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" % (len(r), " ".join("%.10f" % x for x in h.ravel())))
    for p in r: f.write("Ar %.10f %.10f %.10f\n" % tuple(p))
EOF2
mk ortho 'lattice = { type = "fcc", a = 5.7048, repeat = [3, 3, 3], species = "Ar" }'
mk tri 'structure = "tri.extxyz"'
"$py" - <<'EOF2' && ok || bad "OVITO read a different configuration"
import numpy as np
from ovito.io import import_file
ref_cells = {"ortho": np.diag([17.1144] * 3), "tri": np.array([[12.9, 0.6, -0.4], [1.3, 12.6, 0.5], [0.9, -1.1, 13.2]])}
bad = []
for name, h in ref_cells.items():
    path = name + ".lammpstrj"
    p = import_file(path)
    if p.source.num_frames != 4: bad.append("%s: %d frames" % (name, p.source.num_frames))
    d = p.compute(3)
    L = open(path).read().split("\n")
    i = [k for k, l in enumerate(L) if l == "ITEM: TIMESTEP"][3]
    n = int(L[i + 3]); cols = L[i + 8].split()[2:]
    rows = {int(x.split()[0]): x.split() for x in L[i + 9:i + 9 + n]}
    ids = np.array(d.particles.identifiers)
    for prop, names in (("Position", "xyz"), ("Velocity", ("vx", "vy", "vz")), ("Force", ("fx", "fy", "fz"))):
        if prop not in d.particles: bad.append("%s: no %s" % (name, prop)); continue
        ref = np.array([[float(rows[j][cols.index(c)]) for c in names] for j in ids])
        if np.abs(np.array(d.particles[prop]) - ref).max() > 1e-6: bad.append("%s: %s differs" % (name, prop))
    if sorted(t.name for t in d.particles.particle_types.types) != ["Ar"]: bad.append("%s: element names" % name)
    c = np.array(d.cell[...])[:, :3]
    if abs(abs(np.linalg.det(c)) - abs(np.linalg.det(h))) > 1e-6 * abs(np.linalg.det(h)): bad.append("%s: volume" % name)
    if np.abs(np.linalg.norm(c, axis=0) - np.linalg.norm(h, axis=1)).max() > 1e-6: bad.append("%s: cell lengths" % name)
for b in bad: print("  " + b)
raise SystemExit(1 if bad else 0)
EOF2
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
