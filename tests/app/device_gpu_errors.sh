#!/usr/bin/env bash
# device = "gpu" where it cannot run: `nnmd check` and `nnmd run` must exit 1 with an error at
# the input's 'device' key (file:line:col), before anything runs:
#   build without CUDA          -> "device = "gpu", but this nnmd was built without CUDA: rebuild ..."
#   CUDA build, no CUDA device  -> "device = "gpu", but no CUDA device was found: ..."
# Skipped (77) on a machine where a CUDA device is present (device = "auto" picks it), since
# then device = "gpu" is valid. NNMD_GPU_EMULATE is unset here (it would stand in for a device).
set -u
unset NNMD_GPU_EMULATE
bin="${NNMD_BIN:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
write() {
  cat > "$1" <<TOML
[system]
lattice = { type = "fcc", a = 5.7, repeat = [3, 3, 3], species = "Ar" }
[[potential]]
type = "lj"
cutoff = 8.0
pairs = [ { species = ["Ar", "Ar"], epsilon = 0.0104, sigma = 3.405 } ]
[run]
ensemble = "nve"
steps = 1
[parallel]
device = "$2"
TOML
}
write gpu.toml gpu
if "$bin" --version | grep -q "built with CUDA: yes"; then
  # is a device present? nnmd check with device = "gpu" succeeds exactly then
  out=$("$bin" check gpu.toml 2>&1); rc=$?
  [ $rc -eq 0 ] && { echo "skipped: a CUDA device is present, device = \"gpu\" is valid here"; exit 77; }
  want='gpu.toml:11:10: error: device = "gpu", but no CUDA device was found: '
else
  want='gpu.toml:11:10: error: device = "gpu", but this nnmd was built without CUDA: rebuild with nvcc'
fi
fail=0
for cmd in check run; do
  out=$("$bin" $cmd gpu.toml 2>&1 >/dev/null); rc=$?
  first=$(printf '%s\n' "$out" | grep -m1 'error:')
  [ $rc -eq 1 ] || { echo "FAIL ($cmd): exit status $rc, expected 1"; fail=1; }
  case "$first" in "$want"*) echo "ok ($cmd): $first" ;; *) echo "FAIL ($cmd): got '$first', expected '$want...'"; fail=1 ;; esac
done
exit $fail
