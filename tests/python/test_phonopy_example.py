#!/usr/bin/env python3
"""test_phonopy_example.py — the worked example python/examples/phonons.py (docs/python.md) on
nnmd's shipped BaTiO3 model (models/batio3-pbe/model; no ../shared needed), phonopy part
(--no-kappa, 3x3x3 supercells of 135 atoms):
- the relaxation (from a random start, no symmetry imposed, then the detected symmetry kept)
  ends with a residual force < 1e-4 eV/A and no extrapolation warnings;
- the forces of every displaced supercell equal `nnmd predict`'s on the same structures (1e-12
  relative: one code path);
- the raw force constants are symmetric (|Phi_ij^ab - Phi_ji^ba| < 1e-3 max |Phi|; finite
  displacements of 0.01 A leave O(u^2) anharmonic terms, measured 6e-5) and obey the
  translational sum rule (1e-9 eV/A^2: forces of a periodic model sum to zero to rounding);
- the three acoustic frequencies at Gamma are |f| < 0.05 THz before symmetrization, and every
  optical mode at Gamma is real and above 0.1 THz: the structure is a minimum (Gamma is
  commensurate with the supercell, so these frequencies are exact for the model; the DOS mesh
  interpolates and may show small imaginary artefacts near Gamma with 3x3x3 supercells).
Also the ice XI variant of the example on the shared H2O_RPBE-D3 model when ../shared is there.
Skipped without phonopy (pip install phonopy)."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnmd_pytest_env as env  # noqa: E402

env.need(models=False)
try:
    import phonopy  # noqa: F401
    import spglib  # noqa: F401
except ImportError:
    env.skip("phonopy is not installed for %s (pip install phonopy)" % sys.executable)

T = env.Tally()
script = os.path.join(env.SRC, "python", "examples", "phonons.py")
pyenv = dict(os.environ, PYTHONPATH=os.path.join(env.SRC, "python"))


def run(args, spacegroup, minimum):
    out = tempfile.mkdtemp(prefix="nnmd_py_phonons_")
    r = subprocess.run([sys.executable, script, "--nnmd", env.NNMD_BIN, "--out", out, "--no-kappa"] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=pyenv)
    print("\n".join(l for l in r.stdout.splitlines() if "Warning" not in l and not l.startswith(" ")))
    T.check(r.returncode == 0, "%s: the example failed (exit %d)" % (args, r.returncode))
    if r.returncode != 0:
        return
    rep = json.load(open(os.path.join(out, "report.json")))
    rx, p2 = rep["relaxation"], rep["phonopy"]
    if spacegroup:
        T.check(rx["spacegroup"].startswith(spacegroup), "space group after relaxation: %s" % rx["spacegroup"])
    T.check(rx["max_force_eV_A"] < 1e-4, "residual force %.3g eV/A" % rx["max_force_eV_A"])
    T.check(rx["extrapolation_warnings"] == 0, "extrapolation warnings: %s" % rx["extrapolation_warnings"])
    T.check(p2["predict_max_abs_diff_eV_A"] <= 1e-12 * p2["max_abs_force_eV_A"],
            "forces differ from nnmd predict by %.3g eV/A" % p2["predict_max_abs_diff_eV_A"])
    T.check(p2["fc_asymmetry_raw"] < 1e-3 * p2["fc_max_eV_A2"], "force constants asymmetric: %.3g of %.3g" % (
        p2["fc_asymmetry_raw"], p2["fc_max_eV_A2"]))
    T.check(p2["fc_sum_rule_raw"] < 1e-9, "sum rule of the raw force constants: %.3g" % p2["fc_sum_rule_raw"])
    ac = sorted(p2["gamma_THz_raw"], key=abs)[:3]
    T.check(max(abs(f) for f in ac) < 0.05, "acoustic frequencies at Gamma %s THz" % ac)
    optical = sorted(p2["gamma_THz_raw"], key=abs)[3:]
    T.check(min(optical) > (0.1 if minimum else -1e9) and abs(min(optical, key=abs)) > 0.1,
            "an optical mode at Gamma that is not a real one above 0.1 THz: %s" % sorted(p2["gamma_THz_raw"])[:5])


run(["--crystal", "batio3", "--fc2-supercell", "3", "3", "3"], None, True)
ice = os.path.join(env.MODELS, "H2O_RPBE-D3")
if os.path.isdir(ice):
    run(["--crystal", "ice-xi", "--model", ice, "--fc2-supercell", "3", "3", "2"], "Cmc2_1", True)
else:
    print("ice XI variant skipped: %s is absent" % ice)
T.finish()
