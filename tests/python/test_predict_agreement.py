#!/usr/bin/env python3
"""test_predict_agreement.py — nnmd.Calculator (libnnmd.so through ctypes and ASE) gives the
same numbers as `nnmd predict` on every reference structure of every model in
../shared/models and on the structures shipped beside nnmd's own models (models/*/): energy, forces, per-atom energies, stress (periodic structures) and, for the
water models with the HO Born-charge model (tests/data/bec/HO, bohr), Born charges with the
sum rule. Tolerance 1e-12 relative (to the largest magnitude of each quantity); both paths run
one function (api/calculator.c), so the numbers are expected to be bit-identical. Structures
are converted to A and written once with 17 digits; predict reads that file and the
calculator gets ase.io.read's Atoms of it. Also: the model's units are required for n2p2
models, and a wrong unit name is an error."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnmd_pytest_env as env  # noqa: E402

env.need()
import numpy as np  # noqa: E402
import ase.io  # noqa: E402
import nnmd  # noqa: E402

T = env.Tally()
TOL = 1e-12
BEC_HO = os.path.join(env.SRC, "tests", "data", "bec", "HO")


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


def voigt(ref):
    """nnmd predict's 3x3 stress (ASE column-major order in the file) as ASE's Voigt 6-vector."""
    s = ref["stress"].reshape(3, 3).T
    return [s[0, 0], s[1, 1], s[2, 2], 0.5 * (s[1, 2] + s[2, 1]), 0.5 * (s[0, 2] + s[2, 0]), 0.5 * (s[0, 1] + s[1, 0])]


worst = {}
work = tempfile.mkdtemp(prefix="nnmd_py_agree_")
models = sorted(d for d in os.listdir(env.MODELS) if os.path.isdir(os.path.join(env.MODELS, d, "reference")))
T.check(len(models) >= 7, "expected the 7 shared models, found %s" % models)
for model in models:
    mdir = os.path.join(env.MODELS, model)
    lu, eu = env.model_units(mdir)
    bec = BEC_HO if model.startswith("H2O") and os.path.isdir(BEC_HO) else None
    calc = nnmd.Calculator(model=mdir, length_unit=lu, energy_unit=eu, born_charges=bec)
    for data in sorted(f for f in os.listdir(os.path.join(mdir, "reference")) if f.endswith(".data")):
        tag = "%s/%s" % (model, data)
        xyz = os.path.join(work, "%s_%s.extxyz" % (model, data[:-5]))
        env.write_extxyz17(xyz, env.atoms_in_angstrom(mdir, os.path.join(mdir, "reference", data)))
        out = xyz + ".pred"
        cmd = [env.NNMD_BIN, "-q", "predict", mdir, xyz, "-o", out, "--length-unit", lu, "--energy-unit", eu]
        if bec:
            cmd += ["--born-charges", bec]
        r = env.run(cmd)
        if r.returncode != 0:
            T.check(False, "%s: nnmd predict failed: %s" % (tag, r.stdout))
            continue
        ref = env.read_nnmd_extxyz(out)[0]
        atoms = ase.io.read(xyz, format="extxyz")
        atoms.calc = calc
        e = atoms.get_potential_energy()
        checks = [("energy", e, ref["energy"]), ("forces", atoms.get_forces(), ref["forces"]),
                  ("energies", atoms.get_potential_energies(), ref["energies"][:, 0])]
        if atoms.pbc.all():
            checks.append(("stress", atoms.get_stress(), voigt(ref)))
        else:
            try:
                atoms.get_stress()
                T.check(False, "%s: stress of a non-periodic structure did not raise" % tag)
            except Exception:
                T.check(True, "")
        if bec:
            checks.append(("born_charges", calc.get_property("born_charges", atoms).reshape(-1, 9), ref["born_charges"]))
            zsum = np.abs(calc.results["born_charges"].sum(axis=0)).max()
            T.check(zsum < 1e-10, "%s: Born charges do not sum to zero (%.3g)" % (tag, zsum))
        for name, a, b in checks:
            d = rel(a, b)
            worst[name] = max(worst.get(name, 0.0), d)
            T.check(d <= TOL, "%s: %s differs from nnmd predict by %.3g relative" % (tag, name, d))
        # the n2p2 reference energy (model units) agrees too (to the unit conversion's rounding)
        refline = [l for l in open(os.path.join(mdir, "reference", data[:-5] + ".ref")) if l.startswith("energy ")]
        if refline:
            eref = float(refline[0].split()[1]) / (0.0367493254 if eu == "hartree" else 1.0)
            T.check(abs(e - eref) <= 1e-9 * abs(eref), "%s: energy %.17g vs n2p2 %.17g" % (tag, e, eref))
        print("%-40s atoms %4d  energy %.12g eV  extrapolation warnings %d" % (
            tag, len(atoms), e, calc.results["extrapolation_warnings"]))

# nnmd's shipped models (models/<name>/model, units recorded: no unit arguments) on the
# structures shipped beside them (models/<name>/*.extxyz)
shipped_root = os.path.join(env.SRC, "models")
shipped = sorted(d for d in os.listdir(shipped_root) if os.path.isdir(os.path.join(shipped_root, d, "model")))
T.check(len(shipped) >= 1, "no shipped model in %s" % shipped_root)
for name in shipped:
    mdir = os.path.join(shipped_root, name, "model")
    calc = nnmd.Calculator(model=mdir)
    files = sorted(f for f in os.listdir(os.path.join(shipped_root, name)) if f.endswith(".extxyz"))
    T.check(len(files) >= 1, "%s: no structure shipped beside the model" % name)
    for fname in files:
        tag = "%s/%s" % (name, fname)
        xyz = os.path.join(shipped_root, name, fname)
        out = os.path.join(work, "%s_%s.pred" % (name, fname))
        r = env.run([env.NNMD_BIN, "-q", "predict", mdir, xyz, "-o", out])
        if r.returncode != 0:
            T.check(False, "%s: nnmd predict failed: %s" % (tag, r.stdout))
            continue
        ref = env.read_nnmd_extxyz(out)[0]
        atoms = ase.io.read(xyz, format="extxyz")
        atoms.calc = calc
        e = atoms.get_potential_energy()
        for qty, a, b in (("energy", e, ref["energy"]), ("forces", atoms.get_forces(), ref["forces"]),
                          ("energies", atoms.get_potential_energies(), ref["energies"][:, 0]),
                          ("stress", atoms.get_stress(), voigt(ref))):
            d = rel(a, b)
            worst[qty] = max(worst.get(qty, 0.0), d)
            T.check(d <= TOL, "%s: %s differs from nnmd predict by %.3g relative" % (tag, qty, d))
        print("%-40s atoms %4d  energy %.12g eV  extrapolation warnings %d" % (
            tag, len(atoms), e, calc.results["extrapolation_warnings"]))

# units: required for an n2p2 model; wrong names are errors
cu = os.path.join(env.MODELS, "Cu2S_PBE")
for kw, what in (({}, "does not record its units"), ({"length_unit": "nm", "energy_unit": "eV"}, "length_unit"),
                 ({"length_unit": "angstrom"}, "give both")):
    try:
        nnmd.Calculator(model=cu, **kw)
        T.check(False, "Calculator(%s) did not raise" % kw)
    except nnmd.NNMDError as e:
        T.check(what in str(e), "Calculator(%s): message %r" % (kw, str(e)))
print("largest relative difference to nnmd predict: " + ", ".join("%s %.3g" % kv for kv in sorted(worst.items())))
T.finish()
