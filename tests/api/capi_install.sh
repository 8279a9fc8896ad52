#!/usr/bin/env bash
# capi_install.sh — libnnmd as a user gets it: `cmake --install` into a temporary prefix,
# then a C program that includes only <nnmd.h> (compiled as C11 with -Wall -Wextra -Werror
# -pedantic, and the header alone as C++ when a C++ compiler exists) and links -lnnmd runs
# the Cu2S model on a two-atom structure; the library exports only the API's functions.
set -u
NNMD=${NNMD_BIN:?}
SHARED=${NNMD_SHARED_DIR:?}
BUILD=$(dirname "$NNMD")
MODEL=$SHARED/models/Cu2S_PBE
command -v cmake >/dev/null || { echo "skipped: cmake is absent"; exit 77; }
[ -d "$MODEL" ] || { echo "skipped: $MODEL is absent"; exit 77; }
CC=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0; pass=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
cmake --install "$BUILD" --prefix "$work/prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log"; bad "cmake --install"; }
[ -f "$work/prefix/include/nnmd.h" ] && ok || bad "nnmd.h not installed"
lib=$(ls "$work"/prefix/lib*/libnnmd.so 2>/dev/null | head -1)
[ -n "$lib" ] && ok || bad "libnnmd.so not installed"
[ -x "$work/prefix/bin/nnmd" ] && ok || bad "nnmd not installed"
if [ -n "$lib" ]; then
  extra=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | grep -v '^nnmd_\(api_version\|library_version\|atomic_number\|status_string\|calculator_create\|calculator_destroy\|calculator_has_born_charges\|calculator_compute\)$')
  [ -z "$extra" ] && ok || bad "libnnmd.so exports more than the API: $extra"
  cat > "$work/demo.c" <<'C'
#include <nnmd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  (void)argc;
  char msg[512];
  nnmd_calculator *c = NULL;
  if (nnmd_calculator_create(argv[1], "angstrom", "eV", NULL, NULL, &c, msg, sizeof msg)) {
    printf("create: %s\n", msg);
    return 1;
  }
  int z[2] = {29, 16}, pbc[3] = {0, 0, 0};
  double x[6] = {0, 0, 0, 2.3, 0, 0}, f[6];
  nnmd_result r;
  if (nnmd_calculator_compute(c, 2, z, x, NULL, pbc, &r, f, NULL, NULL, msg, sizeof msg)) {
    printf("compute: %s\n", msg);
    return 1;
  }
  double e = r.energy;
  int st = nnmd_calculator_compute(c, 2, (int[2]){29, 8}, x, NULL, pbc, &r, NULL, NULL, NULL, msg, sizeof msg);
  printf("E %.17g F %.17g %.17g api %d version %s error %d '%s'\n", e, f[0], f[3], nnmd_api_version(),
         nnmd_library_version(), st, msg);
  nnmd_calculator_destroy(c);
  return !(isfinite(f[0]) && fabs(f[0] + f[3]) < 1e-12 && st == NNMD_API_ERR_INPUT && strstr(msg, "'O'"));
}
C
  # a sanitizer build's library needs its runtime in the program too (ASan must come first)
  san=""
  if nm -D "$lib" 2> /dev/null | grep -q '__asan_'; then san="-fsanitize=address,undefined"; fi
  if $CC -std=c11 -Wall -Wextra -Werror -pedantic $san -I"$work/prefix/include" "$work/demo.c" -L"$(dirname "$lib")" -lnnmd -lm \
      -o "$work/demo" 2> "$work/cc.log"; then
    ok
    out=$(LD_LIBRARY_PATH="$(dirname "$lib")" "$work/demo" "$MODEL" 2>&1) && ok || bad "demo program: $out"
    echo "$out"
  else
    cat "$work/cc.log"; bad "compiling a program against the installed header and library"
  fi
  if command -v c++ >/dev/null; then
    printf '#include <nnmd.h>\nint main() { return nnmd_api_version() == NNMD_API_VERSION ? 0 : 1; }\n' > "$work/h.cpp"
    c++ -Wall -Wextra -Werror -I"$work/prefix/include" -c "$work/h.cpp" -o "$work/h.o" 2> "$work/cxx.log" && ok \
      || { cat "$work/cxx.log"; bad "nnmd.h does not compile as C++"; }
  fi
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
