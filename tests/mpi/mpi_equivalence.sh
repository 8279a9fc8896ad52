#!/usr/bin/env bash
# MPI domain decomposition (issue 5): runs tests/mpi/mpi_equivalence.py, which compares
# `mpirun -np N nnmd run` with the serial run. Skipped (77) without an MPI build.
set -u
[ "${NNMD_HAVE_MPI:-OFF}" = "ON" ] || { echo "skipped: nnmd was built without MPI"; exit 77; }
command -v mpirun >/dev/null || { echo "skipped: no mpirun"; exit 77; }
exec python3 "$(dirname "$0")/mpi_equivalence.py"
