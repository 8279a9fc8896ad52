"""Active learning for the Li3PO4 data set: melt-quench MD with the current nnmd model(s), frames picked for DFT.

One round (`python3 active_learning.py --round R --model DIR [--committee DIR ...]`):
  1. For each of --runs runs (seeded by the round and the run index, so a round is reproducible), a crystal
     (beta, 16 atoms, or every --gamma-every-th run gamma, 32 atoms) is scaled isotropically to a random density in [--rho-min, --rho-max]
     g/cm^3 and run with `nnmd run` (NVT, CSVR, 0.5 fs): a melt at T_melt (uniform in [--t-melt]) for
     --melt-steps, then a linear quench from T_melt to T_end (uniform in [--t-end]) over --quench-steps.
     Trajectory frames every --every steps; the thermo columns give each frame's extrapolation warnings
     (`warnings`) and temperature. A run stopped by nnmd's blow-up guard keeps the frames written before the stop.
  2. Every frame is scored. With committee models (other seeds / splits of the same data), the score is the
     committee's force disagreement, max over atoms of |std over models of F_i| (eV/A; `nnmd predict` on the
     trajectory, every model including --model). Without a committee the score is the warning count.
     Dropped: the starting crystal (step 0); from the first frame whose temperature exceeds 1.5 T_target + 300 K
     (the MD ran away on a hole of the model's energy surface) or that has a pair closer than the pipeline's
     minimum distances (structures.MIN_DIST: the model let atoms collapse) on, every frame of the run (the
     quench only continues a melt that stayed physical); with a committee, frames above --score-max.
  3. Per run the --per-run highest-scoring frames at least --min-gap frames apart are kept, plus the last frame
     of the quench (the amorphous end state). 16-atom frames get a Born-charge (DFPT) job every --bec-every
     candidates; all others are E/F/S jobs.
  4. The candidates are written to candidates/al<R>.extxyz (committed; E/F/S jobs first, then Z* jobs) with their provenance: al_round,
     al_model (sha256 of the model's weights), al_temperature (K), al_step, al_score, al_warn, al_density,
     job, kpts. run_pipeline.py queues them before the remaining crystal jobs.
Units: A, eV, ps, K, g/cm^3. Needs numpy and a built nnmd (--nnmd, default ../../build/nnmd). Not part of CI.
"""
import os
import sys

import numpy_or_debian  # noqa: F401,E402  (numpy, or a restart under /usr/bin/python3)

import argparse
import hashlib
import subprocess
import zlib

import numpy as np

import structures as S

HERE = os.path.dirname(os.path.abspath(__file__))
CAND_DIR = os.path.join(HERE, "candidates")
AL_WORK = os.path.join(HERE, "work", "al")
MASS = {"Li": 6.941, "P": 30.973762, "O": 15.9994}
AMU_G = 1.66053906660e-24  # g per amu


def density(s):
    m = sum(MASS[e] for e in s.symbols) * AMU_G
    return m / (abs(np.linalg.det(s.cell)) * 1e-24)


def scale_to_density(s, rho):
    f = (density(s) / rho) ** (1.0 / 3.0)
    t = s.copy()
    t.cell = s.cell * f
    t.pos = s.pos * f
    return t


def model_hash(d):
    h = hashlib.sha256()
    for name in sorted(os.listdir(d)):
        if name.startswith("weights.") or name in ("input.nn", "scaling.data"):
            with open(os.path.join(d, name), "rb") as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------------------------ extxyz

read_extxyz = S.read_extxyz


def write_extxyz(path, structs):
    lines = []
    for s in structs:
        kv = ["Lattice=\"" + " ".join(f"{x:.10f}" for x in s.cell.reshape(-1)) + "\"",
              "Properties=species:S:1:pos:R:3", 'pbc="T T T"']
        for k, v in s.info.items():
            v = str(v)
            kv.append(f'{k}="{v}"' if " " in v else f"{k}={v}")
        lines += [str(s.natoms), " ".join(kv)]
        lines += [f"{e:2s} " + " ".join(f"{x:16.10f}" for x in p) for e, p in zip(s.symbols, s.pos)]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------ MD with nnmd

MD_TEMPLATE = """# written by dft/li3po4/active_learning.py
[system]
structure = "{structure}"
frame = -1
[velocities]
temperature = {t0:.1f}
seed = {seed}
[[potential]]
type = "hdnnp"
model = "{model}"
max_extrapolation_warnings = -1
[run]
ensemble = "nvt"
thermostat = "csvr"
temperature = [{t0:.1f}, {t1:.1f}]
tdamp = 0.05
timestep = 0.0005
steps = {steps}
seed = {seed}
check_extrapolation_fraction = 1.0
[output]
thermo_every = {every}
trajectory = {{ file = "traj.extxyz", every = {every} }}
"""


