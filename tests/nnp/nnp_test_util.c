/* nnp_test_util.c — see nnp_test_util.h. Included by each tests/nnp suite. */
#include "nnp_test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "species.h"
#include "support.h"
#include "units.h"

const char *nt_shared_path(char *buf, size_t n, const char *rel) {
#ifdef NNMD_SHARED_DIR
  snprintf(buf, n, "%s/%s", NNMD_SHARED_DIR, rel);
#else
  snprintf(buf, n, "../shared/%s", rel);
#endif
  return buf;
}

/* One communicator per test process (MPI may be initialised only once). */
static struct nnmd_comm *g_comm;

int nt_init(void) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  int st = nnmd_comm_create(&g_comm, NULL, NULL, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  nnmd_error_clear(&err);
  return st;
}

void nt_fini(void) {
  nnmd_comm_destroy(g_comm);
  g_comm = NULL;
}

bool nt_model_path(char *buf, size_t n, const char *model, const char *rel) {
  char r[512];
  snprintf(r, sizeof r, "models/%.200s/%.200s", model, rel);
  nt_shared_path(buf, n, r);
  if (tsup_file_exists(buf)) return true;
  fprintf(stderr, "SKIP: %s not found (shared models absent)\n", buf);
  return false;
}

int nt_read_data(const char *path, struct nt_struct *s) {
  memset(s, 0, sizeof *s);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int cap = 0, nlat = 0;
  while (fgets(line, sizeof line, f)) {
    char key[32];
    if (sscanf(line, "%31s", key) != 1) continue;
    if (strcmp(key, "lattice") == 0 && nlat < 3) {
      sscanf(line, "%*s %lf %lf %lf", &s->lat[nlat][0], &s->lat[nlat][1], &s->lat[nlat][2]);
      ++nlat;
    } else if (strcmp(key, "atom") == 0) {
      if (s->n == cap) {
        cap = cap ? 2 * cap : 64;
        s->x = realloc(s->x, 3 * (size_t)cap * sizeof(double));
        s->el = realloc(s->el, (size_t)cap * sizeof *s->el);
      }
      double *x = s->x + 3 * s->n;
      char el[8];
      if (sscanf(line, "%*s %lf %lf %lf %7s", &x[0], &x[1], &x[2], el) != 4) {
        fclose(f);
        return -1;
      }
      snprintf(s->el[s->n], 4, "%.3s", el);
      s->n++;
    } else if (strcmp(key, "end") == 0) {
      break;
    }
  }
  fclose(f);
  s->periodic = nlat == 3;
  return s->n > 0 ? 0 : -1;
}

void nt_struct_free(struct nt_struct *s) {
  free(s->x);
  free(s->el);
  memset(s, 0, sizeof *s);
}

int nt_read_ref(const char *path, struct nt_ref *r) {
  memset(r, 0, sizeof *r);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char key[64];
    if (line[0] == '#' || sscanf(line, "%63s", key) != 1) continue;
    if (strcmp(key, "natoms") == 0) {
      sscanf(line, "%*s %d", &r->natoms);
      r->f = calloc(3 * (size_t)r->natoms, sizeof(double));
      r->eat = calloc((size_t)r->natoms, sizeof(double));
    } else if (strcmp(key, "energy") == 0) {
      sscanf(line, "%*s %lf", &r->energy);
    } else if (strcmp(key, "energy_offset_sum") == 0) {
      sscanf(line, "%*s %lf", &r->energy_offset_sum);
    } else if (strcmp(key, "extrapolation_warnings") == 0) {
      long long w = 0;
      sscanf(line, "%*s %lld", &w);
      r->warnings = w;
    } else if (strcmp(key, "atom") == 0 && r->f) {
      int i;
      double fx, fy, fz, e;
      if (sscanf(line, "%*s %d %*s %lf %lf %lf %lf", &i, &fx, &fy, &fz, &e) == 5 && i >= 1 && i <= r->natoms) {
        r->f[3 * (i - 1)] = fx;
        r->f[3 * (i - 1) + 1] = fy;
        r->f[3 * (i - 1) + 2] = fz;
        r->eat[i - 1] = e;
      }
    }
  }
  fclose(f);
  return r->natoms > 0 ? 0 : -1;
}

void nt_ref_free(struct nt_ref *r) {
  free(r->f);
  free(r->eat);
  memset(r, 0, sizeof *r);
}

