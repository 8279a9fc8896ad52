#!/usr/bin/env python3
"""bec_reference.py -- an independent, deliberately plain implementation of nnmd's tensor-basis
Born-effective-charge model (docs/bec.md), used by tests/nnp/test_bec_reference.c to check the
C code to 1e-12.

    python3 bec_reference.py MODEL_DIR STRUCTURE.extxyz [N]

prints one line per atom (the first N atoms only if N is given): index (0-based), symbol, and the 9 components of Z* in the engine
convention Z[alpha][beta] (alpha = field, beta = force), row-major, as Python reprs (exact).

Nothing is shared with the C code: the files are parsed here, symmetry functions (n2p2 types
2, 3, 9, 12, 13 with cutoff types 0..8) follow shared/docs/n2p2-format.md section 5/6 term by
term, neighbours come from a brute-force loop over lattice images, the network is a plain
matrix-vector loop, and Z* is summed from the definition (no factorisation).
Pure Python (no numpy).
"""
import math
import sys

BOHR_PER_ANGSTROM = 1.8897261328  # the engine's constant (engine/units.h), so both agree

SYMBOLS = ("H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br "
           "Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho "
           "Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn").split()


def atomic_number(sym):
    return SYMBOLS.index(sym) + 1


# ---------------------------------------------------------------- model files
def read_settings(path):
    lines = []
    with open(path) as f:
        for raw in f:
            for c in "#!":
                if c in raw:
                    raw = raw[:raw.index(c)]
            tok = raw.split()
            if tok:
                lines.append(tok)
    return lines


def first(lines, key):
    for t in lines:
        if t[0] == key:
            return t[1:]
    return None


class Model:
    pass


def load_model(folder):
    m = load_settings(folder)
    load_scaling(m, folder)
    load_weights(m, folder)
    return m


def load_settings(folder):
    """bec.nn: elements, cutoff, radial functions, symmetry functions (sorted)."""
    m = Model()
    s = read_settings(folder + "/bec.nn")
    m.settings = s
    m.elements = sorted(first(s, "elements"), key=atomic_number)
    assert int(first(s, "number_of_elements")[0]) == len(m.elements)
    ct = first(s, "cutoff_type")
    m.cutoff_type = int(ct[0])
    m.alpha = float(ct[1]) if len(ct) > 1 else 0.0
    m.length = BOHR_PER_ANGSTROM if first(s, "nnmd_length_unit")[0] == "bohr" else 1.0
    m.force_first = first(s, "nnmd_bec_index_order")[0] == "force_first"
    m.radial = [tuple(float(x) for x in t[1:4]) for t in s if t[0] == "nnmd_bec_radial"]
    # symmetry functions per element, sorted as n2p2 does (n2p2-format.md section 6bis)
    idx = {e: k for k, e in enumerate(m.elements)}
    sfs = {e: [] for e in m.elements}
    for t in s:
        if t[0] not in ("symfunction_short", "symfunction"):
            continue
        ec, typ = t[1], int(t[2])
        if typ == 2:
            sf = dict(type=2, e1=idx[t[3]], eta=float(t[4]), rs=float(t[5]), rc=float(t[6]))
            key = (sf["rc"], sf["eta"], sf["rs"], sf["e1"])
        elif typ in (3, 9):
            e1, e2 = sorted((idx[t[3]], idx[t[4]]))
            sf = dict(type=typ, e1=e1, e2=e2, eta=float(t[5]), lam=float(t[6]), zeta=float(t[7]),
                      rc=float(t[8]), rs=float(t[9]) if len(t) > 9 else 0.0)
            key = (sf["rc"], sf["eta"], sf["rs"], sf["zeta"], sf["lam"], e1, e2)
        elif typ == 12:
            sf = dict(type=12, eta=float(t[3]), rs=float(t[4]), rc=float(t[5]))
            key = (sf["rc"], sf["eta"], sf["rs"])
        elif typ == 13:
            sf = dict(type=13, eta=float(t[3]), rs=float(t[4]), lam=float(t[5]), zeta=float(t[6]), rc=float(t[7]))
            key = (sf["rc"], sf["eta"], sf["rs"], sf["zeta"], sf["lam"])
        else:
            raise SystemExit("bec_reference.py: SF type %d not implemented" % typ)
        sfs[ec].append(((typ,) + key, sf))
    m.sfs = {e: [sf for _, sf in sorted(v, key=lambda q: q[0])] for e, v in sfs.items()}
    m.P = len(m.elements) * len(m.radial)
    return m


