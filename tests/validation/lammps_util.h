/* lammps_util.h — helpers for the validation suites that compare nnmd with the LAMMPS
 * binary (Debian package, /usr/bin/lmp, or `lmp` on PATH).
 *
 * Header-only on purpose: the tests CMake glob builds every tests/validation/test_*.c as
 * its own executable and compiles nothing else from this folder, so the helpers are
 * `static inline` functions (no unused-function warnings, one copy per test).
 * They depend on libc/POSIX only, not on the engine: the structure a test hands to both
 * codes is written here (an independent LAMMPS-data writer), so a bug in nnmd's own
 * writer cannot hide a bug in nnmd's reader or forces.
 *
 *   lmpu_find / lmpu_skip_without_lammps  locate the binary, or exit 77 (ctest: skipped)
 *   lmpu_tmpdir / lmpu_rmdir              a scratch folder under the working directory
 *   lmpu_write_data                       LAMMPS data file (atomic, metal units, %.17g)
 *   lmpu_run_lammps / lmpu_run_cmd        run a LAMMPS input / a shell command in a folder
 *   lmpu_read_print                       numbers of a `print "KEY ..."` line of a log
 *   lmpu_read_dump_forces                 `dump custom ... id fx fy fz`, indexed by id
 *   lmpu_read_thermo                      one column of the last thermo table of a log
 *   lmpu_read_csv_column                  one column of a CSV file with a header line
 *   lmpu_fmt                              a double as a decimal that both codes parse to the
 *                                         same value (%.17g, always with a '.' or exponent)
 *   lmpu_wtime                            wall clock (s)
 *
 * Units: LAMMPS metal (A, eV, ps, amu), as nnmd.
 */
#ifndef NNMD_TEST_LAMMPS_UTIL_H
#define NNMD_TEST_LAMMPS_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LMPU_PATH 4096
#define LMPU_MAX_TYPES 8

/* ---- locating LAMMPS ------------------------------------------------------------------- */

