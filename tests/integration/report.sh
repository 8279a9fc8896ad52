#!/usr/bin/env bash
# report.html (docs/outputs.md): structure of the page of a run with [analysis.msd], vacf and
# rdf, and of a run without them:
#  - every section (summary thermo conserved msd field rdf vdos warnings timers input) is
#    there; the analysis ones hold their inline SVG when the run made the product and say why
#    not otherwise; thermo plots one SVG per thermo column;
#  - self-contained: no URL (http, https, //), no src=, <script>, <link>, url() other than a
#    local #id, no xmlns fetchable; the clip-path ids are unique on the page;
#  - the input echo is the input, HTML-escaped; report = false writes no report.
set -u
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
mk() { # $1 = file, $2 = analysis tables, $3 = [output] lines
  cat > "$1" <<TOML
# a <comment> & more
[system]
lattice = { type = "fcc", a = 5.7048, repeat = [3, 3, 3], species = "Ar" }
[velocities]
temperature = 300.0
seed = 7
[[potential]]
type = "lj"
cutoff = 8.0
shift = true
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
timestep = 0.002
steps = 400
[output]
thermo_every = 10
$3
$2
TOML
}
mk full.toml '[analysis.msd]
every = 2
window = 100
[analysis.vacf]
every = 1
window = 100
[analysis.rdf]
every = 10
rmax = 8.0' 'prefix = "full_"'
mk bare.toml '' 'prefix = "bare_"'
"$bin" run full.toml > full.log 2>&1 || bad "run full: $(tail -3 full.log)"
"$bin" run bare.toml > bare.log 2>&1 || bad "run bare: $(tail -3 bare.log)"
sec() { # $1 = file, $2 = id: prints the section's text
  awk -v id="$2" 'index($0, "<section id=\"" id "\">") {on=1} on {print} on && /<\/section>/ {exit}' "$1"
}
for f in full_report.html bare_report.html; do
  [ -s "$f" ] || { bad "$f missing"; continue; }
  for id in summary thermo conserved msd field rdf vdos warnings timers input; do
    [ "$(grep -c "<section id=\"$id\">" "$f")" = 1 ] && ok || bad "$f: section $id missing or repeated"
  done
  ! grep -qiE 'https?:|//[a-z]|src=|<script|<link|<iframe|@import' "$f" && ok || bad "$f: external reference: $(grep -oiE 'https?:[^"]*|src=[^ ]*|<script|<link' "$f" | head -3)"
  ! grep -oE 'url\([^)]*\)' "$f" | grep -vq 'url(#' && ok || bad "$f: url() that is not a local #id"
  ! grep -oE 'href="[^"]*"' "$f" | grep -vq 'href="#' && ok || bad "$f: a link that leaves the page"
  [ -z "$(grep -oE 'clipPath id="[^"]*"' "$f" | sort | uniq -d)" ] && ok || bad "$f: clip-path ids repeated"
  grep -q '# a &lt;comment&gt; &amp; more' "$f" && ok || bad "$f: input echo not escaped/present"
  sec "$f" thermo | grep -q '<svg' && ok || bad "$f: no thermo plot"
  sec "$f" conserved | grep -q 'meV/atom per ps' && ok || bad "$f: no conserved drift"
  sec "$f" timers | grep -q '<th>force</th>' && ok || bad "$f: no timer table"
  sec "$f" warnings | grep -q 'No extrapolation warnings' && ok || bad "$f: warnings section"
done
# thermo: one plot per thermodynamic column (temp epot ekin etot press volume)
[ "$(sec full_report.html thermo | grep -c '<svg')" = 6 ] && ok || bad "thermo plots: $(sec full_report.html thermo | grep -c '<svg')"
for id in msd rdf vdos; do
  sec full_report.html $id | grep -q '<svg' && ok || bad "full: $id has no plot"
  sec bare_report.html $id | grep -q 'class="none"' && ! sec bare_report.html $id | grep -q '<svg' && ok \
    || bad "bare: $id does not say it has no data"
done
sec full_report.html msd | grep -q '<th>D</th>' && ok || bad "full: no D row"
sec full_report.html vdos | grep -q 'D_gk' && ok || bad "full: no Green-Kubo D"
sec full_report.html field | grep -q 'No external field' && ok || bad "full: field section"
sec bare_report.html msd | grep -q 'no \[analysis.msd\] in this run' && ok || bad "bare: msd reason"
# report = false
mk off.toml '' 'prefix = "off_"
report = false'
"$bin" run off.toml > off.log 2>&1 && [ ! -e off_report.html ] && ok || bad "report = false still wrote a report"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