int nt_read_sf(const char *path, struct nt_sfdump *d) {
  memset(d, 0, sizeof *d);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[1024];
  int cap = 0, vcap = 0, nv = 0, cur = -1;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    int i, n, k;
    double a, b, c;
    if (sscanf(line, "atom %d %*s %d", &i, &n) == 2) {
      if (d->natoms == cap) {
        cap = cap ? 2 * cap : 64;
        d->nsf = realloc(d->nsf, (size_t)cap * sizeof(int));
        d->off = realloc(d->off, (size_t)cap * sizeof(int));
      }
      cur = d->natoms++;
      d->nsf[cur] = n;
      d->off[cur] = nv;
    } else if (sscanf(line, "sf %d %lf %lf %lf", &k, &a, &b, &c) == 4 && cur >= 0) {
      if (nv == vcap) {
        vcap = vcap ? 2 * vcap : 1024;
        d->graw = realloc(d->graw, (size_t)vcap * sizeof(double));
        d->gscaled = realloc(d->gscaled, (size_t)vcap * sizeof(double));
        d->dedg = realloc(d->dedg, (size_t)vcap * sizeof(double));
      }
      d->graw[nv] = a;
      d->gscaled[nv] = b;
      d->dedg[nv] = c;
      ++nv;
    }
  }
  fclose(f);
  return d->natoms > 0 ? 0 : -1;
}

void nt_sf_free(struct nt_sfdump *d) {
  free(d->nsf);
  free(d->off);
  free(d->graw);
  free(d->gscaled);
  free(d->dedg);
  memset(d, 0, sizeof *d);
}

static int set_box(struct nt_engine *e, const double lat[3][3], const double *x, int periodic) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  double h[9], lo[3] = {0, 0, 0};
  int per[3] = {periodic, periodic, periodic};
  if (periodic) {
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) h[3 * r + c] = lat[c][r];
  } else {
    double mn[3] = {1e300, 1e300, 1e300}, mx[3] = {-1e300, -1e300, -1e300};
    for (int i = 0; i < e->n; ++i)
      for (int d = 0; d < 3; ++d) {
        mn[d] = fmin(mn[d], x[3 * i + d]);
        mx[d] = fmax(mx[d], x[3 * i + d]);
      }
    memset(h, 0, sizeof h);
    for (int d = 0; d < 3; ++d) {
      lo[d] = mn[d] - 5.0;
      h[4 * d] = mx[d] - mn[d] + 10.0;
    }
  }
  int st = nnmd_box_set_h(&e->box, h, lo, per, &err);
  if (st) nnmd_error_print(&err, stderr, false);
  nnmd_error_clear(&err);
  return st;
}

int nt_engine_init(struct nt_engine *e, const struct nt_struct *s, double scale, double skin) {
  memset(e, 0, sizeof *e);
  struct nnmd_error err;
  nnmd_error_init(&err);
  nnmd_log_init(&e->log, 0, 1);
  e->skin = skin;
  e->n = s->n;
  e->comm = g_comm;
  int st = nnmd_halo_create(&e->halo, e->comm, &err);
  if (!st) st = nnmd_system_create(&e->sys, &err);
  if (!st) st = nnmd_system_reserve(e->sys, s->n, &err);
  if (st) {
    nnmd_error_print(&err, stderr, false);
    nnmd_error_clear(&err);
    return st;
  }
  struct nnmd_system *sys = e->sys;
  sys->n_local = sys->n_global = s->n;
  sys->n_ghost = 0;
  double *x = malloc(3 * (size_t)s->n * sizeof(double));
  for (int i = 0; i < s->n; ++i) {
    sys->id[i] = i + 1;
    sys->type[i] = nnmd_species_intern(&sys->species, s->el[i]);
    for (int d = 0; d < 3; ++d) x[3 * i + d] = s->x[3 * i + d] * scale;
  }
  double lat[3][3];
  for (int k = 0; k < 3; ++k)
    for (int d = 0; d < 3; ++d) lat[k][d] = s->lat[k][d] * scale;
  st = set_box(e, lat, x, s->periodic);
  if (!st) st = nt_engine_set(e, x, NULL);
  free(x);
  return st;
}

void nt_engine_free(struct nt_engine *e) {
  if (e->pot && e->ops && e->ops->destroy) e->ops->destroy(e->pot);
  nnmd_nlist_destroy(e->nl);
  nnmd_system_destroy(e->sys);
  nnmd_halo_destroy(e->halo);
  memset(e, 0, sizeof *e);
}

