#!/usr/bin/env python3
"""test_memory.py — 10,000 calculator calls in one process without memory growth: the
resident set size (VmRSS, /proc/self/status) after 10,000 ASE calculator calls (water dimer,
H2O_RPBE-D3 + the HO Born-charge model, positions changed every call so each call computes)
may exceed the RSS after the first 1,000 calls by at most 1 MiB (a leak of 100 bytes per call
would exceed it); likewise 200 create/compute/destroy cycles of calculators (model loading
included) after 20 warm-up cycles may grow the RSS by at most 2 MiB."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnmd_pytest_env as env  # noqa: E402

env.need()
import numpy as np  # noqa: E402
import nnmd  # noqa: E402

T = env.Tally()


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if not os.path.exists("/proc/self/status"):
    env.skip("no /proc/self/status")
mdir = os.path.join(env.MODELS, "H2O_RPBE-D3")
bec = os.path.join(env.SRC, "tests", "data", "bec", "HO")
atoms = env.atoms_in_angstrom(mdir, os.path.join(mdir, "reference", "h2o_dimer.data"))
atoms.calc = nnmd.Calculator(model=mdir, length_unit="bohr", energy_unit="hartree", born_charges=bec)
x0 = atoms.positions.copy()
rng = np.random.default_rng(1)
t0 = time.time()
r1000 = 0
e = np.zeros(10000)  # preallocated: a growing list would itself grow the RSS
for k in range(10000):
    atoms.positions = x0 + rng.normal(scale=0.01, size=x0.shape)
    e[k] = atoms.get_potential_energy()
    atoms.get_forces()
    atoms.calc.get_property("born_charges", atoms)
    if k == 999:
        r1000 = rss_kib()
wall = time.time() - t0
r10000 = rss_kib()
T.check(len(np.unique(e)) > 9000, "energies did not change between calls")
T.check(r10000 - r1000 <= 1024, "RSS grew by %d KiB from call 1,000 to 10,000" % (r10000 - r1000))
print("10,000 calls (6 atoms, HDNNP + BEC) in %.1f s; RSS after 1,000 calls %d KiB, after 10,000 %d KiB (%+d KiB)" % (
    wall, r1000, r10000, r10000 - r1000))

cu = os.path.join(env.MODELS, "Cu2S_PBE")
small = env.atoms_in_angstrom(mdir, os.path.join(mdir, "reference", "h2o_dimer.data"))
for k in range(220):
    if k == 20:
        c20 = rss_kib()
    with nnmd.NNP(mdir, "bohr", "hartree", born_charges=bec) as p:
        p.compute(small.numbers, small.positions)
    try:  # an error path too: oxygen/hydrogen are not in the Cu2S model
        nnmd.NNP(cu, "angstrom", "eV").compute(small.numbers, small.positions)
        T.check(False, "species not in the model: no error")
    except nnmd.NNMDError:
        pass
c220 = rss_kib()
T.check(c220 - c20 <= 2048, "RSS grew by %d KiB over 200 create/destroy cycles" % (c220 - c20))
print("200 create/compute/destroy cycles (+ 200 failing computes): RSS %d -> %d KiB (%+d KiB)" % (c20, c220, c220 - c20))
T.finish()