def load_scaling(m, folder):
    s = m.settings
    smin = float((first(s, "scale_min_short") or ["0"])[0])
    smax = float((first(s, "scale_max_short") or ["1"])[0])
    scale = first(s, "scale_symmetry_functions") is not None
    center = first(s, "center_symmetry_functions") is not None
    sigma = first(s, "scale_symmetry_functions_sigma") is not None
    rows = []
    with open(folder + "/bec-scaling.data") as f:
        for line in f:
            if not line.startswith("#"):
                rows.append([float(x) for x in line.split()])
    k = 0
    for e in m.elements:
        for sf in m.sfs[e]:
            row = rows[k]
            k += 1
            gmin, gmax, gmean = row[2], row[3], row[4]
            sf["gmin"], sf["gmax"] = gmin, gmax
            if scale and center:
                sf["map"] = (smin, (smax - smin) / (gmax - gmin), gmean)
            elif scale:
                sf["map"] = (smin, (smax - smin) / (gmax - gmin), gmin)
            elif center:
                sf["map"] = (0.0, 1.0, gmean)
            elif sigma:
                sf["map"] = (smin, (smax - smin) / row[5], gmean)
            else:
                sf["map"] = (0.0, 1.0, 0.0)
    assert k == len(rows)


def load_weights(m, folder):
    """networks: weights placed by their explicit layer / neuron columns"""
    s = m.settings
    hidden = [int(x) for x in first(s, "global_nodes_short")]
    acts = first(s, "global_activation_short")
    m.normalize = first(s, "normalize_nodes") is not None
    P = m.P
    m.nets = {}
    for e in m.elements:
        sizes = [len(m.sfs[e])] + hidden + [1 + P + P * (P + 1) // 2 + P * (P - 1) // 2]
        W = [None] + [[[None] * sizes[l - 1] for _ in range(sizes[l])] for l in range(1, len(sizes))]
        B = [None] + [[None] * sizes[l] for l in range(1, len(sizes))]
        with open("%s/bec-weights.%03d.data" % (folder, atomic_number(e))) as f:
            for line in f:
                t = line.split()
                if not t or line.startswith("#"):
                    continue
                if t[1] == "a":
                    ls, ns, le, ne = (int(x) for x in t[3:7])
                    assert le == ls + 1 and W[le][ne - 1][ns - 1] is None
                    W[le][ne - 1][ns - 1] = float(t[0])
                else:
                    l, n = int(t[3]), int(t[4])
                    assert B[l][n - 1] is None
                    B[l][n - 1] = float(t[0])
        for l in range(1, len(sizes)):
            assert all(b is not None for b in B[l]) and all(w is not None for row in W[l] for w in row)
        m.nets[e] = (sizes, W, B, acts)


# ---------------------------------------------------------------- functions
def cutoff(typ, alpha, r, rc):
    if r >= rc:
        return 0.0
    if typ == 0:
        return 1.0
    if typ == 2:
        return math.tanh(1.0 - r / rc) ** 3
    if typ == 3:
        return ((math.e + 1 / math.e) / (math.e - 1 / math.e)) ** 3 * math.tanh(1.0 - r / rc) ** 3
    ri = alpha * rc
    if r < ri:
        return 1.0
    x = (r - ri) / (rc - ri)
    if typ == 1:
        return 0.5 * (math.cos(math.pi * x) + 1.0)
    if typ == 4:
        return math.exp(1.0 - 1.0 / (1.0 - x * x))
    if typ == 5:
        return (2 * x - 3) * x * x + 1
    if typ == 6:
        return ((15 - 6 * x) * x - 10) * x ** 3 + 1
    if typ == 7:
        return (x * (x * (20 * x - 70) + 84) - 35) * x ** 4 + 1
    if typ == 8:
        return (x * (x * ((315 - 70 * x) * x - 540) + 420) - 126) * x ** 5 + 1
    raise SystemExit("cutoff type %d unknown" % typ)


def activation(a, x):
    if a == "l":
        return x
    if a == "t":
        return math.tanh(x)
    if a == "s":
        return 1.0 if x > 35 else (0.0 if x < -35 else 1.0 / (1.0 + math.exp(-x)))
    if a == "p":
        return x if x > 35 else (0.0 if x < -35 else math.log(1.0 + math.exp(x)))
    if a == "r":
        return max(x, 0.0)
    if a == "g":
        return math.exp(-0.5 * x * x)
    if a == "c":
        return math.cos(x)
    if a == "S":
        return 1.0 - 1.0 / (1.0 + math.exp(-x))
    if a == "e":
        return math.exp(-x)
    if a == "h":
        return x * x
    raise SystemExit("activation %s unknown" % a)


def symmetry_functions(m, ec, nbrs):
    """nbrs: list of (element index, vector d = r_j - r_i) in model units."""
    out = []
    ct, al = m.cutoff_type, m.alpha
    nb = [(ej, d, math.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)) for ej, d in nbrs]
    for sf in m.sfs[ec]:
        t, rc, eta = sf["type"], sf["rc"], sf["eta"]
        g = 0.0
        if t in (2, 12):
            for ej, d, r in nb:
                if r < rc and (t == 12 or ej == sf["e1"]):
                    w = atomic_number(m.elements[ej]) if t == 12 else 1.0
                    g += w * math.exp(-eta * (r - sf["rs"]) ** 2) * cutoff(ct, al, r, rc)
        else:
            lam, zeta, rs = sf["lam"], sf["zeta"], sf["rs"]
            narrow = t in (3, 13)
            # entries that can take part: inside rc (and of element e1 or e2 for types 3, 9)
            cand = [q for q in nb if q[2] < rc and (t == 13 or q[0] in (sf["e1"], sf["e2"]))]
            for a in range(len(cand)):
                for b in range(a + 1, len(cand)):
                    (ej, dj, rij), (ek, dk, rik) = cand[a], cand[b]
                    if t in (3, 9) and sorted((ej, ek)) != [sf["e1"], sf["e2"]]:
                        continue
                    rjk = math.sqrt(sum((dk[q] - dj[q]) ** 2 for q in range(3)))
                    if narrow and rjk >= rc:
                        continue
                    cos = sum(dj[q] * dk[q] for q in range(3)) / (rij * rik)
                    base = 1.0 + lam * cos
                    if base <= 0.0:
                        continue
                    term = 2.0 ** (1.0 - zeta) * base ** zeta
                    ex = (rij - rs) ** 2 + (rik - rs) ** 2
                    fc = cutoff(ct, al, rij, rc) * cutoff(ct, al, rik, rc)
                    if narrow:
                        ex += (rjk - rs) ** 2
                        fc *= cutoff(ct, al, rjk, rc)
                    w = 1.0
                    if t == 13:
                        w = atomic_number(m.elements[ej]) * atomic_number(m.elements[ek])
                    g += w * term * math.exp(-eta * ex) * fc
        out.append(g)
    return out


