#!/usr/bin/env python3
"""test_ase_fd.py — forces and stress of nnmd.Calculator against central finite differences
of its own energy, through ASE: F = -dE/dr for 12 components (h = 1e-4 A) and the stress
sigma_ab = (1/V) dE/d(eps_ab) for all six Voigt components (symmetric strain eps, cell and
positions deformed by (I + eps), d = 1e-5), which checks ASE's sign, units (eV/A^3) and Voigt
order (xx yy zz yz xz xy). Structures: Cu2S (eV/A model, monoclinic cell), liquid water
(Bohr/Hartree model, so the unit conversion is checked too) and nnmd's shipped BaTiO3 model
on its shipped 40-atom structure. Tolerance: 1e-6 relative to the
largest force / stress component plus 1e-7 eV/A (FD truncation and rounding)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnmd_pytest_env as env  # noqa: E402

env.need()
import numpy as np  # noqa: E402
import nnmd  # noqa: E402

T = env.Tally()
cases = [("Cu2S_PBE", "cu2s_144.data", "angstrom", "eV"), ("H2O_RPBE-D3", "h2o_192.data", "bohr", "hartree"),
         ("batio3-pbe", None, None, None)]  # nnmd's shipped model (units recorded) on its shipped structure
rng = np.random.default_rng(7)
for model, data, lu, eu in cases:
    if data is None:
        import ase.io
        shipped = os.path.join(env.SRC, "models", model)
        mdir = os.path.join(shipped, "model")
        atoms = ase.io.read(os.path.join(shipped, sorted(f for f in os.listdir(shipped) if f.endswith(".extxyz"))[0]))
        atoms.calc = nnmd.Calculator(model=mdir)
    else:
        mdir = os.path.join(env.MODELS, model)
        atoms = env.atoms_in_angstrom(mdir, os.path.join(mdir, "reference", data))
        atoms.calc = nnmd.Calculator(model=mdir, length_unit=lu, energy_unit=eu)
    atoms.rattle(0.02, seed=3)  # off the reference geometry
    f = atoms.get_forces()
    s = atoms.get_stress()
    fmax = np.abs(f).max()
    h = 1e-4
    errs = []
    for k in range(12):
        i, d = int(rng.integers(len(atoms))), int(rng.integers(3))
        p = atoms.positions.copy()
        a = atoms.copy()
        a.calc = atoms.calc
        p[i, d] += h
        a.positions = p
        ep = a.get_potential_energy()
        p[i, d] -= 2 * h
        a.positions = p
        em = a.get_potential_energy()
        errs.append(abs(-(ep - em) / (2 * h) - f[i, d]))
    ferr = max(errs)
    T.check(ferr <= 1e-6 * fmax + 1e-7, "%s: FD force error %.3g eV/A (max |F| %.3g)" % (model, ferr, fmax))
    # stress: sigma = (1/V) dE/deps, Voigt xx yy zz yz xz xy
    voigt = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    d = 1e-5
    V = atoms.get_volume()
    fd = np.zeros(6)
    for k, (a_, b_) in enumerate(voigt):
        es = []
        for sign in (1, -1):
            eps = np.zeros((3, 3))
            eps[a_, b_] += 0.5 * sign * d if a_ != b_ else sign * d
            eps[b_, a_] += 0.5 * sign * d if a_ != b_ else 0.0
            a = atoms.copy()
            a.calc = atoms.calc
            a.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
            es.append(a.get_potential_energy())
        fd[k] = (es[0] - es[1]) / (2 * d) / V  # off-diagonal: eps_ab = eps_ba = d/2, dE/dd = V sigma_ab
    serr = np.abs(fd - s).max()
    smax = np.abs(s).max()
    T.check(serr <= 1e-6 * smax + 1e-9, "%s: FD stress error %.3g eV/A^3 (max |stress| %.3g)\n  FD %s\n  calc %s" % (
        model, serr, smax, fd, s))
    print("%-12s FD force error %.2e eV/A (max |F| %.3g), FD stress error %.2e eV/A^3 (max |stress| %.3g)" % (
        model, ferr, fmax, serr, smax))
T.finish()
