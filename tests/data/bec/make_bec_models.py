#!/usr/bin/env python3
"""make_bec_models.py -- writes the sample BEC models of nnmd (docs/bec.md) and their structures.

    python3 tests/data/bec/make_bec_models.py [OUTDIR]      (default: this script's folder)

Writes OUTDIR/{LiPO,HO,tiny}/ with bec.nn, bec-scaling.data, bec-weights.NNN.data and
OUTDIR/li3po4_64.extxyz, OUTDIR/h2o_molecule.extxyz. The models are NOT trained: the weights
are random but smooth (tanh hidden layers, weights ~ U(-1,1)/sqrt(fan_in)); the output bias of
c0 is a nominal charge per element (Li +1, P +5, O -2 in LiPO; H +0.41, O -0.82 in HO and tiny)
and the other outputs are small, so Z* = q I + O(0.1) covariant corrections. The SF scaling
statistics are the ranges seen in sample structures (a random Li3PO4 cell; the liquid-water
reference h2o_192 of shared/models/H2O_RPBE-D3 and inputs/water_1536.extxyz; a water molecule),
widened by 25 % on each side (50 % for HO).
  LiPO: Li/P/O, angstrom, cutoff_type 6 (POLY2), 10 SFs per element, K = 3, P = 9, 91 outputs,
        hidden 10-10 tanh, field_first.
  HO:   H/O, BOHR (to run beside the H2O_RPBE-D3 water NNP), cutoff_type 2, 8 SFs per element,
        K = 2, P = 4, 21 outputs, hidden 8-8 tanh, force_first; scaling from h2o_192 and every
        8th atom of inputs/water_1536.extxyz, widened by 50 %.
  tiny: H/O, angstrom, cutoff_type 1 (cos), 2 SFs per element, K = 2, P = 4, 21 outputs,
        hidden 4 tanh, field_first (the worked example of docs/bec.md).
Deterministic (random.Random with fixed seeds); pure Python, uses tests/nnp/bec_reference.py for
the symmetry functions.
"""
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "nnp"))
import bec_reference as ref  # noqa: E402

WEIGHTS_HEADER = """################################################################################
# Neural network connection values (weights and biases) of an nnmd BEC model.
################################################################################
# Col  Name       Description
################################################################################
# 1    connection Neural network connection value.
# 2    t          Connection type (a = weight, b = bias).
# 3    index      Index enumerating weights.
# 4    l_s        Starting point layer (end point layer for biases).
# 5    n_s        Starting point neuron in starting layer (end point neuron for biases).
# 6    l_e        End point layer.
# 7    n_e        End point neuron in end layer.
################################################################################
"""


def write_bec_nn(folder, title, elements, cutoff, scaling, sfs, radial, hidden, order, unit):
    P = len(elements) * len(radial)
    n_out = 1 + P + P * P
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "bec.nn"), "w") as f:
        f.write("# %s\n# Sample nnmd BEC model made by tests/data/bec/make_bec_models.py (random weights,\n"
                "# NOT trained). Format: docs/bec.md.\n" % title)
        f.write("number_of_elements %d\nelements %s\n" % (len(elements), " ".join(elements)))
        f.write("cutoff_type %s\n" % cutoff)
        for line in scaling:
            f.write(line + "\n")
        f.write("global_hidden_layers_short %d\nglobal_nodes_short %s\nglobal_activation_short %s l\n"
                % (len(hidden), " ".join(str(h) for h in hidden), " ".join("t" for _ in hidden)))
        f.write("# nnmd keywords (docs/bec.md)\n")
        f.write("nnmd_length_unit %s\nnnmd_bec_index_order %s\n" % (unit, order))
        for eta, rs, rc in radial:
            f.write("nnmd_bec_radial %r %r %r\n" % (eta, rs, rc))
        f.write("nnmd_bec_outputs %d   # 1 + P + P^2, P = %d elements x %d radial functions\n"
                % (n_out, len(elements), len(radial)))
        for line in sfs:
            f.write("symfunction_short " + line + "\n")


def sf_values(m, species, pos, lattice, atoms=None):
    """raw SFs of the atoms (all, or the list `atoms`); model units in"""
    atoms = list(range(len(pos))) if atoms is None else atoms
    nb = ref.neighbours(pos, lattice, ref.model_cutoff(m), atoms)
    idx = {e: k for k, e in enumerate(m.elements)}
    return [(species[i], ref.symmetry_functions(m, species[i], [(idx[species[j]], d) for j, d in lst]))
            for i, lst in zip(atoms, nb)]


