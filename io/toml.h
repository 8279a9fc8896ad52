/* toml.h — read TOML 1.0 input files into the configuration tree of config.h.
 *
 * The whole TOML 1.0 language is accepted except dates and times, which are reported as
 * "not supported" at their location. Every node carries the line:column where its value
 * starts (`loc`), table members also where their key was written (`key_loc`); columns
 * count bytes from 1. The parse stops at the first error, which is recorded in `err` with
 * the exact line:column of the offending character.
 */
#ifndef NNMD_TOML_H
#define NNMD_TOML_H

#include "config.h"
#include "error.h"

/* Parse a whole file. On success *root is a TABLE owned by the caller (free with
 * nnmd_cfg_free); root->owned_file holds a malloc'd copy of `path` and every node's
 * loc.file points to it. A missing or unreadable file is NNMD_ERR_FILE, a syntax error
 * NNMD_ERR_INPUT, an allocation failure NNMD_ERR_NOMEM. On error *root is NULL. */
int nnmd_toml_parse_file(const char *path, struct nnmd_cfg **root, struct nnmd_error *err);

/* Parse NUL-terminated text; `filename` (may be NULL: "<string>") is used for locations
 * and copied into root->owned_file. Same results as nnmd_toml_parse_file. */
/* The same, reading the file through `files` (engine/files.h: rank 0 reads and broadcasts). */
struct nnmd_files;
int nnmd_toml_parse_file_with(struct nnmd_files *files, const char *path, struct nnmd_cfg **root,
                              struct nnmd_error *err);

int nnmd_toml_parse_string(const char *text, const char *filename, struct nnmd_cfg **root,
                           struct nnmd_error *err);

#endif
