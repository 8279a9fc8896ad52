#!/usr/bin/env python3
"""MPI runs give the serial results (issue 5 acceptance), through the real program.

Each case writes an input (and a structure), runs `nnmd run` serially and with
`mpirun -np N`, and compares the trajectories written by rank 0 (atoms in id order):
  * step 0: energy and the 9 virial components to 1e-12 relative, every force component
    to 1e-12 relative to the largest force (the only difference is summation order);
  * after 200 NVE (or Langevin) steps: positions to 1e-8 A (rounding differences grow
    chaotically, ~1e-13 A per step at first; 1e-8 leaves room while catching any real
    difference, which shows up at 1e-3 A or more).
Cases: LJ on 1,2,3,4,8 ranks; NPT (MTK iso, C-rescale aniso: the cell changes every step);
Langevin on 4 ranks (the noise depends on atom id and step);
a triclinic cell on a 2x2x1 grid; HDNNP H2O (cells thinner than the ghost cutoff per rank:
multi-hop halos on 8 ranks) and Cu2S; a hot dilute gas for 10,000 steps on 4 ranks (atom
count, ids and total momentum conserved); a checkpoint written on 4 ranks continued on 2
and on 1 rank; a constant-charge field under NPT on 2 and 4 ranks (positions and the field
work, 1e-9 relative); Born charges from a BEC model on the water HDNNP (sum rule over
ranks, field work) on 2 and 4 ranks; the resident GPU step (host emulation of the kernels,
Langevin, HDNNP water, rebuilds every few steps) on 2 and 3 ranks.
"""
import math, os, random, re, shutil, subprocess, sys, tempfile

BIN = os.environ["NNMD_BIN"]
SHARED = os.environ.get("NNMD_SHARED_DIR", "")
MPI = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np"]
results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)


def run(workdir, inp, np=1, extra=()):
    cmd = ([BIN] if np == 1 else MPI + [str(np), BIN]) + ["-q", "run", inp] + list(extra)
    p = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-2000:])
    return p.returncode


def frames(path):
    out = []
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        com = lines[i + 1]
        props = re.search(r'Properties=(\S+)', com).group(1).split(":")
        cols, k = {}, 0
        for j in range(0, len(props), 3):
            cols[props[j]] = (k, int(props[j + 2]))
            k += int(props[j + 2])
        def num(key):
            m = re.search(r'(?:^|\s)' + key + r'=(?:"([^"]*)"|(\S+))', com)
            return [float(x) for x in (m.group(1) or m.group(2)).split()] if m else None
        atoms = [l.split() for l in lines[i + 2:i + 2 + n]]
        fr = {"energy": num("energy")[0], "virial": num("virial"), "step": int(num("step")[0])}
        for name in ("pos", "forces", "velocities", "id"):
            if name in cols:
                c0, nc = cols[name]
                fr[name] = [[float(a[c0 + q]) for q in range(nc)] for a in atoms]
        fr["species"] = [a[0] for a in atoms]
        out.append(fr)
        i += n + 2
    return out


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def compare(ref, other, label, step0=True, pos_tol=1e-8):
    a, b = frames(ref), frames(other)
    if len(a) != len(b) or not a:
        check(False, f"{label}: {len(b)} frames vs {len(a)}")
        return
    if step0:
        fa, fb = a[0], b[0]
        e = rel(fa["energy"], fb["energy"])
        wmax = max(abs(x) for x in fa["virial"])
        w = max(abs(x - y) for x, y in zip(fa["virial"], fb["virial"])) / wmax
        # a perfect lattice has forces at rounding level: compare against at least 1e-3 eV/A
        fmax = max(1e-3, max(abs(x) for r in fa["forces"] for x in r))
        df = max(abs(x - y) for r, s in zip(fa["forces"], fb["forces"]) for x, y in zip(r, s)) / fmax
        ids = [int(r[0]) for r in fb["id"]] == list(range(1, len(fb["id"]) + 1))
        check(e < 1e-12 and w < 1e-12 and df < 1e-12 and ids,
              f"{label} step 0: energy {e:.1e}, virial {w:.1e}, forces {df:.1e} (relative), ids in order {ids}")
    la, lb = a[-1], b[-1]
    dp = max(abs(x - y) for r, s in zip(la["pos"], lb["pos"]) for x, y in zip(r, s))
    check(la["step"] == lb["step"] and dp < pos_tol, f"{label} step {lb['step']}: max |dx| = {dp:.2e} A")


