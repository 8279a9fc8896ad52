#!/usr/bin/env bash
# Plots and `nnmd analyze` options (docs/analysis.md):
#  - RDF of liquid water (../shared/data/water, 320 frames): the intramolecular O-H spike
#    (g ~ 36 at 0.97 Å) does not set the y range: the axis ends below 5, above the O-O first
#    peak (~2.9), and the plot says which peaks are clipped; the x label is in Å;
#  - RDF of a simple liquid (LJ argon): nothing clipped, the first peak is on the scale;
#  - VDOS: x in cm^-1 with a THz top axis, ending where the spectrum ends (well below the
#    Nyquist frequency of a 2 fs sampling), no aliasing warning; sampled every 0.2 ps the
#    same solid gets the aliasing warning;
#  - analyze --skip / --start drop frames (the log says how many) and give the same RDF
#    sample count as the frames left; too many skipped, --start without times, a window
#    longer than the trajectory and a bad --skip value are clear errors (exit 1).
set -u
bin="${NNMD_BIN:?}"
shared="${NNMD_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
water="$shared/data/water/water.extxyz"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
ytop() { grep -o 'text-anchor="end">[^<]*<' "$1" | sed 's/.*>//; s/<//' | sort -g | tail -1; }

if [ -f "$water" ]; then
  "$bin" analyze "$water" --rdf --dt 0.0005 -o w > w.log 2>&1 || bad "analyze water: $(tail -2 w.log)"
  grep -q 'y axis clipped: peaks of O-H' w/rdf.svg && ok || bad "water RDF: no clipping note for O-H"
  top=$(ytop w/rdf.svg)
  oo=$(awk -F, 'NR>1 && $2>m {m=$2} END{print m}' w/rdf.csv)
  awk -v t="$top" -v oo="$oo" 'BEGIN{exit !(t <= 5 && t >= oo && oo > 2)}' && ok \
    || bad "water RDF y axis top $top (O-O peak $oo)"
  grep -q 'r (Å)' w/rdf.svg && ok || bad "RDF x label not in Å"
  # --skip / --start
  "$bin" analyze "$water" --rdf --dt 0.0005 --skip 300 -o s > s.log 2>&1 && grep -q 'first 300 frames left out' s.log \
    && grep -q 'RDF: 20 samples' s.log && ok || bad "--skip 300: $(tail -2 s.log)"
  "$bin" analyze "$water" --rdf --dt 0.0005 --start 0.1 -o t > t.log 2>&1 && grep -q 'first 200 frames left out' t.log \
    && grep -q 'RDF: 120 samples' t.log && ok || bad "--start 0.1: $(tail -2 t.log)"
  expect_err() { # $1 = expected text, rest = arguments
    local msg=$1; shift
    "$bin" analyze "$water" "$@" > e.log 2>&1; local rc=$?
    [ $rc -eq 1 ] && grep -q "$msg" e.log && ok || bad "analyze $*: exit $rc, $(head -2 e.log)"
  }
  expect_err '1 frame left after --skip (the file has 320 frames' --rdf --dt 0.0005 --skip 319 -o e
  expect_err '\-\-start needs frame times' --rdf --start 0.1 -o e
  expect_err 'too short for --window 400: its 320 frames span 319 steps' --msd --dt 0.0005 --window 400 -o e
  expect_err "bad value '-2' for --skip" --msd --dt 0.0005 --skip -2 -o e
  expect_err 'the trajectory is too short: its 2 frames used span 1 steps' --msd --dt 0.0005 --skip 318 -o e
else
  echo "note: $water not found: water cases skipped"
fi

mk() { # $1 = name, $2 = lattice constant, $3 = temperature, $4 = vacf every, $5 = steps
  cat > "$1.toml" <<TOML
[system]
lattice = { type = "fcc", a = $2, repeat = [3, 3, 3], species = "Ar" }
[velocities]
temperature = $3
seed = 7
[[potential]]
type = "lj"
cutoff = 8.0
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
timestep = 0.002
steps = $5
[output]
thermo_every = 1000
prefix = "$1_"
report = false
[analysis.vacf]
every = $4
window = 2000
[analysis.rdf]
every = 20
rmax = 7.5
TOML
  "$bin" run "$1.toml" > "$1.log" 2>&1 || bad "run $1: $(tail -2 "$1.log")"
}
mk liq 5.9 250.0 1 4000
! grep -q 'y axis clipped' liq_rdf.svg && ok || bad "argon RDF clipped"
gmax=$(awk -F, 'NR>1 && $2>m {m=$2} END{print m}' liq_rdf.csv)
awk -v t="$(ytop liq_rdf.svg)" -v g="$gmax" 'BEGIN{exit !(t >= g)}' && ok || bad "argon RDF first peak $gmax above the axis"
grep -q 'wavenumber (cm⁻¹)' liq_vdos.svg && grep -q 'frequency (THz)' liq_vdos.svg && ok || bad "VDOS axes"
# the bottom axis ends where the spectrum ends: far below the Nyquist frequency (250 THz = 8339 cm^-1)
xend=$(grep -o 'text-anchor="middle">[0-9.]*</text>' liq_vdos.svg | head -40 | sed 's/.*">//; s/<.*//' | sort -g | tail -1)
awk -v x="$xend" 'BEGIN{exit !(x > 50 && x < 1000)}' && ok || bad "VDOS x axis ends at $xend cm^-1"
! grep -q 'aliased' liq.log && ok || bad "aliasing warning with 2 fs sampling"
mk sol 5.26 40.0 100 20000
grep -q 'VACF: .* within 10% of the Nyquist frequency 2.5 THz' sol.log && ok || bad "no aliasing warning with 0.2 ps sampling"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
