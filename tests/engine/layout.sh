#!/usr/bin/env bash
# Layout and dependency rules of design §2 and docs/architecture.md. The build enforces them
# too (each library has only its own folder and engine's on its include path, and CMake links
# only the allowed edges); this test states them in one place and checks every tracked file:
#
#   engine (engine/, engine/parallel/, engine/gpu/)
#     <- {potentials, nnp, integrators, io, analysis}   (the middle folders)
#     <- train (training: nnp, io and engine headers)
#     <- api (the calculator and the public C API of libnnmd.so: nnp, io and engine headers)
#     <- app (the composition root)  <- {tests, benchmarks}
#
#  - a file under engine/ includes only headers of engine/, engine/parallel/, engine/gpu/;
#  - a file of a middle folder includes only its own and engine headers (the middle folders
#    never include each other; an exception would be listed in EXCEPTIONS below with its
#    reason; there is none today);
#  - app/ includes headers of any library folder;
#  - no header name exists in two library folders (includes are by bare file name);
#  - mpi.h is included only by engine/parallel/comm_mpi.c;
#  - CUDA headers only in .cu/.cuh files and engine/gpu/device.*;
#  - no relative "../" includes anywhere.
# The rules are self-tested on probe files (an engine/ file that includes nnp/, io/,
# analysis/ or app/ headers, a potentials/ file that includes nnp/ headers must be reported),
# and the compiler is probed with the include paths CMake gives the libraries.
set -u
root="${NNMD_SOURCE_DIR:?}"
cd "$root"
fail=0; checks=0
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

ENGINE_DIRS="engine engine/parallel engine/gpu"
MIDDLE="potentials nnp integrators io analysis"
LIBS="$ENGINE_DIRS $MIDDLE train api app"
# Allowed cross-folder includes beyond the edges above: "from-folder:header  reason".
EXCEPTIONS=""

# The folders whose headers a file of library folder $1 may include (its include path).
allowed_dirs() {
  case "$1" in
    engine|engine/parallel|engine/gpu) echo "$ENGINE_DIRS";;
    app) echo "$LIBS";;
    train) echo "train nnp io $ENGINE_DIRS";;
    api) echo "api nnp io $ENGINE_DIRS";;
    *) echo "$1 $ENGINE_DIRS";;
  esac
}

