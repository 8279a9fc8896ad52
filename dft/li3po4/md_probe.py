"""MD stability probe of a Li3PO4 model: how long does NVT MD run before the model fails?

`python3 md_probe.py MODEL_DIR [--temperatures 300 600 1000] [--ps 2] [--cell gamma212]` runs `nnmd run`
(NVT, CSVR, tdamp 0.1 ps, 0.5 fs) on a crystal supercell (gamma 2x1x2 = 128 atoms by default) at each
temperature and reports per run:
  survived_ps  time until the first sign of failure: a thermo row with T > 1.5 T_target + 300 K (the MD ran into
               a hole of the model) or a pair closer than the DFT pipeline's minimum distances
               (structures.MIN_DIST) in a trajectory frame; the full length if neither happened
  warn_max     the largest extrapolation-warning count of one evaluation (thermo column `warnings`)
  T_mean       mean temperature over the surviving part (K)
This is the yardstick for "stable in MD" in the active-learning loop (README, Active learning): a model worth
shipping survives every temperature of the study with few warnings. Units: K, ps. Not part of CI.
"""
import os

import numpy_or_debian  # noqa: F401,E402  (numpy, or a restart under /usr/bin/python3)

import argparse
import subprocess

import numpy as np

import active_learning as AL
import structures as S

HERE = os.path.dirname(os.path.abspath(__file__))
CELLS = {"gamma212": lambda: S.supercell(S.gamma(), (2, 1, 2)),
         "beta222": lambda: S.supercell(S.beta(), (2, 2, 2)),
         "beta": S.beta, "gamma": S.gamma}

TOML = """# written by dft/li3po4/md_probe.py
[system]
structure = "start.extxyz"
[velocities]
temperature = {t:.1f}
seed = 7
[[potential]]
type = "hdnnp"
model = "{model}"
max_extrapolation_warnings = -1
[run]
ensemble = "nvt"
thermostat = "csvr"
temperature = {t:.1f}
tdamp = 0.1
timestep = 0.0005
steps = {steps}
seed = 7
check_extrapolation_fraction = 1.0
[output]
thermo_every = {every}
trajectory = {{ file = "traj.extxyz", every = {every} }}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--temperatures", type=float, nargs="+", default=[300.0, 600.0, 1000.0])
    ap.add_argument("--ps", type=float, default=2.0)
    ap.add_argument("--cell", choices=sorted(CELLS), default="gamma212")
    ap.add_argument("--nnmd", default=os.path.join(HERE, "..", "..", "build", "nnmd"))
    ap.add_argument("--workdir", default=os.path.join(HERE, "work", "probe"))
    a = ap.parse_args()
    model = os.path.abspath(a.model)
    steps = int(round(a.ps / 0.0005))
    every = 100
    s0 = CELLS[a.cell]()
    tag = AL.model_hash(model)
    print(f"model {model} (sha256 {tag}), {a.cell} ({s0.natoms} atoms), NVT {a.ps} ps per temperature")
    print(f"{'T_K':>6} {'survived_ps':>11} {'warn_max':>8} {'T_mean':>7}  failure")
    for t in a.temperatures:
        d = os.path.join(a.workdir, tag, f"{a.cell}-{t:.0f}K")
        os.makedirs(d, exist_ok=True)
        AL.write_extxyz(os.path.join(d, "start.extxyz"), [s0])
        with open(os.path.join(d, "md.toml"), "w") as f:
            f.write(TOML.format(t=t, model=model, steps=steps, every=every))
        with open(os.path.join(d, "md.log"), "w") as log:
            rc = subprocess.run([os.path.abspath(a.nnmd), "run", "md.toml"], cwd=d, stdout=log,
                                stderr=subprocess.STDOUT).returncode
        rows = [r.split(",") for r in open(os.path.join(d, "thermo.csv")).read().splitlines()]
        head, rows = rows[0], rows[1:]
        col = {h: i for i, h in enumerate(head)}
        fail_step, why = None, f"none (rc {rc})" if rc else "none"
        for r in rows:
            if float(r[col["temp_K"]]) > 1.5 * t + 300.0:
                fail_step, why = int(r[col["step"]]), f"T = {float(r[col['temp_K']]):.0f} K"
                break
        for s, info, _ in S.read_extxyz(os.path.join(d, "traj.extxyz")):
            step = int(info["step"])
            if fail_step is not None and step >= fail_step:
                break
            close = S.too_close(s)
            if close:
                fail_step, why = step, f"close pair {close}"
                break
        ok = [r for r in rows if fail_step is None or int(r[col["step"]]) < fail_step]
        surv = (fail_step if fail_step is not None else steps) * 0.0005
        wmax = max((int(r[col["warnings"]]) for r in ok), default=0)
        tmean = float(np.mean([float(r[col["temp_K"]]) for r in ok[1:]])) if len(ok) > 1 else float("nan")
        print(f"{t:6.0f} {surv:11.2f} {wmax:8d} {tmean:7.0f}  {why}", flush=True)


if __name__ == "__main__":
    main()