LJ = """[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
"""


def lj_input(system, run="", steps=200, every=200, extra=""):
    return f"""[system]
{system}
[velocities]
temperature = 120.0
seed = 3
{LJ}
[run]
timestep = 0.004
steps = {steps}
{run}
[neighbor]
skin = 1.0
{extra}
[output]
thermo_every = {every}
trajectory = {{ file = "traj.extxyz", every = {every}, unwrapped = true }}
"""


def case(work, name, text, nps, files=(), step0=True, grid=None):
    d = os.path.join(work, name)
    os.makedirs(d)
    for src in files:
        shutil.copy(src, d)
    with open(os.path.join(d, "in.toml"), "w") as f:
        f.write(text)
    if run(d, "in.toml") != 0:
        check(False, f"{name}: serial run failed")
        return
    shutil.copy(os.path.join(d, "traj.extxyz"), os.path.join(d, "serial.extxyz"))
    for np in nps:
        rc = run(d, "in.toml", np)
        if rc != 0:
            check(False, f"{name}: {np} ranks failed (exit {rc})")
            continue
        compare(os.path.join(d, "serial.extxyz"), os.path.join(d, "traj.extxyz"), f"{name} np={np}", step0)


def triclinic_structure(path, n=4, a=5.72, tilt=(2.1, -1.3, 1.7), seed=5):
    rnd = random.Random(seed)
    basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    L = n * a
    h = [[L, tilt[0], tilt[1]], [0, L, tilt[2]], [0, 0, L]]  # columns = a, b, c
    atoms = []
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for b in basis:
                    s = [(i + b[0]) / n, (j + b[1]) / n, (k + b[2]) / n]
                    r = [sum(h[p][q] * s[q] for q in range(3)) + rnd.uniform(-0.2, 0.2) for p in range(3)]
                    atoms.append(r)
    with open(path, "w") as f:
        f.write(f"{len(atoms)}\n")
        f.write('Lattice="%g 0 0 %g %g 0 %g %g %g" Properties=species:S:1:pos:R:3 pbc="T T T"\n' % (
            L, tilt[0], L, tilt[1], tilt[2], L))
        for r in atoms:
            f.write("Ar %.10f %.10f %.10f\n" % tuple(r))


def hot_gas(work):
    d = os.path.join(work, "hot_gas")
    os.makedirs(d)
    rnd = random.Random(9)
    L, n = 40.0, 150
    pts = []
    while len(pts) < n:
        p = [rnd.uniform(0, L) for _ in range(3)]
        if all(sum((p[q] - o[q] - L * round((p[q] - o[q]) / L)) ** 2 for q in range(3)) > 9.0 for o in pts):
            pts.append(p)
    with open(os.path.join(d, "gas.extxyz"), "w") as f:
        f.write(f"{n}\nLattice=\"{L} 0 0 0 {L} 0 0 0 {L}\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n")
        for p in pts:
            f.write("Ar %.6f %.6f %.6f\n" % tuple(p))
    text = lj_input('structure = "gas.extxyz"', steps=10000, every=2500).replace("temperature = 120.0",
                                                                                  "temperature = 3000.0")
    with open(os.path.join(d, "in.toml"), "w") as f:
        f.write(text)
    rc = run(d, "in.toml", 4)
    if rc != 0:
        check(False, "hot gas on 4 ranks failed")
        return
    fr = frames(os.path.join(d, "traj.extxyz"))
    last = fr[-1]
    ids = sorted(int(r[0]) for r in last["id"])
    mass = 39.948
    p = [sum(mass * v[q] for v in last["velocities"]) for q in range(3)]
    pscale = sum(mass * abs(v[q]) for v in last["velocities"] for q in range(3))
    travelled = max(abs(a[q] - b[q]) for a, b in zip(fr[0]["pos"], last["pos"]) for q in range(3))
    check(len(last["pos"]) == n and ids == list(range(1, n + 1)),
          f"hot gas: {len(last['pos'])} atoms, ids 1..{n} each once after 10,000 steps on 4 ranks")
    check(max(abs(x) for x in p) < 1e-10 * pscale,
          f"hot gas: total momentum {max(abs(x) for x in p):.1e} (scale {pscale:.1e}); atoms travelled up to {travelled:.0f} A (box 40 A)")


