#!/usr/bin/env python3
"""Smoke test of the labelling chain (NOT for ctest/CI: it runs QE): one 16-atom beta cell, 1 k-point,
ecutwfc 30 / ecutrho 240 Ry, ~20-30 s on 2 cores. Checks: pw.x runs, the output parses, forces sum to ~0, the
stress is symmetric, the frame written by the pipeline reads back (with ASE if installed) with identical numbers.
Writes only under work/smoke/ (gitignored); never touches data/.

  python3 smoke_test.py [--ph]     (--ph also runs ph.x on the same cell: a few minutes)
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


def main():
    P.ensure_pseudos()
    d = os.path.join(P.WORK, "smoke")
    s = S.make("beta", "rattle", 0)
    s.info["config_id"] = "smoke-beta-rattle-0000"
    bec = "--ph" in sys.argv
    res, wall, cpu = P.label(s, d, (1, 1, 1), bec=bec, ecutwfc=30.0, ecutrho=240.0, conv_thr=1e-9)
    f, st = res["forces"], res["stress"]
    print(f"pw.x {res['qe_version']}: {wall:.1f} s wall, {cpu:.1f} s cpu, {res['scf_iterations']} SCF iterations")
    print(f"E = {res['energy']:.6f} eV, |F|max = {abs(f).max():.3f} eV/A, P = {res['pressure_kbar']:.2f} kbar")
    ok = True

    def check(cond, what):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + what)
        ok = ok and cond
    check(np.abs(f.sum(0)).max() < 1e-3, f"sum of forces {f.sum(0)} ~ 0")
    check(np.abs(st - st.T).max() < 1e-8, "stress symmetric")
    check(abs(-np.trace(st) / 3 * 1602.1766 - res["pressure_kbar"]) < 0.05,
          "P = -trace(stress_ASE)/3 matches QE's printed P (kbar)")
    check(abs(f).max() > 0.05, "rattled cell has non-zero forces")
    if bec:
        z = res["zstar"]
        print("epsilon_inf diag", res["epsilon"].diagonal(), " ASR max", abs(z.sum(0)).max())
        check(z.shape == (16, 3, 3), "Z* parsed for 16 atoms")
    text = P.frame_text(s, res, wall)
    path = os.path.join(d, "smoke.extxyz")
    with open(path, "w") as fh:
        fh.write(text)
    idx = P.read_frames_index(path)
    check(len(idx) == 1 and idx[0][0] == s.info["config_id"], "frame index reads the frame back")
    try:
        import ase.io
    except ImportError:
        print("(ASE not installed: skipping the ASE read-back)")
    else:
        a = ase.io.read(path, index=0)
        check(np.allclose(a.get_potential_energy(), res["energy"], atol=1e-8), "ASE: energy")
        check(np.allclose(a.get_forces(), f, atol=1e-7), "ASE: forces")
        check(np.allclose(a.get_stress(voigt=False), st, atol=1e-12), "ASE: stress (3x3)")
        check(np.allclose(a.positions, s.pos, atol=1e-9) and list(a.symbols) == s.symbols, "ASE: positions")
        check(np.allclose(a.cell[:], s.cell, atol=1e-9), "ASE: cell")
        if bec:
            check(np.allclose(a.arrays["born_charges"].reshape(-1, 3, 3), res["zstar"], atol=1e-5),
                  "ASE: born_charges (field index first)")
    P.archive(d)
    print("SMOKE TEST " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
