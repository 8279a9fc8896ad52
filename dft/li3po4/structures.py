"""Li3PO4 starting structures and the deterministic list of configurations to label.

Crystal data: /work/shared/docs/dft-li3po4.md (copied here so the project does not need it at run time).
  beta-Li3PO4  Pmn2_1, 16 atoms, Keffer et al., Inorg. Chem. 6, 119 (1967)
  gamma-Li3PO4 Pmnb (setting of Pnma), 32 atoms, Baur, Inorg. Nucl. Chem. Lett. 16, 525 (1980)

Every configuration has a stable id "<family>-<kind>-NNNN"; its random numbers come from
numpy.random.default_rng([SEED, crc32(family-kind), NNNN]) so an id always maps to the same structure,
whatever else is added to the list.
"""
import glob
import os
import re
import zlib

import numpy as np

SEED = 20240615

# ----------------------------------------------------------------------------------------------------------------
# Wyckoff data and symmetry operations (fractional; op = (R, t): x' = R x + t)


def _op(rot, t):
    return np.array(rot, dtype=float), np.array(t, dtype=float)


# beta: Pmn2_1 as given in the doc: (x,y,z); (1/2+x,-y,1/2+z); (-x,y,z); (1/2-x,-y,1/2+z)
BETA_OPS = [
    _op(np.diag([1, 1, 1]), [0, 0, 0]),
    _op(np.diag([1, -1, 1]), [0.5, 0, 0.5]),
    _op(np.diag([-1, 1, 1]), [0, 0, 0]),
    _op(np.diag([-1, -1, 1]), [0.5, 0, 0.5]),
]
BETA_CELL = (6.115, 5.2394, 4.8554)
BETA_SITES = [
    ("Li", (0.2481, 0.3277, 0.9860)),
    ("Li", (0.5, 0.8428, 0.9893)),
    ("P", (0.0, 0.8243, 0.0)),
    ("O", (0.20777, 0.68676, 0.8961)),
    ("O", (0.0, 0.1052, 0.9004)),
    ("O", (0.5, 0.1814, 0.8172)),
]

# gamma: Pmnb = Pnma with a and b exchanged (origin at -1). Derived from the 8 Pnma operations
# (x,y,z) (-x+1/2,-y,z+1/2) (-x,y+1/2,-z) (x+1/2,-y+1/2,-z+1/2) and their inverses by swapping x<->y.
_G = [
    (np.diag([1, 1, 1]), [0, 0, 0]),
    (np.diag([-1, -1, 1]), [0, 0.5, 0.5]),
    (np.diag([1, -1, -1]), [0.5, 0, 0]),
    (np.diag([-1, 1, -1]), [0.5, 0.5, 0.5]),
]
GAMMA_OPS = [_op(r, t) for r, t in _G] + [_op(-np.array(r), -np.array(t, dtype=float)) for r, t in _G]
GAMMA_CELL = (6.1147, 10.475, 4.9228)
GAMMA_SITES = [
    ("Li", (0.503, 0.163, 0.301)),
    ("Li", (0.75, 0.423, 0.202)),
    ("P", (0.25, 0.4115, 0.3088)),
    ("O", (0.0422, 0.3419, 0.2055)),
    ("O", (0.25, 0.0518, 0.2936)),
    ("O", (0.75, 0.09, 0.1223)),
]

ORDER = {"Li": 0, "P": 1, "O": 2}


class Structure:
    """cell: 3x3 rows = lattice vectors (A); symbols: list; pos: (N,3) cartesian (A)."""

    def __init__(self, cell, symbols, pos, info=None):
        self.cell = np.array(cell, dtype=float)
        self.symbols = list(symbols)
        self.pos = np.array(pos, dtype=float)
        self.info = dict(info or {})

    def copy(self):
        return Structure(self.cell.copy(), list(self.symbols), self.pos.copy(), dict(self.info))

    @property
    def natoms(self):
        return len(self.symbols)

    def frac(self):
        return self.pos @ np.linalg.inv(self.cell)

    def formula(self):
        return " ".join(f"{e}{self.symbols.count(e)}" for e in ("Li", "P", "O"))


