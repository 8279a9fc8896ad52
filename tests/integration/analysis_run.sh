#!/usr/bin/env bash
# Whole-program checks of the analysis products (docs/analysis.md):
#  1. a short LJ argon run (256 atoms, CSVR 300 K, 2000 steps) with [analysis.msd], [analysis.vacf]
#     and [analysis.rdf] writes msd.csv, diffusion.json, msd.svg, vacf.csv, vdos.csv, vdos.svg,
#     vacf.json, rdf.csv, rdf.svg; the JSON files parse (python3 json) and the SVG files are
#     well-formed XML (python3 xml.etree); `nnmd check` accepts the input;
#  2. `nnmd analyze` on the run's trajectory (frames every 10 steps with the "unwrapped" column
#     and velocities), sampled as in the run, gives the same D, D_err, D_xyz and Green-Kubo D
#     to 1e-8 relative (the same code on the same doubles: the trajectory writes %.17g, only the
#     summation order of the temperature differs) and the same RDF to 1e-8;
#  3. without the "unwrapped" column (positions unwrapped frame to frame by the minimum image;
#     frames 0.05 ps apart move ~0.1 A) D agrees to 1e-8 as well;
#  4. a field run (+1/-1 charged LJ ions, E = 0.05 V/A along z) reports mobility, Nernst-Einstein
#     mobility and the conductivity block, and `nnmd analyze --field --charges` reproduces the
#     mobility to 1e-8.
set -u
bin="${NNMD_BIN:?}"
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
cat > in.toml <<'TOML'
[system]
lattice = { type = "fcc", a = 5.7048, repeat = [4, 4, 4], species = "Ar" }
[velocities]
temperature = 300.0
seed = 7
[[potential]]
type = "lj"
cutoff = 8.5
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
ensemble = "nvt"
thermostat = "csvr"
temperature = 300.0
tdamp = 0.1
timestep = 0.005
steps = 2000
[output]
thermo_every = 500
trajectory = { file = "traj.extxyz", every = 10, fields = ["unwrapped"], forces = false }
[analysis.msd]
every = 10
window = 400
fit = [0.2, 0.6]
[analysis.vacf]
every = 10
window = 400
[analysis.rdf]
every = 100
rmax = 11.0
bins = 110
TOML
"$bin" check in.toml > check.log 2>&1 && ok || bad "nnmd check failed: $(tail -3 check.log)"
"$bin" run in.toml > run.log 2>&1 && ok || bad "nnmd run failed: $(tail -5 run.log)"
for f in msd.csv diffusion.json msd.svg vacf.csv vdos.csv vdos.svg vacf.json rdf.csv rdf.svg; do
  [ -s "$f" ] && ok || bad "missing product $f"
done
python3 - <<'PY' && ok || bad "products do not parse"
import json, xml.etree.ElementTree as ET
d = json.load(open("diffusion.json")); v = json.load(open("vacf.json"))
assert d["Ar"]["D"] > 0 and d["Ar"]["D_err"] > 0 and d["Ar"]["n_blocks"] == 5, d["Ar"]
assert len(d["Ar"]["D_xyz"]) == 3 and len(d["Ar"]["fit_window"]) == 2 and len(d["Ar"]["drift_velocity"]) == 3
assert v["Ar"]["D_gk"] > 0
for f in ("msd.svg", "vdos.svg", "rdf.svg"):
    assert ET.parse(f).getroot().tag.endswith("svg"), f
PY
# 2. post hoc, sampled identically
"$bin" analyze traj.extxyz --msd --vacf --rdf --window 400 --fit 0.2,0.6 --rmax 11 --bins 110 -o post \
  > analyze.log 2>&1 && ok || bad "nnmd analyze failed: $(tail -3 analyze.log)"
mkdir -p rdfpost
"$bin" analyze traj.extxyz --rdf --every 100 --window 400 --rmax 11 --bins 110 -o rdfpost > /dev/null 2>&1 \
  && ok || bad "nnmd analyze --rdf failed"
