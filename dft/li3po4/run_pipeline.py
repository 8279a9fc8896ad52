#!/usr/bin/env python3
"""Li3PO4 DFT labelling pipeline (Quantum ESPRESSO pw.x / ph.x). Resumable; one structure per job.

  python3 run_pipeline.py              run the queue (skips finished and failed ids); stops cleanly after the
                                       current job on SIGTERM/SIGINT or when work/STOP exists
  python3 run_pipeline.py status       counts (frames E/F/S, Z*, failures, CPU hours), running PID, current job
  python3 run_pipeline.py stop         create work/STOP (the runner finishes its current job, then exits)
  python3 run_pipeline.py queue [N]    print the next N queued ids
Options for run: --max-jobs N, --only ID[,ID...], --commit-every N (git-commit dft/li3po4/data every N frames;
off by default because other people work in the same checkout).
"""
import os
import sys

import numpy_or_debian  # noqa: F401,E402  (numpy, or a restart under /usr/bin/python3)

import argparse
import fcntl
import signal
import subprocess
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline as P  # noqa: E402
import structures as S  # noqa: E402

EFS_PER_BEC = 12
CAND_EFS_PER_BEC = 12  # active-learning candidates: a Z* job after every 12 E/F/S jobs (Z* jobs still take about
#                        half of the time: the energy model gates the active-learning loop, so it goes first)
MAX_ATTEMPTS = 2  # a job that was started this many times without finishing (crash, kill) is marked failed

_stop = {"flag": False}


def log(msg):
    print(f"[{P.now()}] {msg}", flush=True)


def queue_order():
    """Deterministic queue. E/F/S jobs: every (family, kind) group is spread evenly over the queue (stride
    ordering by (k+0.5)/count), ideal cells first, so 16-, 32- and 64-atom cells and all variants grow together.
    One Born-charge (16-atom) job after every EFS_PER_BEC E/F/S jobs; leftovers of either list at the end."""
    jobs = S.job_list()
    groups = {}
    for j in jobs:
        groups.setdefault((j["family"], j["kind"], j["job"]), []).append(j)
    efs, bec = [], []
    for gi, ((fam, kind, job), js) in enumerate(groups.items()):
        for k, j in enumerate(js):
            key = -1.0 if kind == "ideal" else (k + 0.5) / len(js)
            (bec if job == "bec" else efs).append((key, gi, j))
    efs = [j for _, _, j in sorted(efs, key=lambda x: (x[0], x[1]))]
    bec = [j for _, _, j in sorted(bec, key=lambda x: (x[0], x[1]))]
    # the first Born-charge job right after the two ideal cells, so the DFPT chain is exercised early
    out = efs[:2] + bec[:1]
    efs, bec = efs[2:], bec[1:]
    # active-learning candidates (amorphous and hot structures from nnmd MD) next: they are where the current
    # model is least certain
    try:
        cand = S.candidate_jobs()
        cefs = [j for j in cand if j["job"] != "bec"]
        cbec = [j for j in cand if j["job"] == "bec"]
        while cefs or cbec:   # one Z* job after every CAND_EFS_PER_BEC E/F/S candidates
            out += cefs[:CAND_EFS_PER_BEC]
            cefs = cefs[CAND_EFS_PER_BEC:]
            if cbec:
                out.append(cbec.pop(0))
    except (OSError, ValueError, KeyError, IndexError) as e:   # a broken candidates file must not stop the runner
        log(f"candidates ignored: {type(e).__name__}: {e}")
    while efs or bec:
        out += efs[:EFS_PER_BEC]
        efs = efs[EFS_PER_BEC:]
        if bec:
            out.append(bec.pop(0))
    return out


def done_ids(repair=False):
    frames = P.read_frames_index(repair=repair)
    failed = {r[0] for r in P.read_tsv(P.FAILED)}
    return {f[0] for f in frames}, failed, frames


def record_failure(cid, reason):
    P.append_tsv(P.FAILED, ["id", "date", "reason"], [cid, P.now(), reason.replace("\t", " ").replace("\n", " ")])


def record_job(cid, job, natoms, status, wall, cpu):
    P.append_tsv(P.JOBLOG, ["id", "job", "natoms", "status", "wall_s", "cpu_s", "date", "loadavg"],
                 [cid, job, natoms, status, f"{wall:.1f}", f"{cpu:.1f}", P.now(), f"{os.getloadavg()[0]:.2f}"])


