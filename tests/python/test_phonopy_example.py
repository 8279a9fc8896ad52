#!/usr/bin/env python3
"""test_phonopy_example.py — the worked example python/examples/ice_phonons.py (docs/python.md)
in its phonopy part (--no-kappa, 3x3x2 supercells of 216 atoms): ice XI relaxes keeping
Cmc2_1 (residual force < 1e-4 eV/A), the forces of every displaced supercell equal
`nnmd predict`'s on the same structures (1e-12 relative), the raw force constants are
symmetric (|Phi_ij^ab - Phi_ji^ba| < 1e-3 max |Phi|) and obey the translational sum rule
(1e-9 eV/A^2), and the three acoustic frequencies at Gamma are |f| < 0.05 THz before
phonopy's symmetrization. Skipped without phonopy (pip install phonopy)."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnmd_pytest_env as env  # noqa: E402

env.need()
try:
    import phonopy  # noqa: F401
    import spglib  # noqa: F401
except ImportError:
    env.skip("phonopy is not installed for %s (pip install phonopy)" % sys.executable)

T = env.Tally()
model = os.path.join(env.MODELS, "H2O_RPBE-D3")
out = tempfile.mkdtemp(prefix="nnmd_py_phonons_")
script = os.path.join(env.SRC, "python", "examples", "ice_phonons.py")
pyenv = dict(os.environ, PYTHONPATH=os.path.join(env.SRC, "python"))
r = subprocess.run([sys.executable, script, "--model", model, "--nnmd", env.NNMD_BIN, "--out", out, "--no-kappa",
                    "--fc2-supercell", "3", "3", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   universal_newlines=True, env=pyenv)
print("\n".join(l for l in r.stdout.splitlines() if "Warning" not in l and not l.startswith(" ")))
T.check(r.returncode == 0, "the example failed (exit %d)" % r.returncode)
if r.returncode == 0:
    rep = json.load(open(os.path.join(out, "report.json")))
    rx, p2 = rep["relaxation"], rep["phonopy"]
    T.check(rx["spacegroup"].startswith("Cmc2_1"), "space group after relaxation: %s" % rx["spacegroup"])
    T.check(rx["max_force_eV_A"] < 1e-4, "residual force %.3g eV/A" % rx["max_force_eV_A"])
    T.check(p2["predict_max_abs_diff_eV_A"] <= 1e-12 * p2["max_abs_force_eV_A"],
            "forces differ from nnmd predict by %.3g eV/A" % p2["predict_max_abs_diff_eV_A"])
    T.check(p2["fc_asymmetry_raw"] < 1e-3 * p2["fc_max_eV_A2"], "force constants asymmetric: %.3g of %.3g" % (
        p2["fc_asymmetry_raw"], p2["fc_max_eV_A2"]))
    T.check(p2["fc_sum_rule_raw"] < 1e-9, "sum rule of the raw force constants: %.3g" % p2["fc_sum_rule_raw"])
    ac = sorted(p2["gamma_THz_raw"], key=abs)[:3]
    T.check(max(abs(f) for f in ac) < 0.05, "acoustic frequencies at Gamma %s THz" % ac)
    T.check(sorted(p2["gamma_THz_raw"])[3] > 1.0, "a fourth near-zero mode at Gamma: %s" % p2["gamma_THz_raw"][:5])
T.finish()