def restart_case(work):
    d = os.path.join(work, "restart")
    os.makedirs(d)
    text = lj_input('lattice = { type = "fcc", a = 5.719, repeat = [6, 6, 6], species = "Ar" }', steps=400, every=100)
    text = text.replace("[output]", '[output]\ncheckpoint = { file = "run.chk", every = 200 }')
    with open(os.path.join(d, "in.toml"), "w") as f:
        f.write(text)
    run(d, "in.toml", 1)
    shutil.copy(os.path.join(d, "traj.extxyz"), os.path.join(d, "serial.extxyz"))
    with open(os.path.join(d, "in.toml"), "w") as f:
        f.write(text.replace("steps = 400", "steps = 200"))
    if run(d, "in.toml", 4) != 0:
        check(False, "checkpoint on 4 ranks")
        return
    shutil.copy(os.path.join(d, "run.chk"), os.path.join(d, "four.chk"))
    shutil.copy(os.path.join(d, "traj.extxyz"), os.path.join(d, "four.extxyz"))
    with open(os.path.join(d, "in.toml"), "w") as f:
        f.write(text)
    for np in (2, 1):
        shutil.copy(os.path.join(d, "four.extxyz"), os.path.join(d, "traj.extxyz"))
        rc = run(d, "in.toml", np, ["--restart", "four.chk"])
        if rc != 0:
            check(False, f"restart of the 4-rank checkpoint on {np} ranks")
            continue
        compare(os.path.join(d, "serial.extxyz"), os.path.join(d, "traj.extxyz"),
                f"checkpoint from 4 ranks continued on {np}", step0=False)


def hdnnp(work, model, structure, nps, steps=100, dt=0.0005):
    src = os.path.join(SHARED, "models", model)
    st = os.path.join(src, "reference", structure)
    if not os.path.exists(st):
        print(f"skip {model}: {st} not found")
        return
    text = f"""[system]
structure = "{st}"
[velocities]
temperature = 300.0
seed = 5
[[potential]]
type = "hdnnp"
model = "{src}"
native_units = true
max_extrapolation_warnings = -1  # a numerical comparison, driven far out of the model's range
[run]
timestep = {dt}
steps = {steps}
[neighbor]
skin = 1.0
[output]
thermo_every = {steps}
trajectory = {{ file = "traj.extxyz", every = {steps}, unwrapped = true }}
"""
    case(work, "hdnnp_" + model, text, nps)


def resident_case(work):
    """The resident GPU step (issue 7) on 1, 2 and 3 ranks in host emulation of the kernels:
    halo records of swaps with other ranks are packed on the (emulated) device, moved by
    MPI and unpacked there; migration at rebuilds goes through the host."""
    v = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout
    if "built with CUDA: yes" not in v:
        print("skip resident: nnmd built without CUDA")
        return
    src = os.path.join(SHARED, "models", "H2O_RPBE-D3")
    st = os.path.join(src, "reference", "h2o_192.data")
    if not os.path.exists(st):
        print(f"skip resident: {st} not found")
        return
    text = f"""[system]
structure = "{st}"
[velocities]
temperature = 300.0
seed = 5
[[potential]]
type = "hdnnp"
model = "{src}"
native_units = true
[run]
ensemble = "nvt"
thermostat = "langevin"
temperature = 300.0
tdamp = 0.01
timestep = 0.0005
steps = 20
[neighbor]
skin = 0.5
every = 1
[parallel]
device = "gpu"
precision = "double"
[output]
thermo_every = 20
trajectory = {{ file = "traj.extxyz", every = 20, unwrapped = true }}
"""
    os.environ["NNMD_GPU_EMULATE"] = "1"
    try:
        case(work, "resident_gpu_emulated", text, [2, 3])
    finally:
        del os.environ["NNMD_GPU_EMULATE"]