# The library folder of a tracked path (engine's wings count as engine), or "" if none.
lib_of() {
  case "$1" in
    engine/parallel/*) echo engine/parallel;;
    engine/gpu/*) echo engine/gpu;;
    engine/*) echo engine;;
    potentials/*|nnp/*|integrators/*|io/*|analysis/*|train/*|api/*|app/*) echo "${1%%/*}";;
    *) echo "";;
  esac
}

# check_file PATH CONTENT_FILE: the rules for a file that lives at PATH (relative to root),
# its text read from CONTENT_FILE. Prints one line per violation.
check_file() {
  local f="$1" c="$2" lib d h ok
  if grep -qE '#\s*include\s*[<"]mpi\.h[>"]' "$c" && [ "$f" != engine/parallel/comm_mpi.c ]; then
    echo "$f includes mpi.h (only engine/parallel/comm_mpi.c may)"
  fi
  case "$f" in *.cu|*.cuh|engine/gpu/device.*) ;; *)
    grep -qE '#\s*include\s*[<"](cuda|cuda_runtime|cuda_runtime_api|cublas_v2|curand)[a-z_]*\.h[>"]' "$c" &&
      echo "$f includes a CUDA header (only .cu files and engine/gpu/device.* may)";;
  esac
  grep -qE '#\s*include\s*"\.\./' "$c" && echo "$f uses a relative ../ include"
  lib=$(lib_of "$f")
  [ -n "$lib" ] || return 0
  for h in $(grep -oE '#\s*include\s*"[^"]+"' "$c" | sed -E 's/.*"([^"]+)"/\1/'); do
    ok=0
    for d in $(allowed_dirs "$lib"); do [ -f "$d/$h" ] && ok=1; done
    [ $ok -eq 1 ] && continue
    case " $EXCEPTIONS " in *" ${lib}:${h} "*) continue;; esac
    local owner=""
    for d in $LIBS; do [ -f "$d/$h" ] && owner="$d"; done
    echo "$f includes \"$h\"${owner:+ (of $owner/)}, which $lib/ may not include"
  done
}

files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' '*.cu' '*.cuh' 2>/dev/null)
[ -n "$files" ] || files=$(find engine potentials nnp integrators io analysis train api app -name '*.[ch]' -o -name '*.cu')
for f in $files; do
  checks=$((checks+1))
  out=$(check_file "$f" "$f")
  [ -z "$out" ] || while IFS= read -r line; do bad "$line"; done <<< "$out"
done

# No header name in two library folders (a bare-name include must mean one file).
checks=$((checks+1))
dups=$(for d in $LIBS; do ls "$d"/*.h 2>/dev/null; done | xargs -n1 basename | sort | uniq -d)
[ -z "$dups" ] || bad "header names in two library folders: $dups"

# Self-test of the rules: each probe must be reported, the allowed one must not.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
expect() { # expect violation|clean PATH HEADER
  printf '#include "%s"\nint x;\n' "$3" > "$probe/p.c"
  checks=$((checks+1))
  out=$(check_file "$2" "$probe/p.c")
  if [ "$1" = violation ] && [ -z "$out" ]; then bad "probe $2 including $3 was not reported"; fi
  if [ "$1" = clean ] && [ -n "$out" ]; then bad "probe $2 including $3 was reported: $out"; fi
}
expect violation engine/probe.c hdnnp.h        # nnp/
expect violation engine/probe.c toml.h         # io/
expect violation engine/probe.c msd.h          # analysis/
expect violation engine/probe.c setup.h        # app/
expect violation engine/probe.c efield.h       # potentials/
expect violation engine/gpu/probe.c hdnnp_gpu.h
expect violation engine/parallel/probe.c integrators.h
expect violation potentials/probe.c hdnnp.h    # nnp/
expect violation analysis/probe.c structure.h  # io/
expect violation io/probe.c msd.h              # analysis/
expect violation nnp/probe.c classic.h         # potentials/
expect clean engine/probe.c halo.h
expect clean engine/gpu/probe.c system.h
expect clean potentials/probe.c resident.h
expect clean app/probe.c hdnnp.h
expect clean train/probe.c hdnnp.h             # train/ uses nnp/ and io/
expect clean train/probe.c toml.h
expect violation train/probe.c msd.h           # analysis/
expect violation train/probe.c setup.h         # app/
expect violation nnp/probe.c ttrain.h          # train/ sits above nnp/
expect clean api/probe.c hdnnp.h               # api/ uses nnp/, io/ and engine/
expect clean api/probe.c structure.h
expect clean api/probe.c run.h
expect violation api/probe.c setup.h           # app/ sits above api/
expect violation api/probe.c ttrain.h          # train/
expect violation api/probe.c msd.h             # analysis/
expect violation nnp/probe.c calculator.h      # api/ sits above nnp/
expect violation io/probe.c nnmd.h
expect clean app/probe.c calculator.h
printf '#include <mpi.h>\n' > "$probe/p.c"; checks=$((checks+1))
[ -n "$(check_file engine/probe.c "$probe/p.c")" ] || bad "probe engine/probe.c including mpi.h was not reported"
printf '#include <cuda_runtime.h>\n' > "$probe/p.c"; checks=$((checks+1))
[ -n "$(check_file nnp/probe.c "$probe/p.c")" ] || bad "probe nnp/probe.c including cuda_runtime.h was not reported"

# The include paths CMake gives each library make a forbidden include a compile error.
incs() { local d; for d in $(allowed_dirs "$1"); do printf ' -I%s/%s' "$root" "$d"; done; }
compiles() { printf '#include "%s"\nint x;\n' "$2" > "$probe/probe.c"
  # shellcheck disable=SC2046
  ${CC:-cc} -fsyntax-only $(incs "$1") "$probe/probe.c" 2>/dev/null; }
for pair in engine:hdnnp.h engine:toml.h engine:msd.h engine:setup.h engine:efield.h \
            potentials:hdnnp.h nnp:toml.h io:msd.h analysis:classic.h integrators:hdnnp.h \
            nnp:calculator.h api:setup.h api:msd.h; do
  checks=$((checks+1))
  compiles "${pair%%:*}" "${pair#*:}" && bad "a file of ${pair%%:*}/ could include ${pair#*:}"
done
for pair in engine:halo.h engine:device.h nnp:system.h potentials:potential.h analysis:comm.h \
            api:hdnnp.h api:structure.h; do
  checks=$((checks+1))
  compiles "${pair%%:*}" "${pair#*:}" || bad "allowed include ${pair#*:} failed for ${pair%%:*}/"
done

echo "layout: $checks checks, $fail violations"
echo "$((checks - fail)) passed, $fail failed"
[ $fail -eq 0 ]