def git_commit(n):
    repo = os.path.abspath(os.path.join(P.HERE, "..", ".."))
    for _ in range(10):
        a = subprocess.run(["git", "add", "dft/li3po4/data"], cwd=repo, capture_output=True, text=True)
        c = subprocess.run(["git", "commit", "-m", f"dft/li3po4: {n} labelled frames", "--", "dft/li3po4/data"],
                           cwd=repo, capture_output=True, text=True) if a.returncode == 0 else a
        if c.returncode == 0 or "nothing to commit" in (c.stdout + c.stderr):
            return True
        if "index.lock" in c.stderr:
            time.sleep(5)
            continue
        log(f"git commit failed: {c.stderr.strip()}")
        return False
    return False


def run_one(j):
    cid, bec = j["id"], j["job"] == "bec"
    jobdir = os.path.join(P.WORK, cid)
    os.makedirs(jobdir, exist_ok=True)
    att_file = os.path.join(jobdir, "attempts")
    attempts = int(open(att_file).read()) if os.path.exists(att_file) else 0
    if attempts >= MAX_ATTEMPTS:
        record_failure(cid, f"started {attempts} times without finishing")
        log(f"{cid}: FAILED (started {attempts} times without finishing)")
        return
    with open(att_file, "w") as f:
        f.write(str(attempts + 1))
    s = S.make_job(j)
    kpts = S.job_kmesh(j)
    log(f"{cid}: {s.natoms} atoms, k {kpts}, {'SCF+DFPT' if bec else 'SCF'} ...")
    try:
        res, wall, cpu = P.label(s, jobdir, kpts, bec=bec)
    except Exception as e:  # no convergence, parse error, QE crash: log, skip, never retry
        P.archive(jobdir)
        if _stop["flag"]:  # QE was killed together with us (e.g. Ctrl-C to the process group): rerun next time
            log(f"{cid}: interrupted ({type(e).__name__}: {e}); not marked failed, reruns on the next start")
            return
        record_failure(cid, f"{type(e).__name__}: {e}")
        record_job(cid, j["job"], s.natoms, "failed", 0.0, 0.0)
        log(f"{cid}: FAILED {type(e).__name__}: {e}")
        return
    text = P.frame_text(s, res, wall)
    tmp = os.path.join(jobdir, "frame.extxyz")
    with open(tmp, "w") as f:
        f.write(text)
    P.append_locked(P.DATA, text)
    record_job(cid, j["job"], s.natoms, "ok", wall, cpu)
    P.archive(jobdir)
    with open(os.path.join(jobdir, "DONE"), "w") as f:
        f.write(P.now() + "\n")
    msg = f"{cid}: done in {wall:.0f} s wall, {cpu:.0f} s cpu, E = {res['energy']:.4f} eV, " \
          f"|F|max = {abs(res['forces']).max():.2f} eV/A, P = {res['pressure_kbar']:.1f} kbar"
    if bec:
        z = res["zstar"]
        tr = {e: sum(z[i].trace() / 3 for i in range(s.natoms) if s.symbols[i] == e) / s.symbols.count(e)
              for e in ("Li", "P", "O")}
        msg += f"; pw {res['wall_pw']:.0f} s; eps_inf diag {res['epsilon'].diagonal().round(3).tolist()}; " \
               f"Tr Z*/3 " + " ".join(f"{e} {v:+.3f}" for e, v in tr.items()) + \
               f"; ASR max {abs(z.sum(0)).max():.3f}"
    log(msg)


def cmd_run(args):
    os.makedirs(P.WORK, exist_ok=True)
    lockf = open(os.path.join(P.WORK, "pipeline.lock"), "w")
    try:
        fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("another run_pipeline.py is running (work/pipeline.lock held)", file=sys.stderr)
        return 1
    with open(os.path.join(P.WORK, "pipeline.pid"), "w") as f:
        f.write(f"{os.getpid()}\n")

    def handler(sig, frame):
        _stop["flag"] = True
        log(f"signal {sig}: stopping after the current job")
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    # `nice` alone does not yield to other sessions under the kernel's autogroup scheduling (a setsid'ed runner
    # is its own group): lower the group's weight too, so builds and tests beside the runner keep their speed
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write("19")
    except OSError:
        pass
    md5 = P.ensure_pseudos(log)
    log(f"pipeline start, pid {os.getpid()}, pseudos md5 {md5}")
    ndone = 0
    since_commit = 0
    tried = set()
    while True:
        # the queue is rebuilt before every job, so candidates added by active_learning.py are picked up
        # by a running runner
        q = queue_order()
        if args.only:
            want = set(args.only.split(","))
            q = [j for j in q if j["id"] in want]
        finished, failed, _ = done_ids(repair=True)
        q = [j for j in q if j["id"] not in finished and j["id"] not in failed and j["id"] not in tried]
        if not q:
            break
        j = q[0]
        tried.add(j["id"])
        if _stop["flag"]:
            break
        if os.path.exists(P.STOP_FILE):
            os.remove(P.STOP_FILE)
            log("stop file found (removed): stopping")
            break
        if args.max_jobs is not None and ndone >= args.max_jobs:
            break
        with open(os.path.join(P.WORK, "current"), "w") as f:
            f.write(f"{j['id']} {P.now()}\n")
        try:
            run_one(j)
        except Exception:
            log(f"{j['id']}: unexpected error\n{traceback.format_exc()}")
            record_failure(j["id"], "unexpected error (see pipeline.log)")
        ndone += 1
        since_commit += 1
        if args.commit_every and since_commit >= args.commit_every:
            if git_commit(len(done_ids()[0])):
                since_commit = 0
    if os.path.exists(os.path.join(P.WORK, "current")):
        os.remove(os.path.join(P.WORK, "current"))
    if args.commit_every and since_commit:
        git_commit(len(done_ids()[0]))
    log(f"pipeline exit after {ndone} jobs")
    return 0


