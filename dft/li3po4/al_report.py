"""Errors of a model on the labelled active-learning frames, with the committee score that picked each one.

`python3 al_report.py MODEL_DIR [--rounds 0 1] [--per-frame]` runs `nnmd predict` on the frames of
data/li3po4.extxyz whose id starts with al<R>- and prints, per round and overall: the number of frames, the
energy error (meV/atom, RMS and max), the force RMSE and the largest per-atom force error |dF| (eV/A), and the
Spearman rank correlation between the committee score recorded at selection (al_score) and the frame's force
RMSE. Two uses:
  - with the model that chose a round: was the committee right? (large score = large true error);
  - with a newer model trained without those frames: held-out errors on structures from MD (amorphous, hot),
    the test that crystal-only splits cannot give.
Units: eV, A. Needs numpy and a built nnmd (--nnmd). Not part of CI.
"""
import os
import sys

import numpy_or_debian  # noqa: F401,E402  (numpy, or a restart under /usr/bin/python3)

import argparse
import json
import re
import subprocess
import tempfile

import numpy as np

import active_learning as AL
import structures as S

HERE = os.path.dirname(os.path.abspath(__file__))


def ranks(x):
    r = np.empty(len(x))
    r[np.argsort(x)] = np.arange(len(x))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--rounds", type=int, nargs="*", help="default: every round with labelled frames")
    ap.add_argument("--per-frame", action="store_true")
    ap.add_argument("--held-out", metavar="TRAIN_JSON",
                    help="only the frames listed as test frames in this train.json (indices into the data file, "
                         "which only grows), e.g. MODEL_DIR/train.json for the model's own held-out AL frames")
    ap.add_argument("--data", default=os.path.join(HERE, "data", "li3po4.extxyz"))
    ap.add_argument("--nnmd", default=os.path.join(HERE, "..", "..", "build", "nnmd"))
    a = ap.parse_args()
    keep = None
    if a.held_out:
        with open(a.held_out) as f:
            keep = set(json.load(f)["test_frames"])
    frames = []
    for k, (s, info, cols) in enumerate(S.read_extxyz(a.data)):
        m = re.match(r"al(\d+)-", info["config_id"])
        if keep is not None and k not in keep:
            continue
        if m and (a.rounds is None or int(m.group(1)) in a.rounds):
            frames.append((int(m.group(1)), s, info, cols))
    if not frames:
        sys.exit("al_report.py: no labelled active-learning frame for these rounds")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.extxyz"), os.path.join(tmp, "out.extxyz")
        AL.write_extxyz(inp, [s for _, s, _, _ in frames])
        r = subprocess.run([os.path.abspath(a.nnmd), "-q", "predict", os.path.abspath(a.model), inp, "-o", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"nnmd predict failed: {r.stdout}{r.stderr}")
        pred = S.read_extxyz(out)
    rows = []
    for (rnd, s, info, cols), (_, pinfo, pcols) in zip(frames, pred):
        df = cols["forces"] - pcols["forces"]
        de = (float(info["energy"]) - float(pinfo["energy"])) / s.natoms * 1000.0
        rows.append((rnd, info["config_id"], float(info.get("al_score", "nan")), de,
                     float(np.sqrt((df ** 2).mean())), float(np.linalg.norm(df, axis=1).max()),
                     float(np.sqrt((cols["forces"] ** 2).mean())), s.natoms))
    print(f"model {os.path.abspath(a.model)} (sha256 {AL.model_hash(a.model)})")
    if a.per_frame:
        print(f"{'id':24s} {'score':>6} {'dE_meV/at':>9} {'F_rmse':>7} {'max|dF|':>7} {'F_rms':>6}")
        for rnd, cid, sc, de, fr, fm, frms, n in rows:
            print(f"{cid:24s} {sc:6.3f} {de:9.1f} {fr:7.3f} {fm:7.2f} {frms:6.2f}")
    print(f"{'round':>5} {'frames':>6} {'E_rmse':>7} {'E_max':>7} {'F_rmse':>7} {'max|dF|':>7} {'rho(score,F)':>12}")
    for label, sel in [(str(k), [x for x in rows if x[0] == k]) for k in sorted({x[0] for x in rows})] + \
            [("all", rows)]:
        de = np.array([x[3] for x in sel])
        n = np.array([x[7] for x in sel], dtype=float)
        fr = np.array([x[4] for x in sel])
        frmse = float(np.sqrt(np.sum(fr ** 2 * n) / np.sum(n)))
        sc = np.array([x[2] for x in sel])
        rho = float(np.corrcoef(ranks(sc), ranks(fr))[0, 1]) if len(sel) > 2 and np.all(np.isfinite(sc)) \
            else float("nan")
        print(f"{label:>5} {len(sel):6d} {np.sqrt(np.mean(de ** 2)):7.1f} {np.abs(de).max():7.1f} {frmse:7.3f} "
              f"{max(x[5] for x in sel):7.2f} {rho:12.2f}")
    print("E in meV/atom, F in eV/A; rho = Spearman rank correlation of the committee score and the force RMSE")


if __name__ == "__main__":
    main()
