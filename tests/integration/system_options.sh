#!/usr/bin/env bash
# [system] frame, replicate and masses:
#  - frame = -1 / 1 / 0 of a 3-frame extxyz and a 2-structure n2p2 file read the chosen
#    structure (the step-0 trajectory frame has its positions); the default is the first;
#  - replicate = [2, 1, 1] of a 32-atom crystal with velocities gives 64 atoms with ids 1..64,
#    the same E_pot per atom as the 64-atom crystal made directly, and copy k of atom i has
#    id i + 32 k and atom i's velocity;
#  - masses = { Ar = 80.0 }: initial velocities of the same seed scale by sqrt(39.948/80).
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
pot='[[potential]]
type = "lj"
cutoff = 5.0
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]'
python3 - <<'PY'
import random
random.seed(1)
a = 5.7048
base = [(x, y, z) for x in (0, .5) for y in (0, .5) for z in (0, .5) if (x + y + z) * 2 % 2 == 0]
sites = [((i + u) * a, (j + v) * a, (k + w) * a) for i in range(2) for j in range(2) for k in range(2) for (u, v, w) in base]
with open("multi.extxyz", "w") as f:
    for fr in range(3):
        f.write("%d\nLattice=\"%g 0 0 0 %g 0 0 0 %g\" Properties=species:S:1:pos:R:3:vel:R:3 frame=%d\n" % (len(sites), 2*a, 2*a, 2*a, fr))
        for (x, y, z) in sites:
            f.write("Ar %.6f %.6f %.6f %.4f %.4f %.4f\n" % (x + 0.01 * fr, y, z, random.uniform(-1, 1), random.uniform(-1, 1), random.uniform(-1, 1)))
with open("multi.data", "w") as f:
    for fr in range(2):
        f.write("begin\nlattice %g 0 0\nlattice 0 %g 0\nlattice 0 0 %g\n" % (2*a, 2*a, 2*a))
        for (x, y, z) in sites:
            f.write("atom %.6f %.6f %.6f Ar 0 0 0 0 0\n" % (x + 0.02 * fr, y, z))
        f.write("energy 0\ncharge 0\nend\n")
PY
x1() { awk 'NR==3{print $2}' "$1"; } # x of atom 1 in the first trajectory frame
for spec in "multi.extxyz:-1:0.020000" "multi.extxyz:1:0.010000" "multi.extxyz:0:0.000000" "multi.data:-1:0.020000" "multi.extxyz::0.000000"; do
  IFS=: read -r file fr want <<< "$spec"
  { echo "[system]"; echo "structure = \"$file\""; [ -n "$fr" ] && echo "frame = $fr"; echo "$pot"
    printf '[run]\nsteps = 0\n[output]\ntrajectory = { file = "t.extxyz", every = 1 }\n'; } > f.toml
  "$bin" run f.toml > f.log 2>&1 || bad "frame $fr of $file: $(tail -2 f.log)"
  got=$(printf '%.6f' "$(x1 t.extxyz)")
  [ "$got" = "$want" ] && ok || bad "frame '$fr' of $file: x1 = $got, want $want"
done
grep -q "holds 2 more frames after the first; only the first is used" f.log && ok || bad "default frame warning: $(cat f.log | head -3)"
# replicate
{ printf '[system]\nstructure = "multi.extxyz"\nreplicate = [2, 1, 1]\n'; echo "$pot"
  printf '[run]\nsteps = 0\n[output]\ntrajectory = { file = "r.extxyz", every = 1 }\n'; } > r.toml
{ printf '[system]\nlattice = { type = "fcc", a = 5.7048, repeat = [4, 2, 2], species = "Ar" }\n'; echo "$pot"
  printf '[run]\nsteps = 0\n'; } > l.toml
"$bin" run r.toml > r.log 2>&1 && cp thermo.csv r.csv && ok || bad "replicate run: $(tail -2 r.log)"
"$bin" run l.toml > l.log 2>&1 && cp thermo.csv l.csv && ok || bad "lattice run: $(tail -2 l.log)"
[ "$(head -1 r.extxyz)" = 64 ] && ok || bad "replicate: $(head -1 r.extxyz) atoms, want 64"
awk -F, 'FNR==2{e[NR>FNR]=$4} END{d=e[0]-e[1]; if(d<0)d=-d; exit !(d < 1e-9)}' r.csv l.csv && ok \
  || bad "replicate E_pot $(sed -n 2p r.csv | cut -d, -f4) vs lattice $(sed -n 2p l.csv | cut -d, -f4)"
python3 - <<'PY' && ok || bad "replicate ids/velocities"
L = open("r.extxyz").read().split("\n")[2:66]
rows = {int(l.split()[4]): l.split() for l in L}
assert sorted(rows) == list(range(1, 65)), sorted(rows)[:5]
for i in range(1, 33):
    a, b = rows[i], rows[i + 32]
    assert a[5:8] == b[5:8], (a, b)                      # velocities carried along
    assert abs(float(b[1]) - float(a[1]) - 11.4096) < 1e-6, (a, b)   # shifted by the cell vector a
    assert a[2:4] == b[2:4], (a, b)
PY
# masses
for m in "" "masses = { Ar = 80.0 }"; do
  { printf '[system]\nlattice = { type = "fcc", a = 5.7048, repeat = [2, 2, 2], species = "Ar" }\n%s\n' "$m"
    printf '[velocities]\ntemperature = 100.0\nseed = 5\n'; echo "$pot"
    printf '[run]\nsteps = 0\n[output]\ntrajectory = { file = "m%s.extxyz", every = 1 }\n' "${#m}"; } > m.toml
  "$bin" run m.toml > m.log 2>&1 || bad "masses run: $(tail -2 m.log)"
done
v0=$(awk 'NR==3{print $6}' m0.extxyz); v1=$(ls m[1-9]*.extxyz | head -1); v1=$(awk 'NR==3{print $6}' "$v1")
awk -v a="$v0" -v b="$v1" 'BEGIN{r=b/a; w=sqrt(39.948/80.0); d=r-w; if(d<0)d=-d; exit !(d < 1e-9)}' && ok \
  || bad "masses: velocity ratio $v1/$v0, want sqrt(39.948/80)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