def cmd_status(args):
    finished, failed, frames = done_ids()
    q = queue_order()
    n_efs = sum(1 for f in frames if not f[2])
    n_bec = sum(1 for f in frames if f[2])
    by_size = {}
    for f in frames:
        by_size[(f[1], f[2])] = by_size.get((f[1], f[2]), 0) + 1
    jobs = P.read_tsv(P.JOBLOG)
    cpu_h = sum(float(r[5]) for r in jobs) / 3600
    wall_h = sum(float(r[4]) for r in jobs) / 3600
    todo = [j for j in q if j["id"] not in finished and j["id"] not in failed]
    print(f"frames: {len(frames)} total = {n_efs} E/F/S + {n_bec} E/F/S+Z* (targets >= 400 E/F/S, >= 40 Z*)")
    print("  by natoms: " + ", ".join(f"{n} atoms{' Z*' if b else ''}: {c}" for (n, b), c in sorted(by_size.items())))
    print(f"failures: {len(failed)}" + (f" ({', '.join(sorted(failed)[:10])}{' ...' if len(failed) > 10 else ''})"
                                        if failed else ""))
    print(f"queue: {len(todo)} of {len(q)} jobs left ({sum(1 for j in todo if j['job'] == 'bec')} Z*)")
    try:
        cand = S.candidate_jobs()
    except (OSError, ValueError, KeyError, IndexError) as e:
        cand = []
        print(f"candidates: unreadable ({type(e).__name__}: {e})")
    if cand:
        rounds = sorted({j["kind"] for j in cand})
        print(f"active-learning candidates ({', '.join(rounds)}): {len(cand)}, labelled "
              f"{sum(1 for j in cand if j['id'] in finished)}, failed {sum(1 for j in cand if j['id'] in failed)}, "
              f"left {sum(1 for j in cand if j['id'] not in finished and j['id'] not in failed)}")
    print(f"time spent: {wall_h:.2f} h wall, {cpu_h:.2f} h CPU (QE processes, all ranks)")
    for job, nat in sorted({(r[1], r[2]) for r in jobs if r[3] == "ok"}):
        w = [float(r[4]) for r in jobs if r[1] == job and r[2] == nat and r[3] == "ok"]
        print(f"  {job} {nat:>2s} atoms: {len(w)} jobs, mean wall {sum(w) / len(w):.0f} s")
    pidf = os.path.join(P.WORK, "pipeline.pid")
    running = False
    if os.path.exists(pidf):
        pid = int(open(pidf).read())
        try:
            os.kill(pid, 0)
            running = "run_pipeline" in open(f"/proc/{pid}/cmdline").read()
        except OSError:
            pass
        print(f"runner: {'RUNNING pid ' + str(pid) if running else 'not running'}")
    cur = os.path.join(P.WORK, "current")
    if running and os.path.exists(cur):
        print(f"current job: {open(cur).read().strip()}")
    if os.path.exists(P.STOP_FILE):
        print("stop requested (work/STOP exists)")
    return 0


def cmd_stop(args):
    os.makedirs(P.WORK, exist_ok=True)
    open(P.STOP_FILE, "w").close()
    print("created work/STOP: the runner stops after its current job (or `kill <pid>`, same effect)")
    return 0


def cmd_queue(args):
    finished, failed, _ = done_ids()
    q = [j for j in queue_order() if j["id"] not in finished and j["id"] not in failed]
    for j in q[:args.n]:
        print(j["id"], j["job"])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", default="run", choices=["run", "status", "stop", "queue"])
    ap.add_argument("n", nargs="?", type=int, default=30)
    ap.add_argument("--max-jobs", type=int)
    ap.add_argument("--only")
    ap.add_argument("--commit-every", type=int, default=0)
    args = ap.parse_args()
    return {"run": cmd_run, "status": cmd_status, "stop": cmd_stop, "queue": cmd_queue}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