def field_case(work):
    """Constant-charge field under MTK NPT: forces, unwrapped positions and the field work
    (a per-atom sum that migrates with the atoms) equal the serial run."""
    pairs = ", ".join(f'{{ species = ["{a}", "{b}"], epsilon = 0.0104, sigma = 3.405 }}'
                      for a, b in (("Na", "Na"), ("Na", "Cl"), ("Cl", "Cl")))
    text = f"""[system]
lattice = {{ type = "bcc", a = 5.09, repeat = [6, 6, 6], species = ["Na", "Cl"] }}
[velocities]
temperature = 200.0
seed = 3
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ {pairs} ]
[field]
E = [0.05, -0.02, 0.03]
charges = {{ Na = 1.0, Cl = -1.0 }}
[run]
ensemble = "npt"
barostat = "mtk"
temperature = 200.0
pressure = 500.0
pdamp = 0.5
timestep = 0.004
steps = 200
[neighbor]
skin = 1.0
[output]
thermo_every = 200
trajectory = {{ file = "traj.extxyz", every = 200, unwrapped = true }}
"""
    d = os.path.join(work, "field")
    case(work, "field", text, [])
    shutil.copy(os.path.join(d, "thermo.csv"), os.path.join(d, "serial.csv"))
    def last_w(path):
        with open(path) as f:
            rows = [l.strip().split(",") for l in f if l.strip()]
        return float(rows[-1][rows[0].index("W_field")])
    w1 = last_w(os.path.join(d, "serial.csv"))
    for np in (2, 4):
        if run(d, "in.toml", np) != 0:
            check(False, f"field: {np} ranks failed")
            continue
        compare(os.path.join(d, "serial.extxyz"), os.path.join(d, "traj.extxyz"), f"field (NPT) np={np}")
        wn = last_w(os.path.join(d, "thermo.csv"))
        check(abs(w1) > 0.1 and rel(w1, wn) < 1e-9, f"field work np={np}: {wn:.12g} vs serial {w1:.12g} eV")


def add_dipole_outputs(model):
    """The sample model (P = 4, 21 outputs, 2 hidden layers of 8) grown by the P = 4 dipole
    outputs of tensor_charge_dipole: fixed pseudo-random weights and biases for neurons 22..25."""
    nn = os.path.join(model, "bec.nn")
    text = open(nn).read().replace("nnmd_bec_outputs 21", "nnmd_bec_outputs 25")
    open(nn, "w").write(text)
    for z in ("001", "008"):
        with open(os.path.join(model, f"bec-weights.{z}.data"), "a") as f:
            k = 1000
            for ne in range(22, 26):
                for ns in range(1, 9):
                    k += 1
                    f.write(f"{0.4 * math.sin(1.7 * k + int(z)):.17e} a {k} 2 {ns} 3 {ne}\n")
                k += 1
                f.write(f"{0.2 * math.cos(0.9 * k):.17e} b {k} 3 {ne}\n")


