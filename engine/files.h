/* files.h — input files read once by rank 0 and broadcast (design §12: "rank 0 reads model
 * files and broadcasts them").
 *
 * nnmd_files_open(files, path) returns a read-only FILE*. With files == NULL, or on a single
 * rank, it is plain fopen. Otherwise the call is collective: rank 0 reads the whole file,
 * broadcasts its status and bytes, and every rank reads its copy from memory (fmemopen); the
 * bytes stay cached (keyed by path) until nnmd_files_destroy, so a second open of the same
 * file costs no communication. Errors (missing file) arrive on every rank with rank 0's
 * errno, so all ranks fail together with the same message.
 */
#ifndef NNMD_FILES_H
#define NNMD_FILES_H

#include <stdio.h>

#include "comm.h"

struct nnmd_files;

struct nnmd_files *nnmd_files_create(const struct nnmd_comm *comm);
void nnmd_files_destroy(struct nnmd_files *f);
/* Like fopen(path, "r"): NULL with errno set on failure. */
FILE *nnmd_files_open(struct nnmd_files *f, const char *path);

#endif