def expand(cell_abc, sites, ops, tol=1e-3):
    cell = np.diag(cell_abc)
    symbols, fracs = [], []
    for sym, xyz in sites:
        x = np.array(xyz, dtype=float)
        orbit = []
        for rot, t in ops:
            y = (rot @ x + t) % 1.0
            if not any(np.all(np.abs(((y - z) + 0.5) % 1.0 - 0.5) < tol) for z in orbit):
                orbit.append(y)
        symbols += [sym] * len(orbit)
        fracs += orbit
    idx = sorted(range(len(symbols)), key=lambda i: ORDER[symbols[i]])
    symbols = [symbols[i] for i in idx]
    fracs = np.array([fracs[i] for i in idx])
    return Structure(cell, symbols, fracs @ cell)


# ----------------------------------------------------------------------------------------------------------------
# geometry


def pair_distances(s, rmax=4.0):
    """All pair distances < rmax with periodic images: list of (i, j, d)."""
    inv = np.linalg.inv(s.cell)
    # number of images needed along each axis: perpendicular widths
    vol = abs(np.linalg.det(s.cell))
    widths = [vol / np.linalg.norm(np.cross(s.cell[(k + 1) % 3], s.cell[(k + 2) % 3])) for k in range(3)]
    nimg = [int(np.ceil(rmax / w)) for w in widths]
    shifts = np.array([[i, j, k] for i in range(-nimg[0], nimg[0] + 1) for j in range(-nimg[1], nimg[1] + 1)
                       for k in range(-nimg[2], nimg[2] + 1)], dtype=float) @ s.cell
    frac = s.pos @ inv
    frac -= np.floor(frac)
    p = frac @ s.cell
    out = []
    n = s.natoms
    for i in range(n):
        d = p[None, :, :] - p[i][None, None, :] + shifts[:, None, :]  # (S, N, 3)
        r = np.linalg.norm(d, axis=2)
        for si, j in zip(*np.nonzero(r < rmax)):
            if j == i and np.allclose(shifts[si], 0):
                continue
            if j < i:
                continue
            out.append((i, int(j), float(r[si, j])))
    return out


# minimum allowed distances (A); a structure with any closer pair is rejected and redrawn
MIN_DIST = {("Li", "O"): 1.55, ("O", "P"): 1.30, ("O", "O"): 1.90, ("Li", "Li"): 1.70, ("Li", "P"): 2.00,
            ("P", "P"): 2.40}
MIN_ANY = 1.2


def too_close(s):
    for i, j, d in pair_distances(s, rmax=2.6):
        key = tuple(sorted((s.symbols[i], s.symbols[j])))
        if d < max(MIN_ANY, MIN_DIST.get(key, MIN_ANY)):
            return f"{s.symbols[i]}{i}-{s.symbols[j]}{j} {d:.3f} A"
    return None


def check_crystal(s, name, po=(1.540, 1.554), lio=(1.905, 2.035), tol=0.002):
    """P-O bonds within po, each P with 4 O; each Li with 4 O in lio (LiO4 tetrahedra; the doc's 1.91-2.03 A
    rounded to 2 decimals, so +-0.005). Raises on failure."""
    pairs = pair_distances(s, rmax=2.6)
    neigh = {i: [] for i in range(s.natoms)}
    for i, j, d in pairs:
        neigh[i].append((j, d))
        neigh[j].append((i, d))
    report = []
    for i, sym in enumerate(s.symbols):
        if sym == "P":
            o = sorted(d for j, d in neigh[i] if s.symbols[j] == "O" and d < 1.8)
            if len(o) != 4 or min(o) < po[0] - tol or max(o) > po[1] + tol:
                raise RuntimeError(f"{name}: P{i} bad PO4: {o}")
            report.append(("P-O", o))
        if sym == "Li":
            o = sorted(d for j, d in neigh[i] if s.symbols[j] == "O" and d < 2.3)
            if len(o) != 4 or min(o) < lio[0] - tol or max(o) > lio[1] + tol:
                raise RuntimeError(f"{name}: Li{i} not in a LiO4 tetrahedron: {o}")
            # tetrahedral: O-Li-O angles between ~90 and ~130 deg
            report.append(("Li-O", o))
    bad = too_close(s)
    if bad:
        raise RuntimeError(f"{name}: close pair {bad}")
    po_all = [d for k, v in report if k == "P-O" for d in v]
    li_all = [d for k, v in report if k == "Li-O" for d in v]
    return {"P-O": (min(po_all), max(po_all)), "Li-O": (min(li_all), max(li_all)),
            "nP": sum(1 for k, _ in report if k == "P-O"), "nLi": sum(1 for k, _ in report if k == "Li-O")}


