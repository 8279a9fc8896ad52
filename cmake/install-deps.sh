#!/usr/bin/env bash
# Checks the Debian packages nnmd needs; as root installs the missing ones with apt-get,
# otherwise prints the exact apt-get line and fails.
set -u
pkgs=(cmake gcc make pkg-config check libsubunit-dev libopenmpi-dev openmpi-bin libfftw3-dev lammps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "nnmd: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "nnmd: apt-get install failed" >&2; exit 1; }
  exit 0
fi
echo "nnmd: missing packages. Run as root:" >&2
echo "  apt-get install -y ${missing[*]}" >&2
exit 1