def run_md(nnmd, rundir, name, structure, model, t0, t1, steps, every, seed):
    d = os.path.join(rundir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "md.toml"), "w") as f:
        f.write(MD_TEMPLATE.format(structure=structure, model=model, t0=t0, t1=t1, steps=steps, every=every,
                                   seed=seed))
    with open(os.path.join(d, "md.log"), "w") as log:
        rc = subprocess.run([nnmd, "run", "md.toml"], cwd=d, stdout=log, stderr=subprocess.STDOUT).returncode
    traj = os.path.join(d, "traj.extxyz")
    frames = read_extxyz(traj) if os.path.exists(traj) else []
    warn, temp = {}, {}
    thermo = os.path.join(d, "thermo.csv")
    if os.path.exists(thermo):
        rows = [r.split(",") for r in open(thermo).read().splitlines() if r and not r.startswith("#")]
        head = [h.strip() for h in rows[0]]
        for r in rows[1:]:
            step = int(float(r[head.index("step")]))
            warn[step] = int(float(r[head.index("warnings")]))
            temp[step] = float(r[head.index("temp_K")])
    return rc, frames, warn, temp, traj


def committee_deviation(nnmd, models, traj, workdir):
    """max_i |std_models F_i| per frame (eV/A) from `nnmd predict` of every model on the trajectory."""
    forces = []
    for k, m in enumerate(models):
        out = os.path.join(workdir, f"pred{k}.extxyz")
        r = subprocess.run([nnmd, "predict", m, traj, "-o", out, "-q"], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"nnmd predict {m} {traj}: {r.stderr.strip()}")
        forces.append([c["forces"] for _, _, c in read_extxyz(out)])
    dev = []
    for fi in range(len(forces[0])):
        f = np.array([fr[fi] for fr in forces])            # (models, atoms, 3)
        dev.append(float(np.sqrt((f.var(axis=0)).sum(axis=1)).max()))
    return dev