def beta():
    s = expand(BETA_CELL, BETA_SITES, BETA_OPS)
    assert s.natoms == 16, s.natoms
    return s


def gamma():
    s = expand(GAMMA_CELL, GAMMA_SITES, GAMMA_OPS)
    assert s.natoms == 32, s.natoms
    return s


def supercell(s, reps):
    reps = tuple(reps)
    syms, pos = [], []
    for i in range(reps[0]):
        for j in range(reps[1]):
            for k in range(reps[2]):
                shift = np.array([i, j, k]) @ s.cell
                syms += s.symbols
                pos.append(s.pos + shift)
    pos = np.concatenate(pos)
    idx = sorted(range(len(syms)), key=lambda n: ORDER[syms[n]])
    return Structure(np.diag(reps) @ s.cell, [syms[n] for n in idx], pos[idx])


# ----------------------------------------------------------------------------------------------------------------
# variants


def rattle(s, rng, sigma):
    """Gaussian displacements with RMS displacement LENGTH sigma per atom (each Cartesian component has standard
    deviation sigma/sqrt(3)); uncorrelated between atoms."""
    t = s.copy()
    disp = rng.normal(0.0, sigma / np.sqrt(3.0), size=t.pos.shape)
    t.pos = s.pos + disp
    # atoms in too-close pairs get their displacement redrawn (a few rounds), so large rattles of big cells
    # do not need astronomically many whole-cell draws
    for _ in range(100):
        bad = close_atoms(t)
        if not bad:
            break
        for i in sorted(bad):
            disp[i] = rng.normal(0.0, sigma / np.sqrt(3.0), size=3)
        t.pos = s.pos + disp
    return t


def close_atoms(s):
    out = set()
    for i, j, d in pair_distances(s, rmax=2.6):
        key = tuple(sorted((s.symbols[i], s.symbols[j])))
        if d < max(MIN_ANY, MIN_DIST.get(key, MIN_ANY)):
            out.update((i, j))
    return out


def strain(s, rng, emax=0.04):
    """Random symmetric strain, each of the 6 components uniform in [-emax, emax] (shear included)."""
    e = rng.uniform(-emax, emax, size=6)
    eps = np.array([[e[0], e[5], e[4]], [e[5], e[1], e[3]], [e[4], e[3], e[2]]])
    f = np.eye(3) + eps
    t = s.copy()
    t.cell = s.cell @ f
    t.pos = s.pos @ f
    return t, e


def remove_li2o(s, rng):
    """Remove one O and two of the Li nearest to it (a neutral Li2O vacancy cluster)."""
    o_idx = [i for i, x in enumerate(s.symbols) if x == "O"]
    o = int(rng.choice(o_idx))
    li = [(d, j if i == o else i) for i, j, d in pair_distances(s, rmax=3.2)
          if o in (i, j) and s.symbols[j if i == o else i] == "Li"]
    li = sorted(set(li))
    cand = [j for _, j in li[:4]]
    drop = set([o] + [int(x) for x in rng.choice(cand, size=2, replace=False)])
    keep = [i for i in range(s.natoms) if i not in drop]
    t = Structure(s.cell, [s.symbols[i] for i in keep], s.pos[keep], s.info)
    return t, sorted(drop)


# ----------------------------------------------------------------------------------------------------------------
# the configuration list

# family -> base structure builder
BASES = {
    "beta": beta,
    "gamma": gamma,
    "beta2x1x2": lambda: supercell(beta(), (2, 1, 2)),
    "gamma1x1x2": lambda: supercell(gamma(), (1, 1, 2)),
}

