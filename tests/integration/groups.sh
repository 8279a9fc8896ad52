#!/usr/bin/env bash
# [[group]] checks with an LJ argon system (500 atoms):
#  - frozen atoms (freeze = true) keep their positions bit for bit (extxyz %.17g text equal
#    between the first and last frame), their force and velocity columns are 0, T_wall = 0
#    and the temperature uses N_f = 3 (N - N_frozen);
#  - a Langevin and a CSVR group thermostat (half the cell, 150 K, the rest NVE, starting from
#    60 K) hold T_hot at 150 K: |mean - 150| < 4 standard errors (5 blocks of steps 1000-5000)
#    + 3 K = 2 % (the heat still flowing into the NVE half biases it low), and the Conserved column
#    (K + U + thermostat reservoir) moves by < 1e-4 relative;
#  - the group columns can be picked by [output] thermo_columns;
#  - the per-group MSD of a group that is a species equals that species' MSD (msd_<g>.csv),
#    and takes the [output] prefix;
#  - groups by id range, sphere, cylinder, plane and an extxyz column select the expected counts;
#  - a restart from a checkpoint reproduces the continuous run (reservoir from the checkpoint),
#    and groups added at a restart select by atom id on the input structure (shuffled ids);
#  - with MPI (2 ranks) the frozen atoms still do not move, and the Langevin and CSVR group runs and the
#    per-group MSD equal the serial ones (1e-7 relative).
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
head_toml() { cat <<TOML
[system]
lattice = { type = "fcc", a = $1, repeat = [5, 5, 5], species = "Ar" }
[velocities]
temperature = $2
seed = 11
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
TOML
}
# ---- freeze ----
{ head_toml 5.9 100.0; cat <<'TOML'
[run]
timestep = 0.004
steps = 300
[output]
thermo_every = 50
trajectory = { file = "traj.extxyz", every = 300 }
[[group]]
name = "wall"
region = { shape = "block", coords = "fractional", lo = [0, 0, 0], hi = [1, 1, 0.25] }
freeze = true
thermo = true
TOML
} > freeze.toml
frozen_check() { # $1 = trajectory [$2 = LAMMPS data file of the initial positions]
  python3 - "$@" <<'PY'
import sys
L = open(sys.argv[1]).read().split('\n'); fr = []; i = 0
while i < len(L) and L[i].strip():
    n = int(L[i]); fr.append(L[i + 2:i + 2 + n]); i += n + 2
def parse(f): return {l.split()[4]: l.split() for l in f}
a, b = parse(fr[0]), parse(fr[-1])
frozen = [k for k in a if all(float(x) == 0.0 for x in b[k][5:11])]  # v and f zero at the end
# the frozen atoms must be the wall: z < 7.375 A (a quarter of the 29.5 A cell) initially
z0 = {k: float(v[3]) for k, v in a.items()}
if len(sys.argv) > 2:
    z0 = {l.split()[0]: float(l.split()[4]) for l in open(sys.argv[2]) if len(l.split()) == 5}
same = [k for k in frozen if a[k][1:4] == b[k][1:4] and z0[k] < 7.375]
moved = sum(1 for k in a if k not in frozen and a[k][1:4] != b[k][1:4])
print(len(fr), len(frozen), len(same), moved)
PY
}
if "$bin" run freeze.toml > freeze.log 2>&1; then ok; else bad "freeze run: $(tail -3 freeze.log)"; fi
read -r nf nfrozen nsame nmoved <<< "$(frozen_check traj.extxyz)"
[ "$nf" = 2 ] && [ "$nfrozen" = 150 ] && [ "$nsame" = 150 ] && [ "$nmoved" = 350 ] && ok \
  || bad "frozen atoms: frames $nf, frozen $nfrozen, unchanged $nsame (want 150), mobile moved $nmoved (want 350)"
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="T_wall") c=i} NR>1 && $c != 0 {b=1} END{exit !(c && !b)}' thermo.csv && ok \
  || bad "T_wall column missing or not 0"
# group columns can be chosen in [output] thermo_columns
sed 's/^thermo_every = 50/thermo_every = 50\nthermo_columns = ["temp", "T_wall", "N_wall"]/' freeze.toml > cols.toml
"$bin" run cols.toml > cols.log 2>&1 && [ "$(head -1 thermo.csv)" = "step,temp_K,T_wall,N_wall" ] && ok \
  || bad "thermo_columns with group columns: $(head -1 thermo.csv) $(tail -2 cols.log)"
