#!/usr/bin/env python3
"""test_extxyz_velocities.py — nnmd's extxyz velocities (column velocities:R:3, A/ps) as ASE
momenta, both ways, through ase.io (nnmd.read / nnmd.write):
  1. `nnmd run` (Ar fcc, Maxwell-Boltzmann velocities, 0 steps) writes a trajectory frame;
     nnmd.read gives velocities v_ase = v / (1000 ase.units.fs) and momenta m v_ase
     (1e-12 relative);
  2. nnmd.write of those Atoms writes velocities:R:3 equal to nnmd's (1e-12) and no momenta;
  3. `nnmd run` reading that file (no [velocities] table) starts from the same velocities;
  4. a file of ase.io.write itself (momenta:R:3, 8 decimals): `nnmd run` reads the momenta
     as velocities v = p / m (1e-7 relative, the file's precision);
  5. ASE momenta (random) -> nnmd.write -> nnmd.read: the same momenta (1e-12).
Plain ase.io.read keeps the column as atoms.arrays["velocities"] (get_velocities() is zero):
that is why the helpers exist."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnmd_pytest_env as env  # noqa: E402

env.need(models=False)
import numpy as np  # noqa: E402
import ase.io  # noqa: E402
import ase.units  # noqa: E402
import nnmd  # noqa: E402

T = env.Tally()
work = tempfile.mkdtemp(prefix="nnmd_py_vel_")
os.chdir(work)
POT = """[[potential]]
type = "lj"
cutoff = 5.0
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
ensemble = "nve"
timestep = 0.002
steps = 0
[output]
thermo_every = 1
trajectory = { file = "%s", every = 1, velocities = true }
"""
with open("a.toml", "w") as f:
    f.write('[system]\nlattice = { type = "fcc", a = 5.26, repeat = [2, 2, 2], species = "Ar" }\n'
            "[velocities]\ntemperature = 100.0\nseed = 5\n" + POT % "t.extxyz")
r = env.run([env.NNMD_BIN, "-q", "run", "a.toml"])
if r.returncode != 0:
    print(r.stdout)
    T.check(False, "nnmd run a.toml failed")
    T.finish()


def rel(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(b).max())


v_nnmd = env.read_nnmd_extxyz("t.extxyz")[0]["velocities"]
T.check(np.abs(v_nnmd).max() > 0.1, "nnmd wrote no velocities")
plain = ase.io.read("t.extxyz")
T.check(np.abs(plain.get_velocities()).max() == 0 and "velocities" in plain.arrays,
        "plain ase.io.read: expected the column as an array and no momenta")
atoms = nnmd.read("t.extxyz")
v_ase = atoms.get_velocities()
T.check(rel(v_ase * 1000 * ase.units.fs, v_nnmd) <= 1e-12, "nnmd.read velocities: %.3g" % rel(v_ase * 1000 * ase.units.fs, v_nnmd))
m = atoms.get_masses()
T.check(abs(m[0] - 39.948) < 1e-9, "Ar mass %r" % m[0])
T.check(rel(atoms.get_momenta(), m[:, None] * v_nnmd / (1000 * ase.units.fs)) <= 1e-12, "nnmd.read momenta")
T.check("velocities" not in atoms.arrays, "the velocities column stayed in atoms.arrays")
# kinetic energy agrees with nnmd's temperature (100 K, 32 atoms, 3N-3 dof)
ekin = atoms.get_kinetic_energy()
temp = 2 * ekin / (3 * len(atoms) - 3) / ase.units.kB
T.check(abs(temp - 100.0) < 1e-3, "temperature from ASE momenta %.9g K, nnmd set 100 K" % temp)  # ASE vs LAMMPS constants

nnmd.write("w.extxyz", atoms)
w = env.read_nnmd_extxyz("w.extxyz")[0]
T.check("momenta" not in w, "nnmd.write wrote a momenta column")
T.check("velocities" in w and rel(w["velocities"], v_nnmd) <= 1e-12, "nnmd.write velocities differ from nnmd's")
with open("b.toml", "w") as f:
    f.write('[system]\nstructure = "w.extxyz"\n' + POT % "u.extxyz")
r = env.run([env.NNMD_BIN, "-q", "run", "b.toml"])
T.check(r.returncode == 0, "nnmd run b.toml failed: " + r.stdout)
if r.returncode == 0:
    u = env.read_nnmd_extxyz("u.extxyz")[0]["velocities"]
    T.check(rel(u, v_nnmd) <= 1e-12, "nnmd reading nnmd.write's file: velocities differ by %.3g" % rel(u, v_nnmd))

# ase.io.write's own extxyz (momenta:R:3, 8 decimals): nnmd reads momenta as v = p / m
a2 = atoms.copy()
a2.set_momenta(atoms.get_momenta())
ase.io.write("ase.extxyz", a2, format="extxyz")
T.check("momenta" in env.read_nnmd_extxyz("ase.extxyz")[0], "ase.io.write wrote no momenta column")
with open("c.toml", "w") as f:
    f.write('[system]\nstructure = "ase.extxyz"\n' + POT % "v.extxyz")
r = env.run([env.NNMD_BIN, "-q", "run", "c.toml"])
T.check(r.returncode == 0, "nnmd run c.toml failed: " + r.stdout)
if r.returncode == 0:
    v2 = env.read_nnmd_extxyz("v.extxyz")[0]["velocities"]
    # ase.io writes momenta with 8 decimals (~0.1-1 amu A/ASE-time here): 1e-7 relative
    T.check(rel(v2, v_nnmd) <= 1e-7, "nnmd reading ase.io.write's momenta: velocities differ by %.3g" % rel(v2, v_nnmd))
    print("ase.io.write momenta -> nnmd velocities: relative difference %.2g (8-decimal file)" % rel(v2, v_nnmd))

rng = np.random.default_rng(3)
p = rng.normal(size=(len(atoms), 3))
atoms.set_momenta(p)
nnmd.write("p.extxyz", [atoms, atoms])
back = nnmd.read("p.extxyz", index=":")
T.check(len(back) == 2, "two frames")
T.check(rel(back[1].get_momenta(), p) <= 1e-12, "momenta round trip: %.3g" % rel(back[1].get_momenta(), p))
print("velocity unit: 1 A/ps = %.17g ASE units; momenta round trip error %.2g" % (
    nnmd.extxyz.ANGSTROM_PER_PS, rel(back[1].get_momenta(), p)))
T.finish()
