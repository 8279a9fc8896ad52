#!/usr/bin/env bash
# Layout and dependency rules of design §2 (the compiler enforces them too: each library
# has only its own folder and engine/ on its include path). Checked here:
#  - mpi.h is included only by engine/comm_mpi.c;
#  - CUDA headers only in .cu/.cuh files and engine/device.*;
#  - engine/ (outside app/) includes only engine headers; nnp/, integrators/, io/ include
#    only their own and engine headers; no relative "../" includes anywhere.
set -u
root="${NNMD_SOURCE_DIR:?}"
cd "$root"
fail=0; checks=0
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
for f in $(git ls-files '*.c' '*.h' '*.cu' '*.cuh' 2>/dev/null || find engine nnp integrators io -name '*.[ch]'); do
  checks=$((checks+1))
  if grep -qE '#\s*include\s*[<"]mpi\.h[>"]' "$f" && [ "$f" != engine/comm_mpi.c ]; then bad "$f includes mpi.h"; fi
  case "$f" in *.cu|*.cuh|engine/device.*) ;; *)
    grep -qE '#\s*include\s*[<"](cuda|cuda_runtime|cuda_runtime_api|cublas_v2|curand)[a-z_]*\.h[>"]' "$f" && bad "$f includes a CUDA header";;
  esac
  grep -qE '#\s*include\s*"\.\./' "$f" && bad "$f uses a relative ../ include"
  dir=$(dirname "$f")
  case "$dir" in
    engine|nnp|integrators|io) ;;
    *) continue;;
  esac
  for h in $(grep -oE '#\s*include\s*"[^"]+"' "$f" | sed -E 's/.*"([^"]+)"/\1/'); do
    if [ -f "$dir/$h" ] || [ -f "engine/$h" ]; then continue; fi
    bad "$f includes \"$h\", which is neither in $dir/ nor in engine/"
  done
done
# The include paths CMake gives each library make a forbidden include a compile error:
# a file of nnp/ (include path: nnp/ and engine/) that includes io's toml.h must not compile.
probe=$(mktemp -d)
printf '#include "toml.h"\nint x;\n' > "$probe/probe.c"
checks=$((checks+1))
if ${CC:-cc} -fsyntax-only -I"$root/nnp" -I"$root/engine" "$probe/probe.c" 2>/dev/null; then
  bad "a file of nnp/ could include io/toml.h"
fi
printf '#include "system.h"\nint x;\n' > "$probe/probe.c"
checks=$((checks+1))
${CC:-cc} -fsyntax-only -I"$root/nnp" -I"$root/engine" "$probe/probe.c" 2>/dev/null || bad "allowed include failed"
rm -rf "$probe"
echo "layout: $checks files checked, $fail violations"
echo "$((checks - fail)) passed, $fail failed"
[ $fail -eq 0 ]
