#!/usr/bin/env bash
# report.html rendered by headless Chromium (Debian package `chromium`; skipped without it):
# the DOM Chromium builds from the page holds every section and the inline SVG plots (so the
# browser parsed the page as written), and a screenshot of the whole page is a non-trivial
# PNG. NNMD_REPORT_SCREENSHOT=path keeps the screenshot (e.g. to look at it).
set -u
bin="${NNMD_BIN:?}"
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$chrome" ] || { echo "SKIP: chromium not installed (apt-get install chromium)"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
cat > in.toml <<'TOML'
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
[analysis.msd]
every = 2
window = 100
[analysis.vacf]
every = 1
window = 100
[analysis.rdf]
every = 10
rmax = 8.0
TOML
"$bin" run in.toml > run.log 2>&1 || bad "run: $(tail -3 run.log)"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
       --user-data-dir="$work/profile")
url="file://$work/report.html"
timeout 120 "$chrome" "${flags[@]}" --dump-dom "$url" > dom.html 2> chrome.err || bad "chromium --dump-dom failed: $(tail -2 chrome.err)"
for id in summary thermo conserved msd field rdf vdos warnings timers input; do
  grep -q "<section id=\"$id\">" dom.html && ok || bad "rendered DOM has no section $id"
done
n=$(grep -o '<svg' dom.html | wc -l)
[ "$n" -ge 10 ] && ok || bad "rendered DOM has $n svg elements, expected >= 10"
timeout 120 "$chrome" "${flags[@]}" --window-size=1300,4800 --screenshot="$work/report.png" "$url" > /dev/null 2>> chrome.err \
  || bad "chromium --screenshot failed: $(tail -2 chrome.err)"
[ "$(head -c 8 report.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && ok || bad "screenshot is not a PNG"
[ "$(stat -c %s report.png 2>/dev/null || echo 0)" -gt 50000 ] && ok || bad "screenshot is nearly empty ($(stat -c %s report.png) bytes)"
[ -n "${NNMD_REPORT_SCREENSHOT:-}" ] && cp report.png "$NNMD_REPORT_SCREENSHOT"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