# (family, kind, count, job): job "efs" = SCF energy/forces/stress, "bec" = SCF + DFPT epsilon/Z*
PLAN = [
    ("beta", "ideal", 1, "efs"),
    ("gamma", "ideal", 1, "efs"),
    ("beta", "rattle", 90, "efs"),
    ("beta", "strain", 30, "efs"),
    ("beta", "strainrattle", 60, "efs"),
    ("beta", "li2odef", 30, "efs"),
    ("beta", "hot", 30, "efs"),
    ("gamma", "rattle", 50, "efs"),
    ("gamma", "strain", 15, "efs"),
    ("gamma", "strainrattle", 35, "efs"),
    ("gamma", "li2odef", 20, "efs"),
    ("gamma", "hot", 20, "efs"),
    ("beta2x1x2", "rattle", 5, "efs"),
    ("beta2x1x2", "hot", 3, "efs"),
    ("beta2x1x2", "li2odef", 2, "efs"),
    ("gamma1x1x2", "rattle", 5, "efs"),
    ("gamma1x1x2", "strainrattle", 3, "efs"),
    ("gamma1x1x2", "hot", 3, "efs"),
    ("gamma1x1x2", "li2odef", 2, "efs"),
    # Born charges: 16-atom beta cells only (8 k-points; 1 k-point is not enough for Z*)
    ("beta", "bec-rattle", 30, "bec"),
    ("beta", "bec-strainrattle", 12, "bec"),
    ("beta", "bec-hot", 8, "bec"),
]

RATTLE = (0.02, 0.20)
HOT = (0.25, 0.35)
DEF_RATTLE = (0.02, 0.15)
BEC_RATTLE = (0.02, 0.12)


def make(family, kind, n, max_tries=200):
    """Build configuration n of (family, kind). Deterministic."""
    cid = f"{family}-{kind}-{n:04d}"
    rng = np.random.default_rng([SEED, zlib.crc32(f"{family}-{kind}".encode()), n])
    base = BASES[family]()
    k = kind[4:] if kind.startswith("bec-") else kind
    for attempt in range(max_tries):
        info = {}
        s = base
        if k == "ideal":
            pass
        elif k == "rattle":
            sig = rng.uniform(*(BEC_RATTLE if kind.startswith("bec-") else RATTLE))
            s = rattle(s, rng, sig)
            info["rattle_sigma"] = round(sig, 4)
        elif k == "strain":
            s, e = strain(s, rng)
            info["strain_voigt"] = " ".join(f"{x:.5f}" for x in e)
        elif k == "strainrattle":
            s, e = strain(s, rng)
            sig = rng.uniform(*(BEC_RATTLE if kind.startswith("bec-") else RATTLE))
            s = rattle(s, rng, sig)
            info["strain_voigt"] = " ".join(f"{x:.5f}" for x in e)
            info["rattle_sigma"] = round(sig, 4)
        elif k == "li2odef":
            s, drop = remove_li2o(s, rng)
            sig = rng.uniform(*DEF_RATTLE)
            s = rattle(s, rng, sig)
            info["removed_atoms"] = " ".join(map(str, drop))
            info["rattle_sigma"] = round(sig, 4)
        elif k == "hot":
            sig = rng.uniform(*HOT)
            s = rattle(s, rng, sig)
            info["rattle_sigma"] = round(sig, 4)
        else:
            raise ValueError(kind)
        bad = too_close(s)
        if bad is None:
            s.info.update(info)
            s.info.update({"config_id": cid, "config_kind": f"{family}-{kind}", "gen_attempts": attempt + 1})
            return s
    raise RuntimeError(f"{cid}: no acceptable structure in {max_tries} draws")


def reference_kmesh(family, spacing=9.5):
    """Gamma-centred mesh from the UNSTRAINED parent cell: n_i = ceil(spacing / |a_i|), so n_i |a_i| >= ~10 A
    (2x2x2 beta, 2x1x2 gamma, 1x2x1 / 2x1x1 for the 64-atom cells, as in dft-li3po4.md). Strained members of a
    family keep their parent's mesh."""
    return kmesh(BASES[family]().cell, spacing)


def kmesh(cell, spacing=9.5):
    """Gamma-centred mesh of a cell (rows = lattice vectors, A): n_i = ceil(spacing / |a_i|)."""
    return tuple(int(np.ceil(spacing / np.linalg.norm(a))) for a in cell)


