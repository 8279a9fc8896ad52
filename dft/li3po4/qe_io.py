"""Quantum ESPRESSO (6.7, Debian) input writers and output parsers for the Li3PO4 pipeline.

Units: energies Ry -> eV, forces Ry/bohr -> eV/A, stress Ry/bohr^3 -> eV/A^3.
Stress sign: QE prints the "total stress" with positive = compressive (P = +trace/3 > 0 for a compressed cell);
ASE's stress is positive = tensile, so stress_ASE = -stress_QE (checked on a compressed cell, see README).
Born charges: ph.x "Effective charges (d Force / dE) in cartesian axis": per atom, rows Ex, Ey, Ez; row a,
column b = dF_b/dE_a = Z*_{ab} (field index first, methods.md 4.1). Stored flattened row-major (a*3+b).
"""
import os
import re

import numpy as np

RY_EV = 13.605693122994
BOHR_A = 0.529177210903
RYBOHR_EVA = RY_EV / BOHR_A
RYBOHR3_EVA3 = RY_EV / BOHR_A ** 3

PSEUDOS = {"Li": "Li.pbe-s-rrkjus-soft.UPF", "P": "P.pbe-n-rrkjus.UPF", "O": "O.pbe-n-rrkjus.UPF"}
MASSES = {"Li": 6.94, "P": 30.973762, "O": 15.999}


def write_pw_input(path, s, pseudo_dir, kpts, ecutwfc=50.0, ecutrho=400.0, conv_thr=1e-8, outdir="./tmp",
                   prefix="pwscf"):
    species = [e for e in ("Li", "P", "O") if e in s.symbols]
    lines = [
        "&control",
        "  calculation = 'scf'",
        f"  prefix = '{prefix}'",
        f"  outdir = '{outdir}'",
        f"  pseudo_dir = '{os.path.abspath(pseudo_dir)}'",
        "  tprnfor = .true.",
        "  tstress = .true.",
        "  disk_io = 'low'",
        "/",
        "&system",
        "  ibrav = 0",
        f"  nat = {s.natoms}",
        f"  ntyp = {len(species)}",
        f"  ecutwfc = {ecutwfc}",
        f"  ecutrho = {ecutrho}",
        "  occupations = 'fixed'",
        "  nosym = .true.",
        "/",
        "&electrons",
        f"  conv_thr = {conv_thr:.1e}",
        "  mixing_beta = 0.5",
        "  electron_maxstep = 150",
        "/",
        "ATOMIC_SPECIES",
    ]
    lines += [f"  {e} {MASSES[e]} {PSEUDOS[e]}" for e in species]
    lines.append("CELL_PARAMETERS angstrom")
    lines += ["  " + " ".join(f"{x:.10f}" for x in row) for row in s.cell]
    lines.append("ATOMIC_POSITIONS angstrom")
    lines += [f"  {e} " + " ".join(f"{x:.10f}" for x in p) for e, p in zip(s.symbols, s.pos)]
    lines.append("K_POINTS automatic")
    lines.append(f"  {kpts[0]} {kpts[1]} {kpts[2]} 0 0 0")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_ph_input(path, outdir="./tmp", prefix="pwscf", tr2_ph=1e-12):
    text = f"""Li3PO4 epsilon_inf and Born effective charges at Gamma
&inputph
  prefix = '{prefix}'
  outdir = '{outdir}'
  tr2_ph = {tr2_ph:.1e}
  epsil = .true.
  trans = .false.
  fildyn = 'dyn'
/
0.0 0.0 0.0
"""
    with open(path, "w") as f:
        f.write(text)


class ParseError(RuntimeError):
    pass


