"""Shared set-up of the Python tests (tests/python/test_*.py, ctest label "python").

The tests run the package from the source tree (python/ on sys.path) against the libnnmd.so
of the build (NNMD_LIBRARY, set by CTest). They exit 77 (skip) with a message when numpy or
ASE is missing from the interpreter CTest uses (-DNNMD_PYTHON=...; e.g. a virtual environment
with `pip install numpy ase`), or when ../shared/models is absent. Output convention of the
bash tests: lines "FAIL: ..." and a last line "N passed, N failed".
"""
import os
import subprocess
import sys

SRC = os.environ.get("NNMD_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("NNMD_SHARED_DIR") or os.path.join(os.path.dirname(SRC), "shared")
NNMD_BIN = os.environ.get("NNMD_BIN", "nnmd")
MODELS = os.path.join(SHARED, "models")
BOHR_PER_A = 1.8897261328


def skip(msg):
    print("skipped: " + msg)
    sys.exit(77)


def need(ase=True, models=True):
    if os.environ.get("NNMD_SKIP_PYTHON"):
        skip(os.environ["NNMD_SKIP_PYTHON"])
    try:
        import numpy  # noqa: F401
    except ImportError:
        skip("numpy is not installed for %s (configure with -DNNMD_PYTHON=/path/to/venv/bin/python)" % sys.executable)
    if ase:
        try:
            import ase  # noqa: F401
        except ImportError:
            skip("ASE is not installed for %s (pip install ase; configure with -DNNMD_PYTHON=...)" % sys.executable)
    if models and not os.path.isdir(MODELS):
        skip("%s is absent" % MODELS)
    sys.path.insert(0, os.path.join(SRC, "python"))


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + what)
        sys.stdout.flush()

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def read_n2p2(path):
    """The first structure of an n2p2 input.data file: (cell rows or None, positions, symbols)."""
    import numpy as np
    cell, pos, sym = [], [], []
    with open(path) as f:
        for line in f:
            t = line.split()
            if not t:
                continue
            if t[0] == "lattice":
                cell.append([float(x) for x in t[1:4]])
            elif t[0] == "atom":
                pos.append([float(x) for x in t[1:4]])
                sym.append(t[4])
            elif t[0] == "end":
                break
    return (np.array(cell) if cell else None), np.array(pos), sym


def model_units(model_dir):
    """(length_unit, energy_unit) of a shared model from its reference files; 'reduced' (LJ)
    is run as angstrom / eV (no conversion)."""
    ref = os.path.join(model_dir, "reference")
    for name in sorted(os.listdir(ref)):
        if name.endswith(".ref"):
            lu = eu = None
            for line in open(os.path.join(ref, name)):
                t = line.split()
                if len(t) >= 2 and t[0] == "length_unit":
                    lu = t[1]
                if len(t) >= 2 and t[0] == "energy_unit":
                    eu = t[1]
            if lu == "reduced" or eu == "reduced":
                return "angstrom", "eV"
            return lu, eu
    raise RuntimeError("no .ref file in " + ref)


def atoms_in_angstrom(model_dir, data_file):
    """The structure of an n2p2 .data file (model units) as ASE Atoms in A."""
    from ase import Atoms
    lu, _ = model_units(model_dir)
    s = 1.0 / BOHR_PER_A if lu == "bohr" else 1.0
    cell, pos, sym = read_n2p2(data_file)
    if cell is None:
        return Atoms(sym, positions=pos * s, pbc=False)
    return Atoms(sym, positions=pos * s, cell=cell * s, pbc=True)


def write_extxyz17(path, atoms):
    """extxyz with every number as %.17g (read back as the same doubles by nnmd and ASE)."""
    with open(path, "w") as f:
        f.write("%d\n" % len(atoms))
        head = "Properties=species:S:1:pos:R:3"
        if atoms.pbc.any():
            lat = " ".join("%.17g" % x for x in atoms.cell.array.reshape(-1))
            head = 'Lattice="%s" %s pbc="%s"' % (lat, head, " ".join("T" if p else "F" for p in atoms.pbc))
        f.write(head + "\n")
        for s, p in zip(atoms.get_chemical_symbols(), atoms.positions):
            f.write("%s %.17g %.17g %.17g\n" % (s, p[0], p[1], p[2]))


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, **kw)


def read_nnmd_extxyz(path):
    """Frames of an extxyz file written by nnmd (own parser, no ASE conventions): a list of dicts
    with the comment-line values ('energy', 'virial', 'stress', 'Lattice' as float lists) and
    the per-atom columns by name (numpy arrays, n x ncomp; 'species' as a list)."""
    import shlex
    import numpy as np
    frames = []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i])
        kv = {}
        for tok in shlex.split(lines[i + 1]):
            k, _, v = tok.partition("=")
            kv[k] = v
        fr = {}
        for k in ("energy", "virial", "stress", "Lattice"):
            if k in kv:
                vals = [float(x) for x in kv[k].split()]
                fr[k] = vals[0] if len(vals) == 1 else np.array(vals)
        props = kv["Properties"].split(":")
        rows = [lines[i + 2 + j].split() for j in range(n)]
        col = 0
        for name, typ, cnt in zip(props[0::3], props[1::3], props[2::3]):
            cnt = int(cnt)
            if typ == "S":
                fr[name] = [r[col] for r in rows]
            else:
                fr[name] = np.array([[float(x) for x in r[col:col + cnt]] for r in rows])
            col += cnt
        frames.append(fr)
        i += n + 2
    return frames