def bec_case(work, form="tensor"):
    """Born charges from the sample BEC model on the water HDNNP: the sum rule (an allreduce
    over ranks), the field forces and the field work equal the serial run. form
    "tensor_charge": the same weights read as the charge-derivative form, whose Z* gathers
    neighbour contributions from ghosts of other ranks (the halo's reverse sum)."""
    src = os.path.join(SHARED, "models", "H2O_RPBE-D3")
    ref = os.path.join(src, "reference", "h2o_192.data")
    bec = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "bec", "HO")
    if not os.path.exists(ref):
        print(f"skip bec: {ref} not found")
        return
    d = os.path.join(work, "bec-" + form)
    os.makedirs(d)
    if form != "tensor":
        shutil.copytree(bec, os.path.join(d, "model"))
        with open(os.path.join(d, "model", "bec.nn"), "a") as f:
            f.write(f"nnmd_bec_form {form}\n")
        bec = os.path.join(d, "model")
        if form == "tensor_charge_dipole":
            add_dipole_outputs(bec)
    B = 1.8897261328
    lines = open(ref).read().split("\n")
    lat = [[float(x) / B for x in l.split()[1:4]] for l in lines if l.startswith("lattice")]
    at = [l.split() for l in lines if l.startswith("atom")]
    with open(os.path.join(d, "w.extxyz"), "w") as f:
        f.write(f"{len(at)}\nLattice=\"{' '.join('%.10f' % x for v in lat for x in v)}\" "
                "Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n")
        for a in at:
            f.write("%s %.10f %.10f %.10f\n" % (a[4], *[float(a[1 + q]) / B for q in range(3)]))
    text = f"""[system]
structure = "w.extxyz"
[velocities]
temperature = 300.0
seed = 5
[[potential]]
type = "hdnnp"
model = "{src}"
length_unit = "bohr"
energy_unit = "hartree"
[field]
E = [0.1, 0.05, -0.08]
born_charges = "{bec}"
[run]
timestep = 0.0005
steps = 100
[output]
thermo_every = 100
trajectory = {{ file = "traj.extxyz", every = 100, unwrapped = true }}
"""
    with open(os.path.join(d, "in.toml"), "w") as f:
        f.write(text)
    if run(d, "in.toml") != 0:
        check(False, "bec: serial run failed")
        return
    shutil.copy(os.path.join(d, "traj.extxyz"), os.path.join(d, "serial.extxyz"))
    shutil.copy(os.path.join(d, "thermo.csv"), os.path.join(d, "serial.csv"))
    def last(path, name):
        with open(path) as f:
            rows = [l.strip().split(",") for l in f if l.strip()]
        return float(rows[-1][rows[0].index(name)])
    for np in (2, 4):
        if run(d, "in.toml", np) != 0:
            check(False, f"bec: {np} ranks failed")
            continue
        compare(os.path.join(d, "serial.extxyz"), os.path.join(d, "traj.extxyz"), f"BEC ({form}) field np={np}")
        for name in ("W_field", "ASR"):
            a, b = last(os.path.join(d, "serial.csv"), name), last(os.path.join(d, "thermo.csv"), name)
            check(abs(a) > 0 and rel(a, b) < 1e-9, f"BEC ({form}) {name} np={np}: {b:.12g} vs serial {a:.12g}")


def main():
    work = tempfile.mkdtemp(prefix="nnmd-mpi-")
    try:
        case(work, "lj", lj_input('lattice = { type = "fcc", a = 5.719, repeat = [6, 6, 6], species = "Ar" }'),
             [2, 3, 4, 8])
        case(work, "langevin", lj_input('lattice = { type = "fcc", a = 5.719, repeat = [6, 6, 6], species = "Ar" }',
                                        run='ensemble = "nvt"\nthermostat = "langevin"\ntemperature = 120.0\ntdamp = 0.5'),
             [4])
        fcc = 'lattice = { type = "fcc", a = 5.719, repeat = [6, 6, 6], species = "Ar" }'
        case(work, "npt_mtk", lj_input(fcc, run='ensemble = "npt"\nbarostat = "mtk"\ntemperature = 120.0\n'
                                                'pressure = 1000.0\npdamp = 0.5\ncouple = "iso"'), [3])
        case(work, "npt_crescale", lj_input(fcc, run='ensemble = "npt"\nbarostat = "c-rescale"\nthermostat = "csvr"\n'
                                                     'temperature = 120.0\npressure = 1000.0\ncouple = "aniso"'), [4])
        tri = os.path.join(work, "tri.extxyz")
        triclinic_structure(tri)
        case(work, "triclinic", lj_input('structure = "tri.extxyz"', extra='[parallel]\ngrid = [2, 2, 1]'), [4],
             files=[tri])
        # native units: Bohr and Hartree with amu masses, so 0.0005 "ps" moves atoms ~2 bohr in 200 steps
        hdnnp(work, "H2O_RPBE-D3", "h2o_192.data", [2, 3, 4, 8], steps=200, dt=0.0005)
        hdnnp(work, "Cu2S_PBE", "cu2s_144.data", [2, 3, 4, 8], steps=200, dt=0.001)
        hot_gas(work)
        restart_case(work)
        field_case(work)
        bec_case(work)
        bec_case(work, "tensor_charge")
        bec_case(work, "tensor_charge_dipole")
        resident_case(work)
    finally:
        if results["failed"] == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept:", work)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