# ------------------------------------------------------------------------------------------------ one round

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--model", required=True, help="the current model folder (MD and scores)")
    ap.add_argument("--committee", nargs="*", default=[], help="more model folders for the force disagreement")
    ap.add_argument("--nnmd", default=os.path.join(HERE, "..", "..", "build", "nnmd"))
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--per-run", type=int, default=4)
    ap.add_argument("--min-gap", type=int, default=5, help="frames between two picks of one run")
    ap.add_argument("--bec-every", type=int, default=4, help="every Nth 16-atom candidate is a Z* job (0: none)")
    ap.add_argument("--gamma-every", type=int, default=4,
                    help="every Nth run starts from gamma (32 atoms), the others from beta (16 atoms)")
    ap.add_argument("--rho-min", type=float, default=2.1)
    ap.add_argument("--rho-max", type=float, default=2.55)
    ap.add_argument("--t-melt", type=float, nargs=2, default=(1500.0, 2500.0))
    ap.add_argument("--t-end", type=float, nargs=2, default=(300.0, 900.0))
    ap.add_argument("--melt-steps", type=int, default=4000)
    ap.add_argument("--quench-steps", type=int, default=6000)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--score-max", type=float, default=5.0, help="eV/A; frames above are dropped (committee)")
    ap.add_argument("--force", action="store_true", help="overwrite an existing candidates file")
    a = ap.parse_args()

    nnmd = os.path.abspath(a.nnmd)
    model = os.path.abspath(a.model)
    committee = [model] + [os.path.abspath(m) for m in a.committee]
    out = os.path.join(CAND_DIR, f"al{a.round}.extxyz")
    if os.path.exists(out) and not a.force:
        sys.exit(f"{out} exists (a round's candidates are fixed once queued; use a new --round or --force)")
    os.makedirs(CAND_DIR, exist_ok=True)
    mhash = model_hash(model)
    picked, nbec, n16 = [], 0, 0
    for r in range(a.runs):
        rng = np.random.default_rng([S.SEED, zlib.crc32(f"al{a.round}".encode()), r])
        base = S.gamma() if a.gamma_every > 0 and r % a.gamma_every == a.gamma_every - 1 else S.beta()
        rho = rng.uniform(a.rho_min, a.rho_max)
        tm = rng.uniform(*a.t_melt)
        te = rng.uniform(*a.t_end)
        seed = int(rng.integers(1, 2**31 - 1))
        rundir = os.path.join(AL_WORK, f"round{a.round}", f"run{r:02d}")
        os.makedirs(rundir, exist_ok=True)
        start = scale_to_density(base, rho)
        write_extxyz(os.path.join(rundir, "start.extxyz"), [start])
        rc1, f1, w1, T1, t1 = run_md(nnmd, rundir, "melt", "../start.extxyz", model, tm, tm, a.melt_steps, a.every,
                                 seed)
        cands = []   # (score, warn, temperature, step label, Structure)
        rc2, failed = None, False
        for stage in ("melt", "quench"):
            if stage == "melt":
                frames, warn, tk = f1, w1, T1
                t_a, t_b, nsteps = tm, tm, a.melt_steps
            else:
                if failed or not f1:
                    break   # the quench only continues a melt that stayed physical
                rc2, frames, warn, tk, _ = run_md(nnmd, rundir, "quench", "../melt/traj.extxyz", model, tm, te,
                                                     a.quench_steps, a.every, seed + 1)
                t_a, t_b, nsteps = tm, te, a.quench_steps
            usable = []   # filter first: nnmd predict refuses a file with a collapsed frame
            for s, info, _ in frames:
                step = int(info["step"])
                temp = t_a + (t_b - t_a) * step / max(nsteps, 1)
                if stage == "melt" and step == 0:
                    continue   # the scaled crystal itself
                # the MD ran away (a hole of the model's energy surface), or atoms collapsed: this frame and
                # every later one are the model's fantasy (the thermostat can bring T back down afterwards)
                if tk.get(step, 0.0) > 1.5 * temp + 300.0 or S.too_close(s) is not None:
                    failed = True
                    break
                usable.append((step, temp, s))
            if not usable:
                continue
            dev = None
            if len(committee) > 1:
                path = os.path.join(rundir, stage, "usable.extxyz")
                write_extxyz(path, [s for _, _, s in usable])
                dev = committee_deviation(nnmd, committee, path, os.path.join(rundir, stage))
            for k, (step, temp, s) in enumerate(usable):
                w = warn.get(step, 0)
                score = dev[k] if dev is not None else float(w)
                if dev is not None and score > a.score_max:
                    continue
                cands.append((score, w, temp, f"{stage}:{step}", s))
        if not cands:
            print(f"run {r}: no usable frame (melt rc {rc1}, quench rc {rc2}, failed {failed})", flush=True)
            continue
        last = len(cands) - 1 if cands[-1][3].startswith("quench") else None
        chosen = [] if last is None else [last]      # the amorphous end state, always
        for idx in sorted(range(len(cands)), key=lambda i: -cands[i][0]):
            if len(chosen) >= a.per_run + (last is not None):
                break
            if all(abs(idx - c) >= a.min_gap for c in chosen):
                chosen.append(idx)
        for idx in sorted(chosen):
            score, w, temp, label, s = cands[idx]
            n = len(picked)
            bec = s.natoms == 16 and a.bec_every > 0 and n16 % a.bec_every == 0
            n16 += s.natoms == 16
            nbec += bec
            t = S.Structure(s.cell, s.symbols, s.pos)
            t.info = {"config_id": f"al{a.round}-{'bec-' if bec else ''}md{s.natoms}-{n:04d}",
                      "job": "bec" if bec else "efs", "kpts": " ".join(map(str, S.kmesh(s.cell))),
                      "al_round": a.round, "al_model": mhash, "al_run": r, "al_frame": label,
                      "al_temperature": f"{temp:.0f}", "al_score": f"{score:.4f}", "al_warn": w,
                      "al_density": f"{rho:.4f}", "al_committee": len(committee)}
            picked.append(t)
        print(f"run {r}: {base.natoms} atoms, rho {rho:.3f}, T {tm:.0f} -> {te:.0f} K, rc {rc1}/{rc2}, "
              f"{'failed after ' + cands[-1][3] + ', ' if failed else ''}{len(cands)} usable frames, kept {len(chosen)} (scores "
              + " ".join(f"{cands[i][0]:.3g}" for i in sorted(chosen)) + ")", flush=True)
    # E/F/S jobs first, then the (~15x dearer) Z* jobs, so one round's energy data land before its DFPT
    picked = [t for t in picked if t.info["job"] == "efs"] + [t for t in picked if t.info["job"] == "bec"]
    write_extxyz(out, picked)
    print(f"{out}: {len(picked)} candidates ({nbec} Born-charge jobs)")


if __name__ == "__main__":
    main()
