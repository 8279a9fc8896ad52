"""nnmd's extxyz conventions for ASE: velocities <-> momenta.

nnmd writes (io/write_extxyz.c) and reads (io/read_extxyz.c) velocities as the per-atom
column ``velocities:R:3`` (``vel`` is read too) in A/ps. ASE keeps momenta (amu A / ASE time
unit, ASE time unit = A sqrt(amu/eV) = 1/ase.units.fs fs) and, reading such a file with
ase.io, stores the column as a plain array that get_velocities() ignores. ``read`` maps the
column to momenta, p = m v / (1000 ase.units.fs) (m: ASE's masses, the same standard atomic
weights nnmd uses); ``write`` writes ASE momenta as the A/ps column nnmd reads,
v = p / m * 1000 ase.units.fs, and no ``momenta`` column, with 17 significant digits.
Reading is ase.io's extxyz otherwise (energy, stress, forces of a SinglePointCalculator; extra
columns such as energies and born_charges:R:9 of ``nnmd predict`` as atoms.arrays).
"""
import ase.io
import ase.units
import numpy as np

# one A/ps in ASE's velocity unit (A per ASE time unit)
ANGSTROM_PER_PS = 1.0 / (1000.0 * ase.units.fs)
_COLUMNS = ("velocities", "vel")


def _to_ase(atoms):
    for name in _COLUMNS:
        if name in atoms.arrays:
            v = np.array(atoms.arrays[name], dtype=float).reshape(len(atoms), 3)
            del atoms.arrays[name]
            atoms.set_velocities(v * ANGSTROM_PER_PS)
            break
    return atoms


def read(filename, index=-1, **kwargs):
    """ase.io.read of an extxyz file (format="extxyz"), with nnmd's velocity column (A/ps)
    turned into ASE momenta. index as for ase.io.read (-1: the last frame; ":" all)."""
    images = ase.io.read(filename, index=index, format="extxyz", **kwargs)
    if isinstance(images, list):
        return [_to_ase(a) for a in images]
    return _to_ase(images)


def _fmt_value(v):
    if isinstance(v, (bool, np.bool_)):
        return "T" if v else "F"
    if isinstance(v, (int, np.integer)):
        return "%d" % v
    if isinstance(v, (float, np.floating)):
        return "%.17g" % v
    a = np.asarray(v)
    if a.dtype.kind in "if" and a.ndim == 1:
        return '"' + " ".join(("%d" if a.dtype.kind == "i" else "%.17g") % x for x in a) + '"'
    return None


def _frame(atoms):
    n = len(atoms)
    cols = [("species", "S", 1, np.array(atoms.get_chemical_symbols(), dtype=object)[:, None]),
            ("pos", "R", 3, atoms.positions)]
    if "momenta" in atoms.arrays:
        cols.append(("velocities", "R", 3, atoms.get_velocities() / ANGSTROM_PER_PS))
    for name, arr in atoms.arrays.items():
        if name in ("numbers", "positions", "momenta"):
            continue
        a = np.asarray(arr)
        if a.dtype.kind not in "if" or a.shape[0] != n or a.ndim > 2:
            continue
        a = a.reshape(n, -1)
        cols.append((name, "R" if a.dtype.kind == "f" else "I", a.shape[1], a))
    head = []
    if atoms.cell.any():
        head.append('Lattice="%s"' % " ".join("%.17g" % x for x in atoms.cell.array.reshape(-1)))
    head.append("Properties=" + ":".join("%s:%s:%d" % (c[0], c[1], c[2]) for c in cols))
    for k, v in atoms.info.items():
        t = _fmt_value(v)
        if t is not None and k.replace("_", "").isalnum():
            head.append("%s=%s" % (k, t))
    head.append('pbc="%s"' % " ".join("T" if p else "F" for p in atoms.pbc))
    lines = ["%d" % n, " ".join(head)]
    for i in range(n):
        parts = []
        for name, typ, cnt, a in cols:
            for x in a[i]:
                parts.append(x if typ == "S" else ("%.17g" % x if typ == "R" else "%d" % x))
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def write(filename, images):
    """Write extxyz in nnmd's conventions: species, pos, ASE momenta as velocities:R:3 (A/ps,
    the column nnmd reads) and no momenta column, the other numeric per-atom arrays and the
    numeric atoms.info values; every real with %.17g (ase.io's own extxyz writer uses %16.8f),
    so nnmd and ase.io read back the same doubles. images: one Atoms or a list of them."""
    if not isinstance(images, (list, tuple)):
        images = [images]
    with open(filename, "w") as f:
        for a in images:
            f.write(_frame(a))