def network(m, ec, gs):
    sizes, W, B, acts = m.nets[ec]
    y = gs
    for l in range(1, len(sizes)):
        x = []
        for k in range(sizes[l]):
            s = B[l][k]
            for j in range(sizes[l - 1]):
                s += W[l][k][j] * y[j]
            if m.normalize:
                s /= sizes[l - 1]
            x.append(activation(acts[l - 1], s))
        y = x
    return y


def bec_of_atom(m, ec, nbrs):
    g = symmetry_functions(m, ec, nbrs)
    gs = [sf["map"][0] + sf["map"][1] * (gv - sf["map"][2]) for sf, gv in zip(m.sfs[ec], g)]
    c = network(m, ec, gs)
    K, P = len(m.radial), m.P
    v = [[0.0] * 3 for _ in range(P)]
    T = [[[0.0] * 3 for _ in range(3)] for _ in range(P)]
    for ej, d in nbrs:
        r = math.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)
        u = [d[q] / r for q in range(3)]
        for a, (eta, rs, rc) in enumerate(m.radial):
            if r >= rc:
                continue
            phi = math.exp(-eta * (r - rs) ** 2) * cutoff(m.cutoff_type, m.alpha, r, rc)
            p = ej * K + a
            for x in range(3):
                v[p][x] += phi * u[x]
                for y in range(3):
                    T[p][x][y] += phi * (u[x] * u[y] - (1.0 / 3.0 if x == y else 0.0))
    M = [[c[0] if x == y else 0.0 for y in range(3)] for x in range(3)]
    k = 1
    for p in range(P):
        for x in range(3):
            for y in range(3):
                M[x][y] += c[k] * T[p][x][y]
        k += 1
    for p in range(P):
        for q in range(p, P):
            for x in range(3):
                for y in range(3):
                    M[x][y] += c[k] * 0.5 * (v[p][x] * v[q][y] + v[q][x] * v[p][y])
            k += 1
    for p in range(P):
        for q in range(p + 1, P):
            for x in range(3):
                for y in range(3):
                    M[x][y] += c[k] * 0.5 * (v[p][x] * v[q][y] - v[q][x] * v[p][y])
            k += 1
    assert k == len(c)
    if m.force_first:
        M = [[M[y][x] for y in range(3)] for x in range(3)]
    return M, g


