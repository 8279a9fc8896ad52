"""Shared pieces of the Li3PO4 labelling pipeline: paths, pseudopotentials, running QE, frames (extxyz)."""
import datetime
import fcntl
import hashlib
import os
import resource
import shutil
import subprocess
import time

import numpy as np

import qe_io as Q

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
DATA_DIR = os.path.join(HERE, "data")
DATA = os.path.join(DATA_DIR, "li3po4.extxyz")
FAILED = os.path.join(DATA_DIR, "failed.tsv")
JOBLOG = os.path.join(DATA_DIR, "jobs.tsv")
PSEUDO_IN = os.path.join(HERE, "pseudo")
PSEUDO_DIR = os.path.join(WORK, "pseudo")
STOP_FILE = os.path.join(WORK, "STOP")

ECUTWFC, ECUTRHO = 50.0, 400.0
CONV_EFS, CONV_BEC, TR2_PH = 1e-8, 1e-10, 1e-12
NP = 2


def mpi_cmd(prog, inp):
    return ["nice", "-n", "19", "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(NP), prog, "-in", inp]


def env():
    e = dict(os.environ)
    e["OMP_NUM_THREADS"] = "1"
    return e


def now():
    return datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------------------------------- pseudopotentials

def ensure_pseudos(log=print):
    """Generate the three ultrasoft PBE pseudopotentials from pseudo/*.in with ld1.x into work/pseudo (gitignored).
    The ld1.x output (all-electron vs pseudo test) is kept next to them; pseudo/ld1_records/ holds the committed
    record and pseudo/UPF.md5 the checksums of the first generation."""
    os.makedirs(PSEUDO_DIR, exist_ok=True)
    for el in ("Li", "P", "O"):
        upf = os.path.join(PSEUDO_DIR, Q.PSEUDOS[el])
        if os.path.exists(upf):
            continue
        log(f"generating {Q.PSEUDOS[el]} with ld1.x")
        with open(os.path.join(PSEUDO_IN, f"{el}.in")) as fin, \
                open(os.path.join(PSEUDO_DIR, f"ld1_{el}.out"), "w") as fout:
            subprocess.run(["nice", "-n", "19", "ld1.x"], stdin=fin, stdout=fout, stderr=subprocess.STDOUT,
                           cwd=PSEUDO_DIR, check=True)
        if not os.path.exists(upf):
            raise RuntimeError(f"ld1.x did not write {upf}")
    md5 = {el: hashlib.md5(open(os.path.join(PSEUDO_DIR, Q.PSEUDOS[el]), "rb").read()).hexdigest()
           for el in ("Li", "P", "O")}
    ref = os.path.join(PSEUDO_IN, "UPF.md5")
    if os.path.exists(ref):
        want = dict(line.split()[::-1] for line in open(ref) if line.strip())
        for el in md5:
            if want.get(Q.PSEUDOS[el]) not in (None, md5[el]):
                log(f"WARNING: {Q.PSEUDOS[el]} md5 {md5[el]} differs from the recorded {want[Q.PSEUDOS[el]]}")
    return md5


# ------------------------------------------------------------------------------------------------- running QE

class Timer:
    def __enter__(self):
        self.w0 = time.time()
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.c0 = r.ru_utime + r.ru_stime
        return self

    def __exit__(self, *a):
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.wall = time.time() - self.w0
        self.cpu = r.ru_utime + r.ru_stime - self.c0


def run_qe(prog, inp, out, cwd):
    with open(os.path.join(cwd, out), "w") as f:
        p = subprocess.run(mpi_cmd(prog, inp), cwd=cwd, stdout=f, stderr=subprocess.STDOUT, env=env(),
                           stdin=subprocess.DEVNULL)
    return p.returncode


def label(s, jobdir, kpts, bec=False, ecutwfc=ECUTWFC, ecutrho=ECUTRHO, conv_thr=None):
    """Run pw.x (and ph.x if bec) for structure s in jobdir. Returns (result dict, wall_s, cpu_s).
    Raises Q.ParseError / RuntimeError on failure."""
    os.makedirs(jobdir, exist_ok=True)
    conv_thr = conv_thr or (CONV_BEC if bec else CONV_EFS)
    Q.write_pw_input(os.path.join(jobdir, "scf.in"), s, PSEUDO_DIR, kpts, ecutwfc, ecutrho, conv_thr)
    res = {"ecutwfc": ecutwfc, "ecutrho": ecutrho, "conv_thr": conv_thr, "kpts": tuple(kpts)}
    with Timer() as t:
        rc = run_qe("pw.x", "scf.in", "scf.out", jobdir)
        text = open(os.path.join(jobdir, "scf.out"), errors="replace").read()
        res.update(Q.parse_pw(text, s.natoms))  # raises if not converged
        if rc != 0:
            raise RuntimeError(f"pw.x exit code {rc}")
        res["wall_pw"] = None
        if bec:
            Q.write_ph_input(os.path.join(jobdir, "ph.in"), tr2_ph=TR2_PH)
            t_pw = time.time() - t.w0
            rc = run_qe("ph.x", "ph.in", "ph.out", jobdir)
            text = open(os.path.join(jobdir, "ph.out"), errors="replace").read()
            if rc != 0:
                raise RuntimeError(f"ph.x exit code {rc}")
            res.update(Q.parse_ph(text, s.natoms))
            res["tr2_ph"] = TR2_PH
            res["wall_pw"] = t_pw
    return res, t.wall, t.cpu


def archive(jobdir):
    """Compress raw outputs, drop the scratch (wavefunctions)."""
    shutil.rmtree(os.path.join(jobdir, "tmp"), ignore_errors=True)
    for f in ("scf.out", "ph.out"):
        p = os.path.join(jobdir, f)
        if os.path.exists(p):
            subprocess.run(["gzip", "-f", "-9", p], check=False)
    for f in ("dyn",):
        p = os.path.join(jobdir, f)
        if os.path.exists(p):
            subprocess.run(["gzip", "-f", p], check=False)


# ------------------------------------------------------------------------------------------------- frames

def _q(v):
    return '"' + v + '"'


def frame_text(s, res, wall_s, extra=None):
    n = s.natoms
    bec = "zstar" in res
    props = "species:S:1:pos:R:3:forces:R:3" + (":born_charges:R:9" if bec else "")
    kv = [
        "Lattice=" + _q(" ".join(f"{x:.10f}" for x in s.cell.reshape(-1))),
        "Properties=" + props,
        f"energy={res['energy']:.10f}",
        "stress=" + _q(" ".join(f"{x:.10e}" for x in res["stress"].reshape(-1))),
        'pbc="T T T"',
        f"config_id={s.info['config_id']}",
        f"config_kind={s.info['config_kind']}",
        f"qe_version={res['qe_version']}",
        "xc=PBE",
        f"ecutwfc={res['ecutwfc']:g}",
        f"ecutrho={res['ecutrho']:g}",
        "kpts=" + _q(" ".join(str(k) for k in res["kpts"])),
        f"conv_thr={res['conv_thr']:.0e}",
        f"scf_iterations={res['scf_iterations']}",
        f"date={_q(now())}",
        f"wall_s={wall_s:.1f}",
    ]
    for k in ("rattle_sigma", "strain_voigt", "removed_atoms"):
        if k in s.info:
            v = s.info[k]
            kv.append(f"{k}=" + (_q(v) if isinstance(v, str) and " " in v else str(v)))
    if bec:
        z = res["zstar"]
        asr = np.abs(z.sum(axis=0)).max()
        kv += ["index_order=field_first",
               "epsilon_inf=" + _q(" ".join(f"{x:.6f}" for x in res["epsilon"].reshape(-1))),
               f"asr_violation={asr:.5f}", f"tr2_ph={res['tr2_ph']:.0e}"]
    for k in sorted(s.info):   # provenance of active-learning candidates (active_learning.py)
        if k.startswith("al_"):
            v = str(s.info[k])
            kv.append(f"{k}=" + (_q(v) if " " in v else v))
    for k, v in (extra or {}).items():
        kv.append(f"{k}={v}")
    lines = [str(n), " ".join(kv)]
    for i in range(n):
        row = f"{s.symbols[i]:2s} " + " ".join(f"{x:16.10f}" for x in s.pos[i]) + " " + \
              " ".join(f"{x:15.8f}" for x in res["forces"][i])
        if bec:
            row += " " + " ".join(f"{x:10.5f}" for x in res["zstar"][i].reshape(-1))
        lines.append(row)
    return "\n".join(lines) + "\n"


def append_locked(path, text):
    """Append text under an exclusive lock, in one write, fsync'ed."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_frames_index(path=DATA, repair=False):
    """[(config_id, natoms, has_born, wall_s)] for every complete frame. With repair=True (only the runner, the
    single writer, between jobs) a partial last frame is cut off (a copy of the file is kept)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        lines = f.read().split("\n")
    i, good_end = 0, 0
    nl = len(lines)
    while i < nl:
        if not lines[i].strip():
            i += 1
            continue
        try:
            n = int(lines[i])
        except ValueError:
            break
        if i + 2 + n > nl or (i + 2 + n == nl and n > 0 and lines[-1] != ""):
            break
        head = lines[i + 1]
        body = lines[i + 2:i + 2 + n]
        if len(body) != n or any(not b.strip() for b in body):
            break
        cid = head.split("config_id=")[1].split()[0]
        wall = float(head.split("wall_s=")[1].split()[0]) if "wall_s=" in head else 0.0
        out.append((cid, n, "born_charges" in head, wall))
        i += 2 + n
        good_end = i
    if repair and any(x.strip() for x in lines[good_end:]):
        # partial frame at the end (crash during a write): cut it off, keep a copy
        keep = "\n".join(lines[:good_end]) + ("\n" if good_end else "")
        shutil.copy(path, path + ".corrupt-" + datetime.datetime.now().strftime("%Y%m%d%H%M%S"))
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(keep)
        os.replace(tmp, path)
    return out


def read_tsv(path):
    if not os.path.exists(path):
        return []
    rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    return rows[1:] if rows and rows[0][0] == "id" else rows


def append_tsv(path, header, row):
    new = not os.path.exists(path)
    append_locked(path, ("\t".join(header) + "\n" if new else "") + "\t".join(str(x) for x in row) + "\n")
