#!/usr/bin/env python3
"""One-off checks of signs and units (NOT for CI; ~6 pw.x runs of a 16-atom cell at 1 k-point, a few minutes).

1. Geometry of the expanded crystals (P-O 1.540-1.554 A, LiO4 tetrahedra) - also done by structures.py.
2. Force: F_x(atom) vs -(E(+h) - E(-h)) / 2h, h = 0.01 A, on a rattled beta cell (1 k-point, 50/400 Ry,
   conv_thr 1e-10).
3. Stress sign: stress_ASE_xx vs (1/V) dE/de_xx by a +-0.5 % strain (same cell), and a beta cell compressed
   by 3 % in every direction must give P = -trace(stress_ASE)/3 > 0.
Results are written to data/verify_units.txt.
"""
import os
import sys

try:
    import numpy as np
except ImportError:
    if os.path.exists("/usr/bin/python3") and not os.environ.get("LI3PO4_REEXEC"):
        os.environ["LI3PO4_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline as P  # noqa: E402
import structures as S  # noqa: E402

K1 = (1, 1, 1)
lines = []


def out(msg):
    print(msg, flush=True)
    lines.append(msg)


def scf(s, tag):
    res, wall, _ = P.label(s, os.path.join(P.WORK, "verify", tag), K1, conv_thr=1e-10)
    P.archive(os.path.join(P.WORK, "verify", tag))
    return res, wall


def main():
    P.ensure_pseudos()
    out(f"# verify_units.py  {P.now()}  (pw.x, 16-atom beta, 1 k-point, ecutwfc {P.ECUTWFC} / ecutrho {P.ECUTRHO} "
        f"Ry, conv_thr 1e-10)")
    for name in ("beta", "gamma", "beta2x1x2", "gamma1x1x2"):
        r = S.check_crystal(S.BASES[name](), name)
        out(f"geometry {name}: P-O {r['P-O'][0]:.4f}-{r['P-O'][1]:.4f} A ({r['nP']} PO4), "
            f"Li-O {r['Li-O'][0]:.4f}-{r['Li-O'][1]:.4f} A ({r['nLi']} LiO4): ok")

    s0 = S.make("beta", "rattle", 1)
    r0, w = scf(s0, "center")
    out(f"reference: E = {r0['energy']:.6f} eV, P = {r0['pressure_kbar']:.2f} kbar, {w:.0f} s wall")

    # 2. force finite difference: the atom with the largest |F_x|
    h = 0.01
    ia = int(np.argmax(np.abs(r0["forces"][:, 0])))
    e = {}
    for sgn in (+1, -1):
        s = s0.copy()
        s.pos[ia, 0] += sgn * h
        e[sgn], _ = scf(s, f"fd{'p' if sgn > 0 else 'm'}")
    fd = -(e[+1]["energy"] - e[-1]["energy"]) / (2 * h)
    out(f"force FD: atom {ia} ({s0.symbols[ia]}) x: analytic F = {r0['forces'][ia, 0]:+.5f} eV/A, "
        f"-(E(+h)-E(-h))/2h = {fd:+.5f} eV/A (h = {h} A), diff {abs(fd - r0['forces'][ia, 0]):.5f} eV/A")

    # 3a. stress by strain finite difference: sigma_ASE_xx = (1/V) dE/de_xx
    de = 0.005
    es = {}
    for sgn in (+1, -1):
        s = s0.copy()
        f = np.eye(3)
        f[0, 0] += sgn * de
        s.cell = s0.cell @ f
        s.pos = s0.pos @ f
        es[sgn], _ = scf(s, f"st{'p' if sgn > 0 else 'm'}")
    vol = abs(np.linalg.det(s0.cell))
    sfd = (es[+1]["energy"] - es[-1]["energy"]) / (2 * de) / vol
    out(f"stress FD: stress_ASE_xx = {r0['stress'][0, 0]:+.6f} eV/A^3, (1/V) dE/de_xx = {sfd:+.6f} eV/A^3 "
        f"(+-{de * 100:.1f} % strain; differences include the Pulay stress of a fixed cutoff), "
        f"QE printed sigma_xx = {r0['stress_qe_kbar'][0, 0]:+.2f} kbar")

    # 3b. compressed ideal cell
    s = S.beta()
    s.cell = s.cell * 0.97
    s.pos = s.pos * 0.97
    s.info["config_id"] = "verify-compressed"
    rc, _ = scf(s, "compressed")
    pc = -np.trace(rc["stress"]) / 3 * 1602.1766208
    out(f"compressed beta (-3 % linear): QE printed P = {rc['pressure_kbar']:+.2f} kbar, "
        f"-trace(stress_ASE)/3 = {pc:+.2f} kbar, stress_ASE diag (eV/A^3) {rc['stress'].diagonal().round(5).tolist()}")
    ok_f = abs(fd - r0["forces"][ia, 0]) < 0.02 * max(1.0, abs(fd))
    ok_s = np.sign(sfd) == np.sign(r0["stress"][0, 0]) and abs(sfd - r0["stress"][0, 0]) < 0.2 * abs(sfd) + 0.002
    ok_p = pc > 0 and rc["pressure_kbar"] > 0
    out(f"RESULT: force sign/units {'ok' if ok_f else 'FAIL'}; stress sign (ASE, tensile +) "
        f"{'ok' if ok_s else 'FAIL'}; compressed cell P > 0 {'ok' if ok_p else 'FAIL'}")
    with open(os.path.join(P.DATA_DIR, "verify_units.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return 0 if (ok_f and ok_s and ok_p) else 1


if __name__ == "__main__":
    sys.exit(main())