# ----------------------------------------------------------------------------------------------------------------
# active-learning candidates: candidates/al<R>.extxyz, written by active_learning.py (structures picked from nnmd
# MD with the current model). Each frame carries its id, job ("efs" or "bec") and k-mesh.

CAND_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "candidates")


def _kv(line):
    """An extxyz comment line as a dict of strings (quoted values kept whole)."""
    out, i, n = {}, 0, len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        if i >= n:
            break
        j = line.index("=", i)
        key = line[i:j]
        j += 1
        if j < n and line[j] == '"':
            k = line.index('"', j + 1)
            out[key] = line[j + 1:k]
            i = k + 1
        else:
            k = line.find(" ", j)
            k = n if k < 0 else k
            out[key] = line[j:k]
            i = k
    return out


def read_extxyz(path):
    """All frames of an extxyz file as (Structure, info dict of strings, columns dict name -> list/array)."""
    frames = []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i])
        info = _kv(lines[i + 1])
        props = info["Properties"].split(":")
        cols, c = {}, 0
        rows = [lines[i + 2 + a].split() for a in range(n)]
        for p in range(0, len(props), 3):
            name, typ, width = props[p], props[p + 1], int(props[p + 2])
            if typ == "S":
                cols[name] = [r[c] for r in rows]
            else:
                cols[name] = np.array([[float(x) for x in r[c:c + width]] for r in rows])
            c += width
        cell = np.array([float(x) for x in info["Lattice"].split()]).reshape(3, 3)
        frames.append((Structure(cell, cols["species"], cols["pos"]), info, cols))
        i += 2 + n
    return frames


def _round_of(path):
    m = re.match(r"al(\d+)\.extxyz$", os.path.basename(path))
    return int(m.group(1)) if m else None


def candidate_jobs():
    """Jobs of every candidates/al<R>.extxyz (rounds in order, frames in file order)."""
    jobs = []
    files = [f for f in glob.glob(os.path.join(CAND_DIR, "al*.extxyz")) if _round_of(f) is not None]
    for path in sorted(files, key=_round_of):
        for n, (s, info, _) in enumerate(read_extxyz(path)):
            jobs.append({"id": info["config_id"], "family": "al", "kind": os.path.basename(path), "n": n,
                         "job": info.get("job", "efs"), "kpts": tuple(int(k) for k in info["kpts"].split())})
    return jobs


def make_candidate(job):
    s, info, _ = read_extxyz(os.path.join(CAND_DIR, job["kind"]))[job["n"]]
    if info["config_id"] != job["id"]:
        raise RuntimeError(f"{job['kind']} frame {job['n']} is {info['config_id']}, expected {job['id']}")
    s.info = {k: v for k, v in info.items() if k.startswith("al_")}
    s.info.update({"config_id": job["id"], "config_kind": f"al-md{s.natoms}"})
    return s


def job_kmesh(job):
    return tuple(job["kpts"]) if "kpts" in job else reference_kmesh(job["family"])


def make_job(job):
    return make_candidate(job) if job["family"] == "al" else make(job["family"], job["kind"], job["n"])


def job_list():
    """All jobs as dicts {id, family, kind, n, job, natoms_base}, in PLAN order (not queue order)."""
    jobs = []
    for family, kind, count, job in PLAN:
        for n in range(count):
            jobs.append({"id": f"{family}-{kind}-{n:04d}", "family": family, "kind": kind, "n": n, "job": job})
    return jobs


if __name__ == "__main__":
    for name, f in (("beta", beta), ("gamma", gamma), ("beta2x1x2", BASES["beta2x1x2"]),
                    ("gamma1x1x2", BASES["gamma1x1x2"])):
        s = f()
        r = check_crystal(s, name)
        print(f"{name:11s} {s.natoms:3d} atoms {s.formula():14s} cell {np.round(np.diag(s.cell), 4)} "
              f"P-O {r['P-O'][0]:.4f}-{r['P-O'][1]:.4f} ({r['nP']} PO4)  Li-O {r['Li-O'][0]:.4f}-{r['Li-O'][1]:.4f}"
              f" ({r['nLi']} LiO4)  kmesh {reference_kmesh(name)}")
