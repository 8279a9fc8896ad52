#!/usr/bin/env python3
"""cu2s_frames.py MODEL_DIR NNMD OUT.extxyz N [SEED] [AMP] [STRAIN] [TRAJ.extxyz]

Makes N labelled Cu2S frames for training tests: the reference cell cu2s_144 of the
Cu2S_PBE model (n2p2 input.data in A), rattled by Gaussian displacements of AMP A and
strained by a random symmetric strain of up to STRAIN (fraction), or, with TRAJ, frames of
an nnmd trajectory; each labelled by `nnmd predict` with the teacher model (energy, forces,
stress in eV, eV/A, eV/A^3). Pure python (no numpy); deterministic from SEED."""
import os
import random
import subprocess
import sys
import tempfile


def read_n2p2(path):
    lat, atoms = [], []
    for line in open(path):
        t = line.split()
        if not t:
            continue
        if t[0] == "lattice":
            lat.append([float(x) for x in t[1:4]])
        elif t[0] == "atom":
            atoms.append((t[4], [float(x) for x in t[1:4]]))
    return lat, atoms


def read_xyz_frames(path):
    frames = []
    with open(path) as f:
        while True:
            line = f.readline()
            if not line.strip():
                break
            n = int(line)
            comment = f.readline()
            lat = comment.split('Lattice="')[1].split('"')[0].split()
            lat = [[float(x) for x in lat[3 * a:3 * a + 3]] for a in range(3)]
            atoms = []
            for _ in range(n):
                t = f.readline().split()
                atoms.append((t[0], [float(x) for x in t[1:4]]))
            frames.append((lat, atoms))
    return frames


def write_xyz(path, lat, atoms):
    with open(path, "w") as f:
        f.write("%d\n" % len(atoms))
        f.write('Lattice="%s" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                % " ".join("%.12f" % x for v in lat for x in v))
        for s, r in atoms:
            f.write("%s %.12f %.12f %.12f\n" % (s, r[0], r[1], r[2]))


def main():
    model, nnmd, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    amp = float(sys.argv[6]) if len(sys.argv) > 6 else 0.05
    strain = float(sys.argv[7]) if len(sys.argv) > 7 else 0.02
    traj = sys.argv[8] if len(sys.argv) > 8 else None
    rng = random.Random(seed)
    if traj:
        src = read_xyz_frames(traj)
    else:
        src = [read_n2p2(os.path.join(model, "reference", "cu2s_144.data"))]
    tmp = tempfile.mkdtemp()
    with open(out, "w") as fo:
        for k in range(n):
            lat, atoms = src[k % len(src)]
            e = [[0.0] * 3 for _ in range(3)]
            for a in range(3):
                for b in range(a, 3):
                    e[a][b] = e[b][a] = rng.uniform(-strain, strain) * (1.0 if a == b else 0.5)
            F = [[(1.0 if a == b else 0.0) + e[a][b] for b in range(3)] for a in range(3)]
            new_lat = [[sum(F[i][j] * v[j] for j in range(3)) for i in range(3)] for v in lat]
            new_atoms = []
            for s, r in atoms:
                rr = [sum(F[i][j] * r[j] for j in range(3)) + rng.gauss(0.0, amp) for i in range(3)]
                new_atoms.append((s, rr))
            fin = os.path.join(tmp, "in.extxyz")
            fout = os.path.join(tmp, "out.extxyz")
            write_xyz(fin, new_lat, new_atoms)
            subprocess.run([nnmd, "-q", "predict", model, fin, "-o", fout, "--length-unit", "angstrom",
                            "--energy-unit", "eV"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            fo.write(open(fout).read())
    for name in ("in.extxyz", "out.extxyz"):
        p = os.path.join(tmp, name)
        if os.path.exists(p):
            os.remove(p)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