def write_scaling(folder, m, structures, widen=0.25):
    """structures: list of (species, pos, lattice[, atoms]) in model units"""
    vals = {e: [] for e in m.elements}
    for st in structures:
        for el, g in sf_values(m, *st):
            vals[el].append(g)
    with open(os.path.join(folder, "bec-scaling.data"), "w") as f:
        f.write("# e_index sf_index Gmin Gmax Gmean Gsigma (ranges seen in sample structures, widened %d%%)\n"
                % round(100 * widen))
        for ie, e in enumerate(m.elements):
            for k in range(len(m.sfs[e])):
                col = [g[k] for g in vals[e]]
                lo, hi = min(col), max(col)
                w = hi - lo if hi > lo else 1.0
                mean = sum(col) / len(col)
                sig = math.sqrt(sum((x - mean) ** 2 for x in col) / len(col)) or 1.0
                f.write("%4d %4d %24.16E %24.16E %24.16E %24.16E\n"
                        % (ie + 1, k + 1, lo - widen * w, hi + widen * w, mean, sig))


def write_weights(folder, m, hidden, charges, seed, out_scale=0.2):
    rng = random.Random(seed)
    P = m.P
    n_out = 1 + P + P * P
    for e in m.elements:
        sizes = [len(m.sfs[e])] + hidden + [n_out]
        L = len(sizes) - 1
        rows = []
        for l in range(1, L + 1):
            fan = sizes[l - 1]
            amp = (out_scale if l == L else 1.0) / math.sqrt(fan)
            for j in range(fan):
                for k in range(sizes[l]):
                    rows.append(("a", rng.uniform(-amp, amp), (l - 1, j + 1, l, k + 1)))
            for k in range(sizes[l]):
                b = rng.uniform(-0.1, 0.1) if l < L else (charges[e] if k == 0 else rng.uniform(-0.05, 0.05))
                rows.append(("b", b, (l, k + 1)))
        with open(os.path.join(folder, "bec-weights.%03d.data" % ref.atomic_number(e)), "w") as f:
            f.write(WEIGHTS_HEADER)
            for n, (t, v, ix) in enumerate(rows):
                f.write("%24.16E %s %9d %s\n" % (v, t, n + 1, " ".join("%5d" % x for x in ix)))


def write_extxyz(path, species, pos, lattice, comment):
    with open(path, "w") as f:
        f.write("%d\n" % len(species))
        lat = 'Lattice="%s" ' % " ".join(repr(x) for v in lattice for x in v) if lattice else ""
        pbc = 'pbc="T T T"' if lattice else 'pbc="F F F"'
        f.write('%sProperties=species:S:1:pos:R:3 %s comment="%s"\n' % (lat, pbc, comment))
        for s, p in zip(species, pos):
            f.write("%-2s %.10f %.10f %.10f\n" % (s, p[0], p[1], p[2]))


# ---------------------------------------------------------------- structures
def random_rotation(rng):
    q = [rng.gauss(0, 1) for _ in range(4)]
    n = math.sqrt(sum(x * x for x in q))
    a, b, c, d = (x / n for x in q)
    return [[a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d]]


def min_image_dist(p, q, L):
    d = [(p[k] - q[k]) - L * round((p[k] - q[k]) / L) for k in range(3)]
    return math.sqrt(sum(x * x for x in d))


def li3po4(seed, nfu=8, density=2.2):
    """nfu Li3PO4 units in a cubic cell: PO4 tetrahedra (P-O 1.55 A, O-O between tetrahedra
    >= 2.4 A) and Li at random (Li-O >= 1.8, Li-Li >= 2.2, Li-P >= 2.5 A)."""
    rng = random.Random(seed)
    L = (nfu * 115.79 / (density * 0.60221)) ** (1.0 / 3.0)
    s3 = 1.0 / math.sqrt(3.0)
    tet = [[s3, s3, s3], [s3, -s3, -s3], [-s3, s3, -s3], [-s3, -s3, s3]]
    limit = {("Li", "O"): 1.8, ("Li", "Li"): 2.2, ("Li", "P"): 2.5}
    while True:  # restart when random sequential placement jams
        species, pos = [], []
        tries = 0
        while species.count("P") < nfu and tries < 20000:
            tries += 1
            c = [rng.uniform(0, L) for _ in range(3)]
            if any(min_image_dist(c, q, L) < 3.5 for s, q in zip(species, pos) if s == "P"):
                continue
            R = random_rotation(rng)
            ox = [[c[k] + 1.55 * sum(R[k][m] * t[m] for m in range(3)) for k in range(3)] for t in tet]
            if any(min_image_dist(o, q, L) < 2.4 for o in ox for s, q in zip(species, pos) if s == "O"):
                continue
            species += ["P", "O", "O", "O", "O"]
            pos += [c] + ox
        while species.count("Li") < 3 * nfu and tries < 200000:
            tries += 1
            c = [rng.uniform(0, L) for _ in range(3)]
            if all(min_image_dist(c, q, L) > limit[("Li", s)] for s, q in zip(species, pos)):
                species.append("Li")
                pos.append(c)
        if species.count("Li") == 3 * nfu and species.count("P") == nfu:
            return species, pos, [[L, 0.0, 0.0], [0.0, L, 0.0], [0.0, 0.0, L]]