int nt_engine_set(struct nt_engine *e, const double *x, const double lat[3][3]) {
  struct nnmd_system *sys = e->sys;
  int64_t c = sys->capacity;
  sys->n_ghost = 0;
  for (int i = 0; i < e->n; ++i)
    for (int d = 0; d < 3; ++d) {
      sys->x[d * c + i] = x[3 * i + d];
      sys->image[d * c + i] = 0;
    }
  if (lat) return set_box(e, lat, x, e->box.periodic[0]);
  return 0;
}

static int nt_reverse_sum(void *arg, double *data, int ncomp, struct nnmd_error *err) {
  struct nt_engine *e = arg;
  return nnmd_halo_reverse_array(e->halo, e->sys, data, ncomp, err);
}

int nt_engine_compute(struct nt_engine *e, double *energy, double *f, double *virial, double *eatom) {
  struct nnmd_error err;
  nnmd_error_init(&err);
  struct nnmd_system *sys = e->sys;
  double rc = e->ops->cutoff(e->pot);
  int st = NNMD_OK;
  if (!e->nl) st = nnmd_nlist_create(&e->nl, rc, e->skin, (e->ops->flags & NNMD_POT_NEEDS_FULL_LIST) != 0, &err);
  if (!st) st = nnmd_halo_borders(e->halo, sys, &e->box, rc + e->skin, &err);
  if (!st) st = nnmd_nlist_build(e->nl, sys, &e->box, &err);
  double *ea = NULL;
  if (!st) {
    int64_t c = sys->capacity, n = sys->n_local + sys->n_ghost;
    for (int d = 0; d < 3; ++d) memset(sys->f + d * c, 0, (size_t)n * sizeof(double));
    ea = calloc((size_t)c, sizeof(double));
    struct nnmd_force_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sys = sys;
    ctx.box = &e->box;
    ctx.list = e->nl;
    ctx.units = nnmd_units_get("lammps");
    ctx.log = &e->log;
    ctx.eatom = ea;
    ctx.reverse_sum = nt_reverse_sum;
    ctx.reverse_arg = e;
    st = e->ops->compute_cpu(e->pot, &ctx, &err);
    if (!st) st = nnmd_halo_reverse_array(e->halo, sys, sys->f, 3, &err);
    if (!st) {
      if (energy) *energy = ctx.energy;
      if (virial) memcpy(virial, ctx.virial, sizeof ctx.virial);
      for (int i = 0; i < e->n; ++i) {
        if (f)
          for (int d = 0; d < 3; ++d) f[3 * i + d] = sys->f[d * c + i];
        if (eatom) eatom[i] = ea[i];
      }
    }
  }
  free(ea);
  if (st) nnmd_error_print(&err, stderr, false);
  nnmd_error_clear(&err);
  return st;
}

void nt_random_struct(struct nt_struct *s, int n, const double lat[3][3], double dmin, const char *const *syms,
                      int nsym, uint64_t seed) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->periodic = 1;
  memcpy(s->lat, lat, sizeof s->lat);
  s->x = calloc(3 * (size_t)n, sizeof(double));
  s->el = calloc((size_t)n, sizeof *s->el);
  uint64_t st = seed;
  for (int i = 0; i < n; ++i) {
    for (int tries = 0; tries < 100000; ++tries) {
      double fr[3] = {tsup_rand_uniform(&st), tsup_rand_uniform(&st), tsup_rand_uniform(&st)};
      double p[3];
      for (int d = 0; d < 3; ++d) p[d] = fr[0] * lat[0][d] + fr[1] * lat[1][d] + fr[2] * lat[2][d];
      bool ok = true;
      for (int k = 0; k < i && ok; ++k)
        for (int a = -1; a <= 1 && ok; ++a)
          for (int b = -1; b <= 1 && ok; ++b)
            for (int c = -1; c <= 1 && ok; ++c) {
              double r2 = 0;
              for (int d = 0; d < 3; ++d) {
                double q = p[d] - s->x[3 * k + d] + a * lat[0][d] + b * lat[1][d] + c * lat[2][d];
                r2 += q * q;
              }
              if (r2 < dmin * dmin) ok = false;
            }
      if (ok) {
        memcpy(s->x + 3 * i, p, sizeof p);
        break;
      }
    }
    snprintf(s->el[i], 4, "%.3s", syms[tsup_rand_u64(&st) % (uint64_t)nsym]);
  }
}
