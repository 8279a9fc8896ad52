#!/usr/bin/env python3
"""phonons.py — phonons and lattice thermal conductivity of a crystal from an HDNNP through
nnmd's Python package (docs/python.md): the workflow of Minamitani et al., APEX 12, 095001
(2019) (phonopy / phono3py forces of many displaced supercells from a neural network potential).

Crystals (--crystal):
  batio3  BaTiO3 (5 atoms) with nnmd's shipped model models/batio3-pbe/model (trained by
          `nnmd train` on PBE data; units recorded in the model), in the training data's
          tetragonal cell (a = 3.966, c = 4.304 A, PBE's large c/a; the cell is kept: every
          training frame has it). The positions are relaxed from a random displacement of the
          P4mm structure without symmetry constraints (the model's own minimum, whichever
          phase it is), its symmetry is then detected (1e-2 A) and imposed for the final
          relaxation, so the phonons are those of a minimum, not of a saddle point.
  ice-xi  ice XI (proton-ordered ice Ih, Cmc2_1, 12 atoms) with the n2p2 water model
          H2O_RPBE-D3 (Morawietz et al., PNAS 113, 8368 (2016); Bohr / Hartree), which nnmd does
          not ship: pass its folder with --model (shared/models/H2O_RPBE-D3 of the nnmd project).
          Built from the ideal hexagonal-ice oxygen lattice with the ferroelectric ordering of
          ice XI (every vertical bond's H on its lower O; each molecule's other H on the basal bond
          parallel to b), then relaxed (positions and cell, symmetry kept).

Steps and outputs (in --out, default ./phonons_<crystal>):
  1. relaxation: lattice constants, space group, residual force and stress;
  2. phonopy (fc2 on --fc2-supercell): the forces of all displaced supercells and the time nnmd
     took for them; the same forces from `nnmd predict` on a file of all supercells (max
     difference); force-constant symmetry (Phi_ij^ab = Phi_ji^ba, sum rule) before phonopy's
     symmetrization; frequencies at Gamma (the three acoustic ones ~ 0); band structure
     (band.yaml, band.png) and DOS (total_dos.dat, dos.png);
  3. phono3py (fc3 on --fc3-supercell, fc2 from step 2's supercell): displaced supercells,
     nnmd's time for them, kappa(T) in the relaxation-time approximation on --mesh, with the
     settings and the wall time (kappa-*.hdf5 and kappa.txt).
Units: A, eV, THz, W/(m K).

    NNMD_LIBRARY=build/libnnmd.so PYTHONPATH=python python python/examples/phonons.py --nnmd build/nnmd
    NNMD_LIBRARY=build/libnnmd.so PYTHONPATH=python python python/examples/phonons.py --crystal ice-xi \\
      --model ../shared/models/H2O_RPBE-D3 --nnmd build/nnmd
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from ase import Atoms
from ase.constraints import FixSymmetry
from ase.filters import FrechetCellFilter
from ase.neighborlist import neighbor_list
from ase.optimize import BFGS

import nnmd

OH = 0.98  # initial O-H bond length (A)
HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(os.path.dirname(os.path.dirname(HERE)), "models")


def batio3_p4mm(a=3.96608, c=4.30403, dz_ti=0.02, dz_o=-0.03):
    """Tetragonal BaTiO3 (P4mm) in the training data's cell: Ba at the origin, Ti and the O
    octahedron shifted along c (fractional dz) so that the relaxation starts inside the
    ferroelectric well."""
    frac = [[0, 0, 0], [0.5, 0.5, 0.5 + dz_ti], [0.5, 0.5, dz_o], [0.5, 0, 0.5 + dz_o], [0, 0.5, 0.5 + dz_o]]
    return Atoms("BaTiO3", scaled_positions=frac, cell=np.diag([a, a, c]), pbc=True)


def batio3_start(seed=1, rattle=0.03):
    """Start of BaTiO3's search for the model's minimum: the P4mm cell with every atom displaced
    at random (Gaussian, `rattle` A), so that no symmetry is imposed on the relaxation."""
    atoms = batio3_p4mm()
    atoms.positions += np.random.default_rng(seed).normal(0.0, rattle, atoms.positions.shape)
    return atoms


def ice_xi(a=4.50, c=7.32):
    """Ice XI (Cmc2_1) in the 12-atom hexagonal cell: O on the ideal wurtzite sites, H placed
    on the O-O bonds with the ice XI ordering."""
    cell = np.array([[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]])
    frac = [[1 / 3, 2 / 3, 0], [2 / 3, 1 / 3, 0.5], [1 / 3, 2 / 3, 3 / 8], [2 / 3, 1 / 3, 7 / 8]]
    ox = Atoms("O4", scaled_positions=frac, cell=cell, pbc=True)
    i, d = neighbor_list("iD", ox, 3.0)
    h = []
    for o in range(4):
        bonds = d[i == o]
        kv = int(np.argmax(np.abs(bonds[:, 2])))  # the bond along c
        basal = [b for k, b in enumerate(bonds) if k != kv]
        kb = int(np.argmax([abs(b[1]) / np.linalg.norm(b[:2]) for b in basal]))  # the basal bond along b
        if bonds[kv, 2] > 0:  # lower end of its vertical bond: H up the c bond and on the b bond
            owned = [bonds[kv], basal[kb]]
        else:  # upper end: H on the two other basal bonds
            owned = [b for k, b in enumerate(basal) if k != kb]
        h += [ox.positions[o] + OH * b / np.linalg.norm(b) for b in owned]
    return ox + Atoms("H%d" % len(h), positions=h)


def spacegroup(atoms, symprec=1e-5):
    import spglib
    return spglib.get_spacegroup((atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers), symprec=symprec)


def to_ase(ph_atoms):
    return Atoms(ph_atoms.symbols, cell=ph_atoms.cell, scaled_positions=ph_atoms.scaled_positions, pbc=True)


def forces_of(calc, supercells):
    """Forces of every displaced supercell (None entries of phono3py are skipped: zeros)."""
    out = []
    t0, c0 = time.perf_counter(), time.process_time()
    for sc in supercells:
        if sc is None:
            out.append(None)
            continue
        a = to_ase(sc)
        a.calc = calc
        out.append(a.get_forces().copy())
    return out, time.perf_counter() - t0, time.process_time() - c0


def write_extxyz17(path, images):
    with open(path, "w") as f:
        for a in images:
            f.write("%d\nLattice=\"%s\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" % (
                len(a), " ".join("%.17g" % x for x in a.cell.array.reshape(-1))))
            for s, p in zip(a.get_chemical_symbols(), a.positions):
                f.write("%s %.17g %.17g %.17g\n" % (s, p[0], p[1], p[2]))


def predict_forces(nnmd_bin, model, images, work, units):
    """Forces of the same structures from `nnmd predict` (one multi-frame run)."""
    src = os.path.join(work, "supercells.extxyz")
    out = os.path.join(work, "supercells.pred.extxyz")
    write_extxyz17(src, images)
    t0 = time.perf_counter()
    unit_args = ["--length-unit", units[0], "--energy-unit", units[1]] if units else []
    subprocess.run([nnmd_bin, "-q", "predict", model, src, "-o", out] + unit_args, check=True)
    wall = time.perf_counter() - t0
    forces, lines, k = [], open(out).read().splitlines(), 0
    while k < len(lines):
        n = int(lines[k])
        head = lines[k + 1]
        props = head.split("Properties=")[1].split()[0].split(":")
        col, off = 0, None
        for name, typ, cnt in zip(props[0::3], props[1::3], props[2::3]):
            if name == "forces":
                off = col
            col += int(cnt)
        forces.append(np.array([[float(x) for x in lines[k + 2 + j].split()[off:off + 3]] for j in range(n)]))
        k += n + 2
    return forces, wall


# Per crystal: builder, default model and units (None: recorded in the model), formula units
# per cell, band path (points, labels), supercells, kappa mesh and temperatures.
CRYSTALS = {
    "batio3": dict(build=batio3_start, model=os.path.join(SHIPPED, "batio3-pbe", "model"), units=(None, None),
                   fu=1, name="BaTiO3 (tetragonal training cell)", relax_cell=False, free_start=True,
                   points={"G": [0, 0, 0], "X": [0.5, 0, 0], "M": [0.5, 0.5, 0], "Z": [0, 0, 0.5],
                           "R": [0.5, 0, 0.5], "A": [0.5, 0.5, 0.5]},
                   path="GXMGZRAZ", dos_mesh=[20, 20, 20], fc2=[4, 4, 4], fc3=[2, 2, 2], fc3_cutoff=None,
                   mesh=[8, 8, 8], temperatures=[100, 200, 300, 400, 500]),
    "ice-xi": dict(build=ice_xi, model=None, units=("bohr", "hartree"), fu=4, name="ice XI", relax_cell=True,
                   free_start=False,
                   points={"G": [0, 0, 0], "M": [0.5, 0, 0], "K": [1 / 3, 1 / 3, 0], "A": [0, 0, 0.5],
                           "L": [0.5, 0, 0.5], "H": [1 / 3, 1 / 3, 0.5]},
                   path="GMKGALHA", dos_mesh=[16, 16, 12], fc2=[4, 4, 3], fc3=[2, 2, 2], fc3_cutoff=3.5,
                   mesh=[6, 6, 4], temperatures=[50, 100, 150, 200, 250]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--crystal", choices=sorted(CRYSTALS), default="batio3")
    ap.add_argument("--model", help="model folder (default: the crystal's shipped model)")
    ap.add_argument("--length-unit", help="model length unit (default: recorded in the model, or the crystal's)")
    ap.add_argument("--energy-unit", help="model energy unit")
    ap.add_argument("--nnmd", default=shutil.which("nnmd"), help="nnmd program, for the comparison with nnmd predict")
    ap.add_argument("--out", help="output folder (default ./phonons_<crystal>)")
    ap.add_argument("--fc2-supercell", type=int, nargs=3)
    ap.add_argument("--fc3-supercell", type=int, nargs=3)
    ap.add_argument("--fc3-cutoff", type=float, help="phono3py cutoff pair distance (A; default none for BaTiO3)")
    ap.add_argument("--mesh", type=int, nargs=3, help="q mesh of the kappa calculation")
    ap.add_argument("--temperatures", type=float, nargs="+")
    ap.add_argument("--no-kappa", action="store_true", help="skip phono3py")
    args = ap.parse_args()
    cr = CRYSTALS[args.crystal]
    args.model = args.model or cr["model"]
    if not args.model:
        ap.error("--crystal %s needs --model (the n2p2 H2O_RPBE-D3 folder)" % args.crystal)
    for key in ("fc2", "fc3", "mesh", "temperatures"):
        attr = {"fc2": "fc2_supercell", "fc3": "fc3_supercell"}.get(key, key)
        if getattr(args, attr) is None:
            setattr(args, attr, cr[key])
    if args.fc3_cutoff is None:
        args.fc3_cutoff = cr["fc3_cutoff"]
    args.out = args.out or "phonons_" + args.crystal
    os.makedirs(args.out, exist_ok=True)
    units = (args.length_unit or cr["units"][0], args.energy_unit or cr["units"][1])
    report = {"crystal": cr["name"], "model": os.path.abspath(args.model), "units": units,
              "library": nnmd.library_path()}
    kw = {"length_unit": units[0], "energy_unit": units[1]} if units[0] else {}
    calc = nnmd.Calculator(model=args.model, **kw)

    # 1. the crystal, relaxed with its symmetry kept
    xtal = cr["build"]()
    xtal.calc = calc
    t0 = time.perf_counter()
    free_steps = 0
    if cr["free_start"]:  # find the model's minimum without imposing a symmetry, then refine it
        from ase.spacegroup.symmetrize import refine_symmetry
        opt0 = BFGS(xtal, logfile=os.path.join(args.out, "relax_free.log"))
        opt0.run(fmax=1e-3, steps=2000)
        free_steps = opt0.nsteps
        refine_symmetry(xtal, symprec=1e-2)
    xtal.set_constraint(FixSymmetry(xtal, symprec=1e-3))
    # BaTiO3: positions only (every training frame has the same cell; other cells extrapolate)
    opt = BFGS(FrechetCellFilter(xtal) if cr["relax_cell"] else xtal, logfile=os.path.join(args.out, "relax.log"))
    opt.run(fmax=1e-4, steps=2000)
    xtal.set_constraint()
    lengths = xtal.cell.lengths()
    relax = {"steps": opt.nsteps, "unconstrained_steps": free_steps, "load_average": os.getloadavg(), "wall_s": time.perf_counter() - t0, "spacegroup": spacegroup(xtal),
             "a_b_c_A": ([lengths[0], lengths[0] * np.sqrt(3), lengths[2]] if args.crystal == "ice-xi"
                         else lengths.tolist()),
             "cell_A": xtal.cell.array.tolist(), "scaled_positions": xtal.get_scaled_positions().tolist(),
             "energy_per_formula_unit_eV": xtal.get_potential_energy() / cr["fu"],
             "max_force_eV_A": float(np.abs(xtal.get_forces()).max()),
             "max_stress_eV_A3": float(np.abs(xtal.get_stress()).max()),
             "extrapolation_warnings": calc.results["extrapolation_warnings"],
             }
    if args.crystal == "ice-xi":
        relax["O_O_A"] = float(np.sort(neighbor_list("d", xtal[[0, 1, 2, 3]], 3.0))[0])
    report["relaxation"] = relax
    print("%s relaxed: %s, a b c = %.4f %.4f %.4f A, %.6f eV/formula unit, |F| < %.1e eV/A, %d steps"
          % (cr["name"], relax["spacegroup"], *relax["a_b_c_A"], relax["energy_per_formula_unit_eV"],
             relax["max_force_eV_A"], relax["steps"]))
    xtal.write(os.path.join(args.out, "%s.extxyz" % args.crystal))

    # 2. phonopy
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms
    unit = PhonopyAtoms(symbols=xtal.get_chemical_symbols(), cell=xtal.cell.array,
                        scaled_positions=xtal.get_scaled_positions())
    ph = Phonopy(unit, supercell_matrix=np.diag(args.fc2_supercell), primitive_matrix="P")
    ph.generate_displacements(distance=0.01)
    scs = ph.supercells_with_displacements
    forces, wall, cpu = forces_of(calc, scs)
    natoms = len(scs[0])
    p2 = {"supercell": args.fc2_supercell, "atoms": natoms, "displacements": len(scs), "distance_A": 0.01,
          "nnmd_wall_s": wall, "nnmd_cpu_s": cpu, "nnmd_ms_per_supercell": 1000 * wall / len(scs)}
    print("phonopy: %d displaced supercells of %d atoms, nnmd forces in %.2f s wall, %.2f s CPU (%.1f ms each)"
          % (len(scs), natoms, wall, cpu, p2["nnmd_ms_per_supercell"]))
    if args.nnmd:
        pf, pwall = predict_forces(args.nnmd, args.model, [to_ase(s) for s in scs], args.out, units if units[0] else None)
        diff = max(float(np.abs(a - b).max()) for a, b in zip(forces, pf))
        fmax = max(float(np.abs(b).max()) for b in pf)
        p2.update(predict_wall_s=pwall, predict_max_abs_diff_eV_A=diff, max_abs_force_eV_A=fmax)
        print("nnmd predict on the same %d supercells (%.2f s incl. start-up and file I/O): max |dF| = %.3g eV/A "
              "(max |F| %.3g)" % (len(pf), pwall, diff, fmax))
    ph.forces = np.array(forces)
    ph.produce_force_constants()
    fc = ph.force_constants.copy()
    fcmax = np.abs(fc).max()
    sym = float(np.abs(fc - fc.transpose(1, 0, 3, 2)).max())
    asr = float(np.abs(fc.sum(axis=1)).max())
    ph.run_qpoints([[0, 0, 0]])
    g_raw = ph.qpoints.frequencies[0].copy()
    ph.symmetrize_force_constants()
    fcs = ph.force_constants
    sym_s = float(np.abs(fcs - fcs.transpose(1, 0, 3, 2)).max())
    asr_s = float(np.abs(fcs.sum(axis=1)).max())
    ph.run_qpoints([[0, 0, 0]])
    g = ph.qpoints.frequencies[0]
    p2.update(fc_max_eV_A2=float(fcmax), fc_asymmetry_raw=sym, fc_sum_rule_raw=asr, fc_asymmetry_symmetrized=sym_s,
              fc_sum_rule_symmetrized=asr_s, gamma_THz_raw=g_raw.tolist(), gamma_THz=g.tolist())
    print("force constants (max %.3g eV/A^2): |Phi_ij^ab - Phi_ji^ba| <= %.2e, |sum_j Phi_ij| <= %.2e (raw); "
          "%.2e, %.2e after phonopy's symmetrization" % (fcmax, sym, asr, sym_s, asr_s))
    print("Gamma (THz), raw FCs: %s" % " ".join("%.4f" % f for f in g_raw[:6]))
    print("Gamma (THz), symmetrized: %s ... %s" % (" ".join("%.4f" % f for f in g[:6]),
                                                     " ".join("%.2f" % f for f in g[-3:])))
    # band structure along the crystal's path and DOS
    path = [[cr["points"][x] for x in cr["path"]]]
    from phonopy.phonon.band_structure import get_band_qpoints_and_path_connections
    qs, con = get_band_qpoints_and_path_connections(path, npoints=51)
    ph.run_band_structure(qs, path_connections=con, labels=["$\\Gamma$" if x == "G" else x for x in cr["path"]])
    ph.write_yaml_band_structure(filename=os.path.join(args.out, "band.yaml"))
    ph.run_mesh(cr["dos_mesh"])
    mesh_f = ph.mesh.frequencies
    p2["dos_mesh"] = cr["dos_mesh"]
    p2["imaginary_fraction_dos_mesh"] = float((mesh_f < -0.01).mean())  # modes below -0.01 THz
    ph.run_total_dos()
    ph.write_total_dos(filename=os.path.join(args.out, "total_dos.dat"))
    fmin = float(min(f.min() for f in ph.band_structure.frequencies))
    p2["min_band_frequency_THz"] = fmin
    try:
        import matplotlib
        matplotlib.use("Agg")
        ph.plot_band_structure().savefig(os.path.join(args.out, "band.png"))
        ph.plot_total_dos().savefig(os.path.join(args.out, "dos.png"))
    except Exception as e:  # plotting is optional
        print("no plots: %s" % e)
    report["phonopy"] = p2

    # 3. phono3py: kappa(T) in the RTA
    if not args.no_kappa:
        from phono3py import Phono3py
        p3 = Phono3py(unit, supercell_matrix=np.diag(args.fc3_supercell),
                      phonon_supercell_matrix=np.diag(args.fc2_supercell), primitive_matrix="P")
        p3.generate_displacements(distance=0.03, cutoff_pair_distance=args.fc3_cutoff)
        p3.generate_fc2_displacements(distance=0.01)
        scs3 = p3.supercells_with_displacements
        f3, wall3, cpu3 = forces_of(calc, scs3)
        n3 = sum(1 for s in scs3 if s is not None)
        nat3 = len(p3.supercell)
        f3 = np.array([f if f is not None else np.zeros((nat3, 3)) for f in f3])
        p3.forces = f3
        p3.phonon_forces = np.array(forces)
        p3.produce_fc3()
        p3.symmetrize_fc3()
        p3.produce_fc2()
        p3.symmetrize_fc2()
        t0, c0 = time.perf_counter(), time.process_time()
        p3.mesh_numbers = args.mesh
        p3.init_phph_interaction()
        p3.run_thermal_conductivity(temperatures=args.temperatures, is_isotope=False, write_kappa=True,
                                    output_filename=None)
        kwall, kcpu = time.perf_counter() - t0, time.process_time() - c0
        kappa = p3.thermal_conductivity.kappa[0]  # (T, 6): xx yy zz yz xz xy
        k3 = {"fc3_supercell": args.fc3_supercell, "fc3_atoms": nat3, "fc3_displacements": n3,
              "fc3_cutoff_pair_distance_A": args.fc3_cutoff, "fc3_distance_A": 0.03, "mesh": args.mesh,
              "method": "RTA, no isotope scattering", "nnmd_wall_s": wall3, "nnmd_cpu_s": cpu3, "kappa_cpu_s": kcpu,
              "nnmd_ms_per_supercell": 1000 * wall3 / max(n3, 1), "kappa_wall_s": kwall,
              "temperatures_K": list(args.temperatures), "kappa_W_mK_xx_yy_zz": kappa[:, :3].tolist()}
        report["phono3py"] = k3
        print("phono3py: %d displaced supercells of %d atoms (pair cutoff %s), nnmd forces in %.1f s wall, "
              "%.1f s CPU (%.1f ms each)" % (n3, nat3, "%.2f A" % args.fc3_cutoff if args.fc3_cutoff else "none",
                                              wall3, cpu3, k3["nnmd_ms_per_supercell"]))
        print("kappa (RTA, mesh %s, %.1f s wall, %.1f s CPU):" % ("x".join(map(str, args.mesh)), kwall, kcpu))
        with open(os.path.join(args.out, "kappa.txt"), "w") as f:
            f.write("# T (K)  kappa_xx kappa_yy kappa_zz (W/m-K), %s, model %s, RTA, mesh %s\n"
                    % (cr["name"], os.path.basename(os.path.normpath(args.model)), "x".join(map(str, args.mesh))))
            for t, k in zip(args.temperatures, kappa):
                line = "%7.1f  %9.4f %9.4f %9.4f" % (t, k[0], k[1], k[2])
                f.write(line + "\n")
                print("  " + line)
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