def read_n2p2_data(path):
    species, pos, lat = [], [], []
    with open(path) as f:
        for line in f:
            t = line.split()
            if t and t[0] == "lattice":
                lat.append([float(x) for x in t[1:4]])
            elif t and t[0] == "atom":
                pos.append([float(x) for x in t[1:4]])
                species.append(t[4])
            elif t and t[0] == "end":
                break
    return species, pos, lat


# a water molecule (r_OH 0.9572 A, angle 104.52 deg), its plane tilted by 30 deg about x
WATER = (["O", "H", "H"], [[0.0, 0.0, 0.0], [0.7572, 0.5079, 0.2933], [-0.7572, 0.5079, 0.2933]])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    os.makedirs(out, exist_ok=True)
    # ---- LiPO
    folder = os.path.join(out, "LiPO")
    els = ["Li", "P", "O"]
    sfs = []
    for ec in els:
        for e1 in els:
            for eta in (0.05, 0.5):
                sfs.append("%s 2 %s %g 0.0 6.0" % (ec, e1, eta))
        sfs.append("%s 3 O O 0.01 1.0 1.0 6.0" % ec)
        sfs.append("%s 3 O O 0.01 -1.0 1.0 6.0" % ec)
        sfs.append("%s 9 Li O 0.02 1.0 2.0 5.0" % ec)
        sfs.append("%s 9 P O 0.02 -1.0 4.0 5.0 0.5" % ec)
    radial = [(1.0, 1.6, 5.0), (0.5, 2.6, 5.0), (0.3, 3.6, 6.0)]
    write_bec_nn(folder, "Li3PO4 sample", els, "6 0.0",
                 ["scale_symmetry_functions", "center_symmetry_functions", "scale_min_short -1.0",
                  "scale_max_short 1.0"], sfs, radial, [10, 10], "field_first", "angstrom")
    m = ref.load_settings(folder)
    s1 = li3po4(11)
    write_scaling(folder, m, [s1, li3po4(12)])
    write_weights(folder, m, [10, 10], {"Li": 1.0, "P": 5.0, "O": -2.0}, seed=101)
    write_extxyz(os.path.join(out, "li3po4_64.extxyz"), *s1, "random Li3PO4 cell (make_bec_models.py)")
    # ---- HO (bohr)
    folder = os.path.join(out, "HO")
    els = ["H", "O"]
    sfs = []
    for ec in els:
        for e1 in els:
            for eta in (0.001, 0.02):
                sfs.append("%s 2 %s %g 0.0 12.0" % (ec, e1, eta))
        sfs.append("%s 3 H O 0.005 1.0 1.0 8.0" % ec)
        sfs.append("%s 3 O O 0.005 -1.0 1.0 8.0" % ec)
        sfs.append("%s 9 H H 0.01 1.0 2.0 8.0" % ec)
        sfs.append("%s 9 H O 0.01 -1.0 2.0 8.0" % ec)
    radial = [(0.5, 1.8, 6.0), (0.1, 3.5, 8.0)]
    write_bec_nn(folder, "water sample (lengths in bohr, like H2O_RPBE-D3)", els, "2",
                 ["scale_symmetry_functions", "scale_min_short 0.0", "scale_max_short 1.0"], sfs, radial,
                 [8, 8], "force_first", "bohr")
    m = ref.load_settings(folder)
    data = os.path.join(HERE, "..", "..", "..", "..", "shared", "models", "H2O_RPBE-D3", "reference",
                        "h2o_192.data")
    water = read_n2p2_data(data)
    sp, pos, lat = ref.read_extxyz(os.path.join(HERE, "..", "..", "..", "inputs", "water_1536.extxyz"))
    b = ref.BOHR_PER_ANGSTROM
    grid = (sp, [[x * b for x in p] for p in pos], [[x * b for x in v] for v in lat], list(range(0, 1536, 8)))
    write_scaling(folder, m, [water, grid], widen=0.5)
    write_weights(folder, m, [8, 8], {"H": 0.41, "O": -0.82}, seed=202)
    # ---- tiny (worked example)
    folder = os.path.join(out, "tiny")
    sfs = ["H 2 H 0.5 0.0 4.0", "H 2 O 0.5 0.0 4.0", "O 2 H 0.5 0.0 4.0", "O 9 H H 0.1 1.0 1.0 4.0"]
    radial = [(1.0, 0.9, 4.0), (0.5, 1.5, 4.0)]
    write_bec_nn(folder, "tiny worked example of docs/bec.md", els, "1 0.0",
                 ["scale_symmetry_functions", "scale_min_short 0.0", "scale_max_short 1.0"], sfs, radial, [4],
                 "field_first", "angstrom")
    m = ref.load_settings(folder)
    mols = []
    for k, s in enumerate((1.0, 0.9, 1.1)):
        mols.append((WATER[0], [[x * s for x in p] for p in WATER[1]], None))
    write_scaling(folder, m, mols)
    write_weights(folder, m, [4], {"H": 0.41, "O": -0.82}, seed=303, out_scale=0.5)
    write_extxyz(os.path.join(out, "h2o_molecule.extxyz"), WATER[0], WATER[1], None, "water molecule")


if __name__ == "__main__":
    main()