# ---------------------------------------------------------------- structures
def read_extxyz(path):
    with open(path) as f:
        n = int(f.readline())
        comment = f.readline()
        rows = [f.readline().split() for _ in range(n)]
    lattice = None
    props = "species:S:1:pos:R:3"
    # key="value" or key=value pairs
    i = 0
    while i < len(comment):
        j = comment.find("=", i)
        if j < 0:
            break
        key = comment[i:j].split()[-1]
        if comment[j + 1] == '"':
            end = comment.index('"', j + 2)
            val = comment[j + 2:end]
        else:
            end = j + 1
            while end < len(comment) and not comment[end].isspace():
                end += 1
            val = comment[j + 1:end]
        if key.lower() == "lattice":
            x = [float(t) for t in val.split()]
            lattice = [x[0:3], x[3:6], x[6:9]]
        elif key.lower() == "properties":
            props = val
        i = end + 1
    f = props.split(":")
    col, cs, cp = 0, None, None
    for k in range(0, len(f), 3):
        if f[k] == "species":
            cs = col
        if f[k] == "pos":
            cp = col
        col += int(f[k + 2])
    species = [r[cs] for r in rows]
    pos = [[float(x) for x in r[cp:cp + 3]] for r in rows]
    return species, pos, lattice


def neighbours(pos, lattice, rc, atoms=None):
    """For each atom: list of (j, d) with d = r_j + n.L - r_i, |d| < rc, images included."""
    n = len(pos)
    if lattice is None:
        images = [(0.0, 0.0, 0.0)]
    else:
        a, b, c = lattice

        def cross(u, v):
            return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]

        vol = abs(sum(x * y for x, y in zip(a, cross(b, c))))
        width = [vol / math.sqrt(sum(x * x for x in cross(u, v))) for u, v in ((b, c), (c, a), (a, b))]
        # positions may lie anywhere: span of the structure in units of the widths, plus rc
        span = [0, 0, 0]
        nr = [0, 0, 0]
        for k in range(3):
            nr[k] = int(math.ceil(rc / width[k])) + 1
        # fractional extent of the given positions (not wrapped: the reference does not rely on it)
        inv = invert([[a[0], b[0], c[0]], [a[1], b[1], c[1]], [a[2], b[2], c[2]]])
        fr = [[sum(inv[r][q] * p[q] for q in range(3)) for r in range(3)] for p in pos]
        for k in range(3):
            span[k] = int(math.ceil(max(f[k] for f in fr) - min(f[k] for f in fr)))
        images = []
        for i1 in range(-nr[0] - span[0], nr[0] + span[0] + 1):
            for i2 in range(-nr[1] - span[1], nr[1] + span[1] + 1):
                for i3 in range(-nr[2] - span[2], nr[2] + span[2] + 1):
                    images.append(tuple(i1 * a[q] + i2 * b[q] + i3 * c[q] for q in range(3)))
    out = []
    for i in range(n) if atoms is None else atoms:
        lst = []
        for j in range(n):
            for sh in images:
                d = [pos[j][q] + sh[q] - pos[i][q] for q in range(3)]
                r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
                if r2 == 0.0 or r2 >= rc * rc:
                    continue
                lst.append((j, d))
        out.append(lst)
    return out


def invert(A):
    (a, b, c), (d, e, f), (g, h, i) = A
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]]


def model_cutoff(m):
    rc = max(r[2] for r in m.radial)
    for e in m.elements:
        for sf in m.sfs[e]:
            rc = max(rc, sf["rc"])
    return rc


def evaluate(m, species, pos, lattice, atoms=None):
    """Z* and raw SFs of the atoms (all, or the list `atoms`); positions and lattice in A."""
    L = m.length
    pos = [[x * L for x in p] for p in pos]
    if lattice is not None:
        lattice = [[x * L for x in v] for v in lattice]
    atoms = list(range(len(pos))) if atoms is None else atoms
    nb = neighbours(pos, lattice, model_cutoff(m), atoms)
    idx = {e: k for k, e in enumerate(m.elements)}
    res = []
    for i, lst in zip(atoms, nb):
        res.append(bec_of_atom(m, species[i], [(idx[species[j]], d) for j, d in lst]))
    return res


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    m = load_model(sys.argv[1])
    species, pos, lattice = read_extxyz(sys.argv[2])
    atoms = list(range(min(len(pos), int(sys.argv[3])))) if len(sys.argv) == 4 else None
    res = evaluate(m, species, pos, lattice, atoms)
    for i, (Z, _) in zip(atoms if atoms is not None else range(len(pos)), res):
        print(i, species[i], " ".join(repr(Z[a][b]) for a in range(3) for b in range(3)))


if __name__ == "__main__":
    main()
