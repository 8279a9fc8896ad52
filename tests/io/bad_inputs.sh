#!/usr/bin/env bash
# Bad inputs: every case in bad_inputs/ must make `nnmd check` (and `nnmd run`) exit with
# status 1, print the expected compiler-style "file:line:col: error:" first line with the
# expected message text, and trigger no sanitizer report. expected.txt: case, location
# prefix, start of the message (tab separated).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
bin="${NNMD_BIN:?NNMD_BIN not set}"
cd "$here/bad_inputs"
pass=0; fail=0
while IFS=$'\t' read -r case prefix msg; do
  [ -z "$case" ] && continue
  for cmd in check run; do
    out=$("$bin" "$cmd" "$case" 2>&1 >/dev/null); rc=$?
    first=$(printf '%s\n' "$out" | head -1)
    ok=1
    [ "$rc" -eq 1 ] || { echo "FAIL $case ($cmd): exit status $rc, expected 1"; ok=0; }
    case "$first" in "$prefix$msg"*) ;; *) echo "FAIL $case ($cmd): got '$first', expected '$prefix$msg...'"; ok=0;; esac
    if printf '%s' "$out" | grep -qE 'AddressSanitizer|runtime error|LeakSanitizer'; then
      echo "FAIL $case ($cmd): sanitizer report"; printf '%s\n' "$out" | head -20; ok=0
    fi
    if [ $ok -eq 1 ]; then pass=$((pass+1)); else fail=$((fail+1)); fi
  done
done < expected.txt
rm -f thermo.csv
echo "bad inputs: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -ge 50 ]
