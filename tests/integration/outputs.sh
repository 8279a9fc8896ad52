#!/usr/bin/env bash
# Where outputs go and what the thermo table holds (docs/outputs.md):
#  - two runs of one folder with different [output] prefix keep their own thermo.csv, MSD and
#    RDF products (no file of run a is touched by run b);
#  - [output] directory puts every output (thermo, trajectory, analysis, report) in that
#    folder, made with its parents;
#  - thermo_columns: the CSV header is exactly step + the requested columns; temp_Ar equals
#    temp * (3N-3)/(3N) (one species, COM removed by the N_f of temp); lx = a * repeat;
#    angles 90; the default table is unchanged without the key;
#  - a LAMMPS dump continued with --restart equals the continuous run's dump (frames after
#    the checkpoint cut off, none repeated);
#  - the progress/ETA line is printed on a terminal (script(1) pty) and never into a
#    redirected log, also under mpirun (which gives its ranks a pseudo-terminal).
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
mk() { # $1 = file, $2 = steps, $3 = extra [output] lines
  cat > "$1" <<TOML
[system]
lattice = { type = "fcc", a = 5.7048, repeat = [3, 3, 3], species = "Ar" }
[velocities]
temperature = 100.0
seed = 7
[[potential]]
type = "lj"
cutoff = 8.0
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
timestep = 0.002
steps = $2
[output]
thermo_every = 20
$3
[analysis.msd]
every = 2
window = 20
[analysis.rdf]
every = 10
rmax = 8.0
TOML
}
mk a.toml 100 'prefix = "a_"'
mk b.toml 60 'prefix = "b_"'
"$bin" run a.toml > a.log 2>&1 || bad "run a: $(tail -3 a.log)"
sum_a=$(md5sum a_* | sort)
"$bin" run b.toml > b.log 2>&1 || bad "run b: $(tail -3 b.log)"
for f in thermo.csv msd.csv diffusion.json msd.svg rdf.csv rdf.svg report.html; do
  [ -s "a_$f" ] && [ -s "b_$f" ] && ok || bad "prefix: a_$f or b_$f missing"
done
[ "$sum_a" = "$(md5sum a_* | sort)" ] && ok || bad "run b changed files of run a"
[ ! -e thermo.csv ] && [ ! -e msd.csv ] && [ ! -e report.html ] && ok || bad "unprefixed files written"
[ "$(wc -l < a_thermo.csv)" = 7 ] && [ "$(wc -l < b_thermo.csv)" = 5 ] && ok || bad "thermo line counts"

mk c.toml 40 'directory = "runs/c"
trajectory = { file = "traj.lammpstrj", every = 20 }
thermo_columns = ["temp", "temp_Ar", "lx", "ly", "lz", "alpha", "beta", "gamma", "pxx", "pyy", "pzz", "press", "warnings"]'
"$bin" run c.toml > c.log 2>&1 || bad "run c: $(tail -3 c.log)"
for f in thermo.csv traj.lammpstrj msd.csv rdf.svg report.html; do
  [ -s "runs/c/$f" ] && ok || bad "directory: runs/c/$f missing"
done
[ "$(head -1 runs/c/thermo.csv)" = "step,temp_K,temp_Ar_K,lx_A,ly_A,lz_A,alpha_deg,beta_deg,gamma_deg,pxx_bar,pyy_bar,pzz_bar,press_bar,warnings" ] \
  && ok || bad "thermo_columns header: $(head -1 runs/c/thermo.csv)"
awk -F, 'NR>1{r=$3/($2*(3*108-3)/(3*108)); if (r<1-1e-9||r>1+1e-9) b=1;
  if ($4!=17.1144||$5!=17.1144||$6!=17.1144||$7!=90||$8!=90||$9!=90) b=1;
  p=($10+$11+$12)/3; if (p-$13>1e-6*(1+($13<0?-$13:$13))||$13-p>1e-6*(1+($13<0?-$13:$13))) b=1} END{exit b}' runs/c/thermo.csv \
  && ok || bad "thermo_columns values: $(sed -n 2p runs/c/thermo.csv)"
grep -q '^ *Step *Temp *T_Ar *Lx' c.log && ok || bad "stdout header of the selected columns"
[ "$(head -1 a_thermo.csv)" = "step,time_ps,temp_K,epot_eV,ekin_eV,etot_eV,conserved_eV,press_bar,volume_A3,warnings,atom_steps_per_s,ns_per_day" ] \
  && ok || bad "default thermo header changed: $(head -1 a_thermo.csv)"

# a LAMMPS dump continued from a checkpoint equals the dump of one continuous run
mk r.toml 40 'directory = "rr"
trajectory = { file = "t.lammpstrj", every = 20 }
checkpoint = { file = "r.chk", every = 20 }'
sed -i '/^\[analysis/,$d' r.toml
"$bin" run r.toml > r1.log 2>&1 || bad "run r"
sed -i 's/^steps = 40$/steps = 60/' r.toml
"$bin" run r.toml --restart rr/r.chk > r2.log 2>&1 || bad "restart r: $(tail -2 r2.log)"
mv rr/t.lammpstrj restarted.lammpstrj && rm -rf rr
"$bin" run r.toml > r3.log 2>&1 || bad "run r continuous"
cmp -s restarted.lammpstrj rr/t.lammpstrj && [ "$(grep -c '^ITEM: TIMESTEP' restarted.lammpstrj)" = 4 ] && ok \
  || bad "restarted LAMMPS dump differs from the continuous one"

# progress line (printed at most once a second): never in a redirected log; on a terminal it
# is there (runs of a few seconds)
mk p.toml 20000 'prefix = "p_"'
sed -i '/^\[analysis/,$d; s/^thermo_every = 20$/thermo_every = 10000/' p.toml
"$bin" run p.toml > p.log 2>&1 || bad "run p"
! grep -q $'\r' p.log && ! grep -q 'ETA' p.log && ok || bad "progress line in a redirected log"
if command -v script > /dev/null; then
  script -qec "'$bin' run p.toml" /dev/null > pty.log 2>&1
  grep -q 'ETA' pty.log && ok || bad "no progress line on a terminal (script pty)"
fi
if [ "${NNMD_HAVE_MPI:-}" = "ON" ] || [ "${NNMD_HAVE_MPI:-}" = "1" ] && command -v mpirun > /dev/null; then
  sed 's/^steps = 20000$/steps = 3000/' p.toml > pm.toml # MPI steps of 108 atoms are slow: still > 1 s
  mpirun -np 2 --oversubscribe --allow-run-as-root "$bin" run pm.toml > pm.log 2>&1 || bad "mpirun run p"
  ! grep -q $'\r' pm.log && ! grep -q 'ETA' pm.log && ok || bad "progress line in a redirected mpirun log"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