python3 - <<'PY' && ok || bad "in-run and post-hoc results differ"
import json, csv
a = json.load(open("diffusion.json"))["Ar"]; b = json.load(open("post/diffusion.json"))["Ar"]
rel = lambda x, y: abs(x - y) / max(abs(x), abs(y), 1e-300)
worst = max([rel(a[k], b[k]) for k in ("D", "D_err", "D_ols_err")] + [rel(x, y) for x, y in zip(a["D_xyz"], b["D_xyz"])])
gk = rel(json.load(open("vacf.json"))["Ar"]["D_gk"], json.load(open("post/vacf.json"))["Ar"]["D_gk"])
ra = list(csv.reader(open("rdf.csv")))[1:]; rb = list(csv.reader(open("rdfpost/rdf.csv")))[1:]
rd = max(abs(float(x) - float(y)) for p, q in zip(ra, rb) for x, y in zip(p, q))
print(f"in-run vs analyze: D {a['D']:.6f} vs {b['D']:.6f}, max rel diff (D, errors, D_xyz) {worst:.2e}; "
      f"Green-Kubo D rel diff {gk:.2e}; RDF max abs diff {rd:.2e}")
assert worst < 1e-8 and gk < 1e-8 and rd < 1e-8 and len(ra) == 110
PY
# 3. without the unwrapped column
sed 's/:unwrapped:R:3/:uw:R:3/' traj.extxyz > wrapped.extxyz
"$bin" analyze wrapped.extxyz --window 400 --fit 0.2,0.6 -o post2 > analyze2.log 2>&1 && ok || bad "analyze (no unwrapped column) failed"
grep -q "minimum image" analyze2.log && ok || bad "the log does not say that positions were unwrapped by the minimum image"
python3 -c "
import json
a=json.load(open('diffusion.json'))['Ar']['D']; b=json.load(open('post2/diffusion.json'))['Ar']['D']
print(f'minimum-image unwrap: D rel diff {abs(a-b)/a:.2e}'); assert abs(a-b)/a < 1e-8" && ok || bad "minimum-image unwrap changes D"
# 4. field run
cat > field.toml <<'TOML'
[system]
lattice = { type = "bcc", a = 4.6, repeat = [4, 4, 4], species = ["Na", "Cl"] }
[velocities]
temperature = 600.0
seed = 3
[[potential]]
type = "lj"
cutoff = 7.0
shift = true
pairs = [ { species = ["Na", "Na"], epsilon = 0.01, sigma = 3.4 },
          { species = ["Na", "Cl"], epsilon = 0.01, sigma = 3.4 },
          { species = ["Cl", "Cl"], epsilon = 0.01, sigma = 3.4 } ]
[run]
ensemble = "nvt"
thermostat = "csvr"
temperature = 600.0
tdamp = 0.1
timestep = 0.004
steps = 1000
[field]
E = [0.0, 0.0, 0.05]
charges = { Na = 1.0, Cl = -1.0 }
[output]
thermo_every = 500
thermo_file = "out/thermo.csv"
trajectory = { file = "field.extxyz", every = 10, fields = ["unwrapped"], forces = false }
[analysis.msd]
every = 10
window = 200
TOML
mkdir -p out
"$bin" run field.toml > field.log 2>&1 && ok || bad "field run failed: $(tail -3 field.log)"
"$bin" analyze field.extxyz --window 200 --field 0,0,0.05 --charges Na=1,Cl=-1 -o fpost > /dev/null 2>&1 \
  && ok || bad "analyze of the field run failed"
python3 - <<'PY' && ok || bad "field products"
import json
d = json.load(open("out/diffusion.json")); p = json.load(open("fpost/diffusion.json"))
for s, z in (("Na", 1.0), ("Cl", -1.0)):
    r = d[s]
    assert r["charge"] == z and "mobility" in r and "mobility_ne" in r and "mobility_ratio" in r, r
    assert abs(r["mobility"] - p[s]["mobility"]) <= 1e-8 * abs(r["mobility"]), (r["mobility"], p[s]["mobility"])
c = d["conductivity"]
assert c["sigma_NE"] > 0 and "haven_ratio" in c
assert d["meta"]["field_V_per_A"] == [0.0, 0.0, 0.05]
print(f"field run: Na mobility {d['Na']['mobility']:.4g} +- {d['Na']['mobility_err']:.2g}, "
      f"z D/kT {d['Na']['mobility_ne']:.4g}; sigma_NE {c['sigma_NE']:.4g} S/cm")
PY
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