static inline bool lmpu_is_exe(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* /usr/bin/lmp, else the first `lmp` on PATH. */
static inline bool lmpu_find(char *out, size_t n) {
  if (lmpu_is_exe("/usr/bin/lmp")) {
    snprintf(out, n, "/usr/bin/lmp");
    return true;
  }
  const char *path = getenv("PATH");
  if (!path) return false;
  while (*path) {
    size_t len = strcspn(path, ":");
    if (len > 0 && len + 5 < n) {
      snprintf(out, n, "%.*s/lmp", (int)len, path);
      if (lmpu_is_exe(out)) return true;
    }
    path += len;
    if (*path == ':') ++path;
  }
  return false;
}

/* Exit with 77 (ctest SKIP_RETURN_CODE) and a message when LAMMPS is absent. */
static inline void lmpu_skip_without_lammps(const char *suite, char *lmp, size_t n) {
  if (lmpu_find(lmp, n)) return;
  printf("%s: SKIPPED: the LAMMPS binary was not found (/usr/bin/lmp or `lmp` in PATH; "
         "Debian: apt-get install lammps)\n", suite);
  fflush(stdout);
  exit(77);
}

/* ---- scratch folders ------------------------------------------------------------------- */

/* Make <cwd>/<tag>_XXXXXX (absolute path in out). */
static inline bool lmpu_tmpdir(const char *tag, char *out, size_t n) {
  char cwd[LMPU_PATH];
  if (!getcwd(cwd, sizeof cwd)) return false;
  int w = snprintf(out, n, "%s/%s_XXXXXX", cwd, tag);
  if (w < 0 || (size_t)w >= n) return false;
  if (!mkdtemp(out)) {
    fprintf(stderr, "cannot create a scratch folder under %s: %s\n", cwd, strerror(errno));
    return false;
  }
  return true;
}

/* Remove a flat folder made by lmpu_tmpdir, unless NNMD_KEEP_TMP is set (for debugging). */
static inline void lmpu_rmdir(const char *dir) {
  if (getenv("NNMD_KEEP_TMP")) {
    printf("kept scratch folder %s\n", dir);
    return;
  }
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[LMPU_PATH];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    int w = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    if (w > 0 && (size_t)w < sizeof p) unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

/* dir/name into out ("" when it does not fit: opening it then fails visibly). */
static inline const char *lmpu_join(char *out, size_t n, const char *dir, const char *name) {
  int w = snprintf(out, n, "%s/%s", dir, name);
  if (w < 0 || (size_t)w >= n) out[0] = '\0';
  return out;
}

/* Wall clock in seconds (monotonic). */
static inline double lmpu_wtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- number formatting ----------------------------------------------------------------- */

/* %.17g (round-trips every double) with a '.' or exponent, so TOML reads a float. */
static inline const char *lmpu_fmt(char *buf, size_t n, double v) {
  snprintf(buf, n, "%.17g", v);
  if (!strpbrk(buf, ".eEn") && strlen(buf) + 3 < n) strcat(buf, ".0");
  return buf;
}

/* ---- LAMMPS data files ----------------------------------------------------------------- */

/* Atoms in a LAMMPS-form cell with origin 0: a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz). */
struct lmpu_atoms {
  int64_t n;
  int ntypes;
  double lx, ly, lz, xy, xz, yz;
  double *x;    /* 3n, atom-major (x, y, z of atom i at 3i..3i+2); id of atom i is i+1 */
  double *v;    /* 3n A/ps, or NULL (no Velocities section) */
  int *type;    /* n, 1-based LAMMPS types */
  double mass[LMPU_MAX_TYPES];        /* amu, per type (index type-1) */
  const char *symbol[LMPU_MAX_TYPES]; /* element per type, written as "# Symbol" comments */
};

static inline bool lmpu_atoms_alloc(struct lmpu_atoms *a, int64_t n, bool with_v) {
  memset(a, 0, sizeof *a);
  a->n = n;
  a->x = calloc((size_t)(3 * n), sizeof(double));
  a->type = calloc((size_t)n, sizeof(int));
  a->v = with_v ? calloc((size_t)(3 * n), sizeof(double)) : NULL;
  return a->x && a->type && (!with_v || a->v);
}

static inline void lmpu_atoms_free(struct lmpu_atoms *a) {
  free(a->x);
  free(a->v);
  free(a->type);
  memset(a, 0, sizeof *a);
}

/* Cartesian position of fractional coordinates s in the cell. */
static inline void lmpu_frac_to_cart(const struct lmpu_atoms *a, const double s[3], double r[3]) {
  r[0] = a->lx * s[0] + a->xy * s[1] + a->xz * s[2];
  r[1] = a->ly * s[1] + a->yz * s[2];
  r[2] = a->lz * s[2];
}

static inline void lmpu_cart_to_frac(const struct lmpu_atoms *a, const double r[3], double s[3]) {
  s[2] = r[2] / a->lz;
  s[1] = (r[1] - a->yz * s[2]) / a->ly;
  s[0] = (r[0] - a->xy * s[1] - a->xz * s[2]) / a->lx;
}

/* Write atom_style atomic, every number with %.17g (exact round trip). */
static inline bool lmpu_write_data(const char *path, const struct lmpu_atoms *a) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
    return false;
  }
  fprintf(f, "nnmd validation structure (LAMMPS data, atom_style atomic, metal units)\n\n");
  fprintf(f, "%lld atoms\n%d atom types\n\n", (long long)a->n, a->ntypes);
  fprintf(f, "0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n", a->lx, a->ly, a->lz);
  if (a->xy != 0 || a->xz != 0 || a->yz != 0) fprintf(f, "%.17g %.17g %.17g xy xz yz\n", a->xy, a->xz, a->yz);
  fprintf(f, "\nMasses\n\n");
  for (int t = 0; t < a->ntypes; ++t) fprintf(f, "%d %.17g # %s\n", t + 1, a->mass[t], a->symbol[t]);
  fprintf(f, "\nAtoms # atomic\n\n");
  for (int64_t i = 0; i < a->n; ++i)
    fprintf(f, "%lld %d %.17g %.17g %.17g\n", (long long)(i + 1), a->type[i], a->x[3 * i], a->x[3 * i + 1],
            a->x[3 * i + 2]);
  if (a->v) {
    fprintf(f, "\nVelocities\n\n");
    for (int64_t i = 0; i < a->n; ++i)
      fprintf(f, "%lld %.17g %.17g %.17g\n", (long long)(i + 1), a->v[3 * i], a->v[3 * i + 1], a->v[3 * i + 2]);
  }
  bool ok = !ferror(f);
  ok = (fclose(f) == 0) && ok;
  if (!ok) fprintf(stderr, "error writing %s\n", path);
  return ok;
}