def parse_pw(text, natoms):
    """Return dict: energy (eV), forces (N,3 eV/A), stress (3x3 eV/A^3, ASE sign), qe_version, converged,
    scf_iterations, pressure_kbar (QE's printed P)."""
    out = {}
    m = re.search(r"Program PWSCF v\.(\S+)", text)
    out["qe_version"] = m.group(1) if m else "unknown"
    if "convergence NOT achieved" in text or "convergence has been achieved" not in text:
        raise ParseError("SCF not converged")
    m = re.search(r"convergence has been achieved in\s+(\d+)\s+iterations", text)
    out["scf_iterations"] = int(m.group(1))
    m = re.findall(r"^!\s+total energy\s+=\s+(-?\d+\.\d+)\s+Ry", text, re.M)
    if len(m) != 1:
        raise ParseError(f"found {len(m)} final energies")
    out["energy"] = float(m[0]) * RY_EV
    # forces: the block after "Forces acting on atoms"; the first natoms "atom N type T force =" lines
    i = text.find("Forces acting on atoms")
    if i < 0:
        raise ParseError("no forces")
    fl = re.findall(r"atom\s+(\d+)\s+type\s+\d+\s+force\s+=\s+(\S+)\s+(\S+)\s+(\S+)", text[i:])
    if len(fl) < natoms:
        raise ParseError(f"{len(fl)} force lines for {natoms} atoms")
    fl = fl[:natoms]
    if [int(a) for a, *_ in fl] != list(range(1, natoms + 1)):
        raise ParseError("force lines out of order")
    out["forces"] = np.array([[float(x) for x in r[1:]] for r in fl]) * RYBOHR_EVA
    m = re.search(r"total\s+stress\s+\(Ry/bohr\*\*3\)\s+\(kbar\)\s+P=\s*(\S+)\s*\n(.*)\n(.*)\n(.*)\n", text)
    if not m:
        raise ParseError("no stress")
    out["pressure_kbar"] = float(m.group(1))
    rows = [m.group(k).split() for k in (2, 3, 4)]
    s_qe = np.array([[float(x) for x in r[:3]] for r in rows])  # Ry/bohr^3, QE sign (positive = compressive)
    s_kbar = np.array([[float(x) for x in r[3:6]] for r in rows])
    out["stress_qe_kbar"] = s_kbar
    out["stress"] = -s_qe * RYBOHR3_EVA3  # ASE sign: positive = tensile
    # internal consistency: kbar columns vs Ry/bohr^3 columns, and P = trace/3 of QE's matrix
    conv = RYBOHR3_EVA3 * 1.602176634e2 * 10  # eV/A^3 -> GPa -> kbar
    if np.max(np.abs(s_qe * conv - s_kbar)) > 0.02 + 1e-3 * np.max(np.abs(s_kbar)):
        raise ParseError("stress: Ry/bohr^3 and kbar columns disagree")
    if abs(np.trace(s_kbar) / 3 - out["pressure_kbar"]) > 0.02:
        raise ParseError("stress: P != trace/3")
    m = re.search(r"PWSCF\s+:\s+(.+?)CPU\s+(.+?)WALL", text)
    out["qe_timing"] = m.group(0).strip() if m else ""
    return out


def parse_ph(text, natoms):
    """Return dict: epsilon (3x3), zstar (N,3,3) with zstar[i,a,b] = dF_b/dE_a (no ASR applied)."""
    out = {}
    i = text.find("Dielectric constant in cartesian axis")
    if i < 0:
        raise ParseError("no dielectric constant")
    rows = re.findall(r"\(\s*(-?\d+\.\d+)\s+(-?\d+\.\d+)\s+(-?\d+\.\d+)\s*\)", text[i:])[:3]
    out["epsilon"] = np.array([[float(x) for x in r] for r in rows])
    j = text.find("Effective charges (d Force / dE) in cartesian axis")
    if j < 0:
        raise ParseError("no effective charges block")
    block = text[j:]
    head = block.splitlines()[0]
    out["zstar_header"] = head.strip()
    z = np.zeros((natoms, 3, 3))
    atoms = list(re.finditer(r"atom\s+(\d+)\s+(\S+)", block))
    if len(atoms) < natoms:
        raise ParseError(f"{len(atoms)} atoms in the Z* block")
    for k in range(natoms):
        a = atoms[k]
        if int(a.group(1)) != k + 1:
            raise ParseError("Z* atoms out of order")
        seg = block[a.end(): atoms[k + 1].start() if k + 1 < len(atoms) else len(block)]
        r = re.findall(r"E([xyz])\s+\(\s*(-?\d+\.\d+)\s+(-?\d+\.\d+)\s+(-?\d+\.\d+)\s*\)", seg)[:3]
        if [x[0] for x in r] != ["x", "y", "z"]:
            raise ParseError(f"Z* rows for atom {k + 1}: {r}")
        z[k] = [[float(v) for v in x[1:]] for x in r]
    out["zstar"] = z
    return out