"$bin" run freeze.toml > freeze.log 2>&1 || bad "freeze rerun"
# T at step 0 = 100 K with N_f = 3 (500 - 150)
awk -F, 'NR==2{exit !($3 > 99.999 && $3 < 100.001)}' thermo.csv && ok || bad "initial T with frozen atoms: $(sed -n 2p thermo.csv)"
# ---- group thermostats ----
for ty in langevin csvr; do
  { head_toml 5.9 60.0; cat <<TOML
[run]
timestep = 0.004
steps = 5000
[output]
thermo_every = 20
[[group]]
name = "hot"
region = { shape = "block", coords = "fractional", lo = [0, 0, 0.5], hi = [1, 1, 1] }
thermostat = { type = "$ty", temperature = 150.0, tdamp = 0.1 }
thermo = true
TOML
  } > $ty.toml
  if "$bin" run $ty.toml > $ty.log 2>&1; then ok; else bad "$ty group run: $(tail -3 $ty.log)"; fi
  res=$(awk -F, 'NR==1{for(i=1;i<=NF;i++){if($i=="T_hot")c=i; if($i=="conserved_eV")e=i}}
    NR==2{e0=$e} NR>2 && $1>=1000 && $1<5000 {k=int(($1-1000)/800); s[k]+=$c; n[k]++; m+=$c; nn++}
    END{m/=nn; for(b=0;b<5;b++) v+=(s[b]/n[b]-m)^2; se=sqrt(v/4/5); d=($e-e0)/e0; if(d<0)d=-d;
        printf "%.2f %.2f %.2e\n", m, se, d}' thermo.csv)
  read -r mean se drift <<< "$res"
  echo "$ty group thermostat: T_hot = $mean +- $se K (target 150), conserved drift $drift relative"
  awk -v m="$mean" -v s="$se" -v d="$drift" 'BEGIN{x=m-150; if(x<0)x=-x; exit !(x < 4*s + 3.0 && d < 1e-4)}' && ok \
    || bad "$ty: T_hot $mean +- $se, drift $drift"
done
# ---- per-group MSD of a species group equals the species MSD ----
{ head_toml 6.2 200.0; cat <<'TOML'
[run]
timestep = 0.005
steps = 400
[output]
thermo_every = 100
[[group]]
name = "argon"
species = ["Ar"]
[analysis.msd]
every = 5
window = 200
groups = ["argon"]
TOML
} > msd.toml
if "$bin" run msd.toml > msd.log 2>&1; then ok; else bad "msd run: $(tail -3 msd.log)"; fi
[ -s msd_argon.csv ] && [ -s diffusion_argon.json ] && cmp -s <(tail -n +2 msd.csv) <(tail -n +2 msd_argon.csv) && ok \
  || bad "group MSD differs from the species MSD"
sed 's/^\[output\]$/[output]\nprefix = "p_"/' msd.toml > msdp.toml
"$bin" run msdp.toml > msdp.log 2>&1 && [ -s p_msd_argon.csv ] && [ -s p_diffusion_argon.json ] && ok \
  || bad "per-group MSD with an [output] prefix: $(ls p_* 2>/dev/null | tr '\n' ' ') $(tail -2 msdp.log)"
# ---- selections: ids, sphere, cylinder, plane, column (counts from the log) ----
python3 - <<'PY'
n = 0
with open("col.extxyz", "w") as f:
    f.write("64\nLattice=\"11.4096 0 0 0 11.4096 0 0 0 11.4096\" Properties=species:S:1:pos:R:3:fixed:L:1:tag:I:1\n")
    for i in range(4):
        for j in range(4):
            for k in range(4):
                f.write("Ar %g %g %g %s %d\n" % (i * 2.8524, j * 2.8524, k * 2.8524, "T" if k == 0 else "F", i))
PY
cat > sel.toml <<'TOML'
[system]
structure = "col.extxyz"
[[potential]]
type = "lj"
cutoff = 5.0
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[[group]]
name = "byid"
ids = [5, 20]
[[group]]
name = "ball"
region = { shape = "sphere", center = [0, 0, 0], radius = 3.0 }
[[group]]
name = "rod"
region = { shape = "cylinder", axis = "z", center = [0.0, 0.0], radius = 0.5 }
[[group]]
name = "half"
region = { shape = "plane", point = [5.0, 0, 0], normal = [1, 0, 0] }
[[group]]
name = "fixed"
column = "fixed"
[[group]]
name = "tag3"
column = "tag"
species = "Ar"
region = { shape = "block", lo = [8.0, -1, -1], hi = [12, 12, 12] }
[run]
steps = 0
TOML
"$bin" check sel.toml > sel.log 2>&1 || bad "selection check: $(tail -3 sel.log)"
# ball: (0,0,0) and its 6 neighbours at 2.85 A (wrapped images at 8.56 are outside); rod: 4 atoms on the z axis
want="byid:16 ball:4 rod:4 half:32 fixed:16 tag3:16"
got=""; for g in byid ball rod half fixed tag3; do got="$got $g:$(sed -n "s/.*group $g: \([0-9]*\) atoms.*/\1/p" sel.log)"; done
[ "${got# }" = "$want" ] && ok || bad "selection counts: got '${got# }', want '$want'"
# ---- restart: groups and the group thermostat reservoir come back from the checkpoint ----
{ head_toml 5.9 100.0; cat <<'TOML'
[run]
timestep = 0.004
steps = 400
[output]
thermo_every = 50
checkpoint = { file = "g.chk", every = 200 }
[[group]]
name = "wall"
region = { shape = "block", coords = "fractional", lo = [0, 0, 0], hi = [1, 1, 0.25] }
freeze = true
[[group]]
name = "hot"
region = { shape = "block", coords = "fractional", lo = [0, 0, 0.5], hi = [1, 1, 1] }
thermostat = { type = "langevin", temperature = 150.0, tdamp = 0.1 }
thermo = true
TOML
} > rs.toml
"$bin" run rs.toml > rs1.log 2>&1 && cp thermo.csv full.csv || bad "restart: continuous run"
sed -i 's/steps = 400/steps = 200/' rs.toml
"$bin" run rs.toml > rs2.log 2>&1 || bad "restart: first part"
sed -i 's/steps = 200/steps = 400/' rs.toml
"$bin" run rs.toml --restart g.chk > rs3.log 2>&1 || bad "restart: $(tail -3 rs3.log)"
# steps 250..400: T, E_pot, E_kin, E_tot, Conserved, T_hot equal to 1e-8 relative
paste -d, <(grep -E '^(250|300|350|400),' full.csv) <(grep -E '^(250|300|350|400),' thermo.csv) | awk -F, '
  {n=NF/2; for(c=3;c<=7;c++) chk($c,$(c+n)); chk($13,$(13+n)); k++}
  function chk(a,b){d=a-b; if(d<0)d=-d; s=a<0?-a:a; if(d>1e-8*(s+1e-12)) bad++}
  END{exit !(k==4 && !bad)}' && ok || bad "restarted run differs: $(tail -1 full.csv) vs $(tail -1 thermo.csv)"
# groups added at a restart from a checkpoint written without them: membership by id from the
# input structure, here a LAMMPS data file with shuffled ids (the checkpoint holds atoms in id order)
python3 - <<'PY'
import random
random.seed(3)
a = 5.9
sites = [((i + u) * a, (j + v) * a, (k + w) * a) for i in range(5) for j in range(5) for k in range(5)
         for (u, v, w) in ((0, 0, 0), (.5, .5, 0), (.5, 0, .5), (0, .5, .5))]
ids = list(range(1, len(sites) + 1)); random.shuffle(ids)
with open("shuffled.data", "w") as f:
    f.write("shuffled fcc\n\n%d atoms\n1 atom types\n\n0 %g xlo xhi\n0 %g ylo yhi\n0 %g zlo zhi\n\nMasses\n\n1 39.948 # Ar\n\nAtoms # atomic\n\n" % (len(sites), 5 * a, 5 * a, 5 * a))
    for n, (x, y, z) in zip(ids, sites):
        f.write("%d 1 %.6f %.6f %.6f\n" % (n, x, y, z))
PY
sed -i '/^\[\[group\]\]/,$d' rs.toml
sed -i 's/^lattice = .*/structure = "shuffled.data"/' rs.toml
sed -i 's/steps = 400/steps = 200/' rs.toml
"$bin" run rs.toml > rs4.log 2>&1 || bad "restart: run without groups"
sed -i 's/steps = 200/steps = 300/' rs.toml
cat >> rs.toml <<'TOML'
trajectory = { file = "rs.extxyz", every = 50 }
[[group]]
name = "wall"
region = { shape = "block", coords = "fractional", lo = [0, 0, 0], hi = [1, 1, 0.25] }
freeze = true
TOML
python3 - <<'PY'
s = open("rs.toml").read()   # the trajectory line must sit in [output]
s = s.replace('trajectory = { file = "rs.extxyz", every = 50 }\n', '')
s = s.replace('[output]\n', '[output]\ntrajectory = { file = "rs.extxyz", every = 50 }\n')
open("rs.toml", "w").write(s)
PY
"$bin" run rs.toml --restart g.chk > rs5.log 2>&1 || bad "restart with groups added: $(tail -3 rs5.log)"
read -r nf nfrozen nsame nmoved <<< "$(frozen_check rs.extxyz shuffled.data)"
[ "$nfrozen" = 150 ] && [ "$nsame" = 150 ] && [ "$nmoved" = 350 ] && ok \
  || bad "groups added at restart: frozen $nfrozen, unchanged $nsame (want 150), moved $nmoved (want 350)"
# ---- MPI: 2 ranks ----
if [ "${NNMD_HAVE_MPI:-}" = "1" ] || [ "${NNMD_HAVE_MPI:-}" = "ON" ] || [ "${NNMD_HAVE_MPI:-}" = "TRUE" ]; then
  sed -i 's/steps = 300/steps = 600/; s/every = 300 }/every = 600 }/' freeze.toml
  if mpirun -np 2 --oversubscribe --allow-run-as-root "$bin" run freeze.toml > mpi.log 2>&1; then ok; else bad "mpi freeze: $(tail -3 mpi.log)"; fi
  read -r nf nfrozen nsame nmoved <<< "$(frozen_check traj.extxyz)"
  grep -q "MPI: 2 ranks" mpi.log && [ "$nsame" = 150 ] && [ "$nmoved" = 350 ] && ok \
    || bad "MPI: frozen unchanged $nsame (want 150), moved $nmoved (want 350)"
  # group thermostat and per-group MSD on 2 ranks = serial (counter RNG per atom id; rounding only)
  for ty in langevin csvr; do
    sed -i 's/steps = 5000/steps = 200/; s/thermo_every = 20/thermo_every = 100/' $ty.toml
    "$bin" run $ty.toml > l1.log 2>&1 && cp thermo.csv l1.csv
    mpirun -np 2 --oversubscribe --allow-run-as-root "$bin" run $ty.toml > l2.log 2>&1 || bad "mpi $ty group: $(tail -3 l2.log)"
    paste -d, <(tail -1 l1.csv) <(tail -1 thermo.csv) | awk -F, '{n=NF/2; for(c=3;c<=7;c++) chk($c,$(c+n)); chk($13,$(13+n))}
      function chk(a,b){d=a-b; if(d<0)d=-d; s=a<0?-a:a; if(d>1e-7*s) bad++} END{exit bad}' && ok \
      || bad "MPI $ty group thermostat differs from serial: $(tail -1 l1.csv) vs $(tail -1 thermo.csv)"
  done
  cp msd_argon.csv msd_argon_serial.csv
  mpirun -np 2 --oversubscribe --allow-run-as-root "$bin" run msd.toml > msd2.log 2>&1 || bad "mpi msd: $(tail -3 msd2.log)"
  paste -d, <(tail -n +2 msd_argon_serial.csv) <(tail -n +2 msd_argon.csv) | awk -F, '{n=NF/2; for(c=2;c<=n;c++){d=$c-$(c+n); if(d<0)d=-d; s=$c<0?-$c:$c; if(d>1e-7*s+1e-12) bad++}} END{exit bad}' \
    && cmp -s <(tail -n +2 msd.csv) <(tail -n +2 msd_argon.csv) && ok || bad "MPI per-group MSD differs from serial or from the species MSD"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