/* ---- running programs ------------------------------------------------------------------ */

/* Run `cmd` with the working directory `dir`; stdout+stderr go to dir/<out_name>.
 * Returns the exit status (-1 when the shell could not run it). Paths may not hold a
 * single quote (they are quoted with '...'). */
static inline int lmpu_run_cmd(const char *dir, const char *cmd, const char *out_name) {
  if (strchr(dir, '\'') || strchr(out_name, '\'')) {
    fprintf(stderr, "refusing a path with a single quote: %s\n", dir);
    return -1;
  }
  size_t n = strlen(dir) + strlen(cmd) + strlen(out_name) + 64;
  char *full = malloc(n);
  if (!full) return -1;
  snprintf(full, n, "cd '%s' && %s > '%s' 2>&1", dir, cmd, out_name);
  fflush(stdout);
  fflush(stderr);
  int st = system(full);
  free(full);
  if (st == -1) return -1;
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Print the last `lines` lines of a text file to stderr (diagnostics after a failure). */
static inline void lmpu_print_tail(const char *path, int lines) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) { /* keep the second half: only the tail matters */
      memmove(buf, buf + cap / 2, cap / 2);
      len = cap / 2;
    }
  }
  fclose(f);
  if (!buf) return;
  buf[len] = 0;
  size_t pos = (len > 0 && buf[len - 1] == '\n') ? len - 1 : len, start = 0;
  for (int k = 0; pos > 0;)
    if (buf[--pos] == '\n' && ++k == lines) {
      start = pos + 1;
      break;
    }
  fprintf(stderr, "---- last lines of %s ----\n%s----\n", path, buf + start);
  free(buf);
}

/* Run LAMMPS on dir/<input> (one process, one thread, log dir/log.lammps, screen off). */
static inline int lmpu_run_lammps(const char *lmp, const char *dir, const char *input) {
  if (strchr(lmp, '\'') || strchr(input, '\'')) return -1;
  char cmd[LMPU_PATH + 256];
  snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 '%s' -nocite -screen none -log log.lammps -in '%s'", lmp, input);
  int st = lmpu_run_cmd(dir, cmd, "lammps.out");
  if (st != 0) {
    char p[LMPU_PATH];
    fprintf(stderr, "LAMMPS failed (exit status %d) in %s\n", st, dir);
    lmpu_print_tail(lmpu_join(p, sizeof p, dir, "log.lammps"), 20);
    lmpu_print_tail(lmpu_join(p, sizeof p, dir, "lammps.out"), 20);
  }
  return st;
}

/* ---- parsing outputs ------------------------------------------------------------------- */

/* The numbers after the LAST line of `path` that starts with `key` followed by a blank,
 * e.g. a LAMMPS `print "NNMD_PE $(pe:%.17g)"` line. Returns how many were read (<= nmax),
 * -1 when no such line exists. */
static inline int lmpu_read_print(const char *path, const char *key, double *vals, int nmax) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  size_t kl = strlen(key);
  int got = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, kl) != 0 || (line[kl] != ' ' && line[kl] != '\t')) continue;
    char *p = line + kl, *end;
    int k = 0;
    for (; k < nmax; ++k) {
      double v = strtod(p, &end);
      if (end == p) break;
      vals[k] = v;
      p = end;
    }
    got = k;
  }
  fclose(f);
  return got;
}

/* Forces of a `dump custom ... id fx fy fz` file (first frame) into f[3*(id-1)+c] for ids
 * 1..n. Returns false on a malformed file, a wrong atom count or an id out of range. */
static inline bool lmpu_read_dump_forces(const char *path, int64_t n, double *f) {
  FILE *fp = fopen(path, "r");
  if (!fp) {
    fprintf(stderr, "cannot read %s\n", path);
    return false;
  }
  char line[1024];
  long long count = -1, seen = 0;
  bool ok = false, in_atoms = false;
  unsigned char *have = calloc((size_t)n, 1);
  while (have && fgets(line, sizeof line, fp)) {
    if (strncmp(line, "ITEM: NUMBER OF ATOMS", 21) == 0) {
      if (!fgets(line, sizeof line, fp) || sscanf(line, "%lld", &count) != 1) break;
      continue;
    }
    if (strncmp(line, "ITEM: ATOMS", 11) == 0) {
      if (!strstr(line, "id fx fy fz")) {
        fprintf(stderr, "%s: expected columns 'id fx fy fz', got %s", path, line + 11);
        break;
      }
      in_atoms = true;
      continue;
    }
    if (strncmp(line, "ITEM:", 5) == 0) {
      if (in_atoms) break; /* the next frame */
      continue;
    }
    if (!in_atoms) continue;
    long long id;
    double fx, fy, fz;
    if (sscanf(line, "%lld %lf %lf %lf", &id, &fx, &fy, &fz) != 4 || id < 1 || id > n || have[id - 1]) {
      fprintf(stderr, "%s: bad atom line: %s", path, line);
      seen = -1;
      break;
    }
    have[id - 1] = 1;
    f[3 * (id - 1)] = fx;
    f[3 * (id - 1) + 1] = fy;
    f[3 * (id - 1) + 2] = fz;
    ++seen;
  }
  ok = have && count == n && seen == n;
  if (!ok) fprintf(stderr, "%s: %lld atoms read, expected %lld\n", path, seen, (long long)n);
  free(have);
  fclose(fp);
  return ok;
}

/* Grow a double array. */
static inline bool lmpu_push(double **a, int64_t *n, int64_t *cap, double v) {
  if (*n == *cap) {
    int64_t nc = *cap ? 2 * *cap : 1024;
    double *p = realloc(*a, (size_t)nc * sizeof(double));
    if (!p) return false;
    *a = p;
    *cap = nc;
  }
  (*a)[(*n)++] = v;
  return true;
}

/* Split a line on blanks (in place); returns the token count (<= max). */
static inline int lmpu_split(char *line, char **tok, int max, const char *delims) {
  int k = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, delims, &save); t && k < max; t = strtok_r(NULL, delims, &save)) tok[k++] = t;
  return k;
}

/* Column `col` (a thermo keyword, e.g. "TotEng" or "Step") of the LAST thermo table of a
 * LAMMPS log (header line starting with "Step", rows until "Loop time"). *vals is
 * allocated (caller frees); returns the number of rows, -1 on error. */
static inline int64_t lmpu_read_thermo(const char *path, const char *col, double **vals) {
  FILE *f = fopen(path, "r");
  *vals = NULL;
  if (!f) return -1;
  char line[4096], copy[4096];
  char *tok[64];
  int ncol = 0, icol = -1;
  bool in_table = false;
  int64_t n = 0, cap = 0;
  while (fgets(line, sizeof line, f)) {
    memcpy(copy, line, sizeof copy);
    int nt = lmpu_split(copy, tok, 64, " \t\r\n");
    if (nt > 0 && strcmp(tok[0], "Step") == 0) {
      in_table = true;
      ncol = nt;
      icol = -1;
      for (int k = 0; k < nt; ++k)
        if (strcmp(tok[k], col) == 0) icol = k;
      n = 0; /* keep only the last table */
      continue;
    }
    if (!in_table) continue;
    if (strncmp(line, "Loop time", 9) == 0) {
      in_table = false;
      continue;
    }
    if (nt != ncol || icol < 0) continue; /* warnings between rows */
    char *end;
    (void)strtoll(tok[0], &end, 10);
    if (*end) continue;
    double v = strtod(tok[icol], &end);
    if (*end || !lmpu_push(vals, &n, &cap, v)) continue;
  }
  fclose(f);
  if (icol < 0) {
    free(*vals);
    *vals = NULL;
    return -1;
  }
  return n;
}

/* Column `col` (by header name) of a CSV file with one header line. */
static inline int64_t lmpu_read_csv_column(const char *path, const char *col, double **vals) {
  FILE *f = fopen(path, "r");
  *vals = NULL;
  if (!f) return -1;
  char line[4096];
  char *tok[64];
  int icol = -1, ncol = 0;
  int64_t n = 0, cap = 0;
  if (fgets(line, sizeof line, f)) {
    ncol = lmpu_split(line, tok, 64, ",\r\n");
    for (int k = 0; k < ncol; ++k)
      if (strcmp(tok[k], col) == 0) icol = k;
  }
  while (icol >= 0 && fgets(line, sizeof line, f)) {
    int nt = lmpu_split(line, tok, 64, ",\r\n");
    if (nt != ncol) continue;
    char *end;
    double v = strtod(tok[icol], &end);
    if (end == tok[icol] || !lmpu_push(vals, &n, &cap, v)) continue;
  }
  fclose(f);
  if (icol < 0) return -1;
  return n;
}

#endif
