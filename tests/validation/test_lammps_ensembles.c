/* test_lammps_ensembles.c — NVT (Nose-Hoover chain) and NPT (MTK, iso) of nnmd against
 * LAMMPS `fix nvt` / `fix npt`, both run live on the same Lennard-Jones liquid.
 *
 * Acceptance (issue): with the same settings in both codes,
 *   NVT: mean potential energy and mean pressure,
 *   NPT: mean density
 * agree within the combined 3-sigma block-averaging error,
 *   |mean_nnmd - mean_LAMMPS| < 3 sqrt(sigma_nnmd^2 + sigma_LAMMPS^2),
 * and in NVT the mean temperature of each code matches the target within 3 sigma.
 *
 * System: argon in metal units, eps = 0.0104 eV, sigma = 3.405 A, m = 39.948 amu,
 * 500 atoms (5x5x5 fcc cells) at rho* = 0.8, lj/cut at rc = 2.5 sigma shifted to zero at rc
 * (LAMMPS `pair_modify shift yes` <-> nnmd `shift = true`; no tail corrections in either),
 * neighbour skin 1 A checked every step.
 * State points (liquid; LJ critical temperature of this truncated model ~1.1-1.2, triple
 * point ~0.7):
 *   NVT: T* = 1.1 (132.755 K), rho* = 0.8            -> P ~ 920 bar
 *   NPT: T* = 1.1, P = 500 bar (P* ~ 1.2)             -> rho* ~ 0.73, 1.23 g/cm^3
 * Thermostat: 3-link chain, Tdamp = 0.5 ps (100 steps); barostat (NPT): iso, Pdamp = 1 ps
 * (200 steps), 3-link chain on the barostat; one chain substep, MTK term on — the defaults of
 * both codes, written out explicitly:
 *   LAMMPS: fix 1 all nvt temp T T Tdamp tchain 3
 *           fix 1 all npt temp T T Tdamp iso P P Pdamp tchain 3 pchain 3
 *   nnmd:   [run] ensemble = "nvt", thermostat = "nose-hoover", chain = 3, ... /
 *           ensemble = "npt", barostat = "mtk", couple = "iso", ...
 * Both use LAMMPS' metal constants (nnmd units = "lammps": k_B = 8.617343e-5 eV/K) and
 * N_f = 3N - 3. Time step 5 fs.
 *
 * Preparation (per test): the test writes the fcc lattice with Maxwell-Boltzmann velocities
 * that it draws itself; LAMMPS melts it (velocity rescaling at 3 T* for 15 ps, then at T* for
 * 10 ps; the melt is verified by MSD > sigma^2) and writes start.data. Both codes start from
 * that one file, so their step-0 potential energy and temperature must agree to rounding.
 * Both nnmd integrators are written to LAMMPS' operator splitting (nhc.c, mtk.c), so the two
 * trajectories must also stay equal to rounding for the first PARITY_STEPS = 200 steps
 * (T, E_pot, P, V within 1e-8 relative; measured ~1e-13 at step 500 for both ensembles, the
 * difference growing chaotically to visible size only after ~2,000 steps). This catches an
 * algorithmic difference at once, which the 3-sigma comparison of means could only catch when
 * it shifts a mean by more than the statistical error.
 * Each code then runs one uninterrupted trajectory (NVT 50,000 steps = 250 ps, NPT 80,000
 * steps = 400 ps), thermo every 10 steps (LAMMPS with %.17g, `thermo_modify norm no`; nnmd
 * thermo.csv). The first 5,000 (NVT) / 10,000 (NPT, the volume relaxes from rho* 0.8) steps
 * are equilibration and discarded.
 *
 * Errors: the production samples are cut into 20 consecutive blocks; sigma = standard
 * deviation of the block means / sqrt(20). The blocks must be longer than the correlation
 * time: the integrated autocorrelation time tau_int (Sokal's automatic window, c = 5) of every
 * compared series is printed and each block must span at least BLOCK_MIN_TAU tau_int
 * (measured: tau_int <= 16 samples in NVT, 17-35 samples for V and E_pot in NPT, against
 * blocks of 225 and 350 samples).
 * Both trajectories are chaotic and separate from each other after ~2,000 steps, so the two
 * means are independent estimates of the same ensemble average; each 3-sigma comparison then
 * fails by chance with a probability of ~0.5% (t distribution, 19 degrees of freedom per sigma).
 * A marginal failure can be told from a bug by longer runs: 500,000-step NVT runs of both
 * codes from one start (2.5 ns, 100 blocks) gave T 132.705(55) K LAMMPS / 132.718(65) K nnmd,
 * E_pot -23.9513(33) / -23.9521(41) eV, P 917.3(14) / 916.8(17) bar (target 132.756 K).
 * Runtime: ~2 x (0.25 + 0.4) x 1e7 atom-steps at ~2e6 atom-steps/s, about 1 minute in all.
 * All numbers (means, sigmas, tau_int, difference in combined sigmas) are printed.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lammps_util.h"
#include "support.h"

/* Argon LJ and LAMMPS' metal constants (src/update.cpp). */
#define EPS 0.0104         /* eV */
#define SIGMA 3.405        /* A */
#define MASS 39.948        /* amu */
#define BOLTZ 8.617343e-5  /* eV/K */
#define MVV2E 1.0364269e-4 /* amu A^2/ps^2 -> eV */
#define AMU_G_CM3 1.66053906660 /* amu/A^3 -> g/cm^3 */

#define NCELL 5
#define RHO_STAR 0.8
#define T_STAR 1.1
#define T_HOT_STAR 3.3 /* melt */
#define RC_STAR 2.5
#define SHIFT 1 /* LAMMPS pair_modify shift yes <-> nnmd shift = true */
#define SKIN 1.0  /* A */
#define DT 0.005  /* ps */
#define TDAMP 0.5 /* ps */
#define PDAMP 1.0 /* ps */
#define P_NPT 500.0 /* bar */
#define CHAIN 3
#define SAMPLE_EVERY 10

#define NVT_STEPS 50000
#define NVT_EQUIL 5000
#define NPT_STEPS 80000
#define NPT_EQUIL 10000
#define NBLOCKS 20
#define NSIGMA 3.0
#define BLOCK_MIN_TAU 3.0 /* each block >= this many integrated autocorrelation times */
#define PARITY_STEPS 200 /* trajectories compared sample by sample up to this step */
#define PARITY_TOL 1e-8   /* relative; thermo.csv prints T and P with 10 significant digits */

enum ensemble { ENS_NVT, ENS_NPT };

static char g_lmp[LMPU_PATH];

static double t_target(void) { return T_STAR * EPS / BOLTZ; }

static const char *nnmd_bin(void) {
  const char *b = getenv("NNMD_BIN");
  if (b && *b) return b;
#ifdef NNMD_BIN
  return NNMD_BIN;
#else
  return "nnmd";
#endif
}

static bool write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return false;
  fputs(text, f);
  return fclose(f) == 0;
}

/* ---- the shared starting state ------------------------------------------------------------ */

/* fcc crystal at rho*, velocities drawn at T_HOT_STAR (zero momentum). */
static bool make_crystal(struct lmpu_atoms *a) {
  int64_t n = 4LL * NCELL * NCELL * NCELL;
  if (!lmpu_atoms_alloc(a, n, true)) return false;
  double lat = cbrt(4.0 / RHO_STAR) * SIGMA;
  a->ntypes = 1;
  a->mass[0] = MASS;
  a->symbol[0] = "Ar";
  a->lx = a->ly = a->lz = lat * NCELL;
  static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  uint64_t rng = 20240611;
  double sd = sqrt(T_HOT_STAR * EPS / (MASS * MVV2E)), p[3] = {0, 0, 0};
  int64_t k = 0;
  for (int iz = 0; iz < NCELL; ++iz)
    for (int iy = 0; iy < NCELL; ++iy)
      for (int ix = 0; ix < NCELL; ++ix)
        for (int b = 0; b < 4; ++b, ++k) {
          a->x[3 * k] = lat * (ix + basis[b][0]);
          a->x[3 * k + 1] = lat * (iy + basis[b][1]);
          a->x[3 * k + 2] = lat * (iz + basis[b][2]);
          a->type[k] = 1;
          for (int d = 0; d < 3; ++d) {
            a->v[3 * k + d] = sd * tsup_rand_normal(&rng);
            p[d] += a->v[3 * k + d];
          }
        }
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < 3; ++d) a->v[3 * i + d] -= p[d] / (double)n;
  return true;
}

/* Lines common to every LAMMPS input: model, neighbour lists, time step. */
static void lammps_common(char *buf, size_t n, const char *data) {
  snprintf(buf, n,
           "units metal\natom_style atomic\nboundary p p p\nread_data %s\n"
           "pair_style lj/cut %.17g\n%spair_coeff 1 1 %.17g %.17g\n"
           "neighbor %.17g bin\nneigh_modify delay 0 every 1 check yes\ntimestep %.17g\n",
           data, RC_STAR * SIGMA, SHIFT ? "pair_modify shift yes\n" : "", EPS, SIGMA, SKIN, DT);
}

/* Crystal -> melted liquid at T* in dir/start.data (LAMMPS, velocity rescaling). */
static bool prepare_liquid(const char *dir, int64_t *natoms) {
  char p[LMPU_PATH], common[2048], text[8192];
  struct lmpu_atoms a;
  if (!make_crystal(&a)) return false;
  *natoms = a.n;
  bool ok = lmpu_write_data(lmpu_join(p, sizeof p, dir, "initial.data"), &a);
  lmpu_atoms_free(&a);
  if (!ok) return false;
  double th = T_HOT_STAR * EPS / BOLTZ, t0 = t_target();
  lammps_common(common, sizeof common, "initial.data");
  snprintf(text, sizeof text,
           "%scompute msd all msd\nthermo 500\nthermo_style custom step temp pe press c_msd[4]\n"
           "fix integrate all nve\n"
           "fix rescale all temp/rescale 10 %.17g %.17g %.17g 1.0\nrun 3000\nunfix rescale\n"
           "fix rescale all temp/rescale 10 %.17g %.17g %.17g 1.0\nrun 2000\n"
           "print \"NNMD_MELT $(c_msd[4]:%%.17g) $(temp:%%.17g)\"\nwrite_data start.data nocoeff\n",
           common, th, th, 0.02 * th, t0, t0, 0.02 * t0);
  if (!write_text(lmpu_join(p, sizeof p, dir, "melt.lmp"), text)) return false;
  if (lmpu_run_lammps(g_lmp, dir, "melt.lmp") != 0) return false;
  double v[2];
  if (lmpu_read_print(lmpu_join(p, sizeof p, dir, "log.lammps"), "NNMD_MELT", v, 2) != 2) return false;
  printf("melt (LAMMPS, 15 ps at %.0f K, 10 ps at %.1f K): MSD %.1f A^2 (sigma^2 = %.1f A^2), T %.2f K\n", th,
         t0, v[0], SIGMA * SIGMA, v[1]);
  if (!(v[0] > SIGMA * SIGMA)) {
    fprintf(stderr, "the crystal did not melt (MSD %.3g A^2)\n", v[0]);
    return false;
  }
  return true;
}

/* ---- the runs ----------------------------------------------------------------------------- */

static int steps_of(enum ensemble e) { return e == ENS_NVT ? NVT_STEPS : NPT_STEPS; }
static int equil_of(enum ensemble e) { return e == ENS_NVT ? NVT_EQUIL : NPT_EQUIL; }

static bool run_lammps(const char *dir, enum ensemble e, double *wall) {
  char p[LMPU_PATH], common[2048], fix[512], text[8192];
  double t0 = t_target();
  lammps_common(common, sizeof common, "start.data");
  if (e == ENS_NVT)
    snprintf(fix, sizeof fix, "fix 1 all nvt temp %.17g %.17g %.17g tchain %d\n", t0, t0, TDAMP, CHAIN);
  else
    snprintf(fix, sizeof fix, "fix 1 all npt temp %.17g %.17g %.17g iso %.17g %.17g %.17g tchain %d pchain %d\n",
             t0, t0, TDAMP, P_NPT, P_NPT, PDAMP, CHAIN, CHAIN);
  snprintf(text, sizeof text,
           "%s%sthermo %d\nthermo_style custom step temp pe press vol\n"
           "thermo_modify norm no format float %%.17g\nrun %d\n",
           common, fix, SAMPLE_EVERY, steps_of(e));
  if (!write_text(lmpu_join(p, sizeof p, dir, "run.lmp"), text)) return false;
  double w = lmpu_wtime();
  int st = lmpu_run_lammps(g_lmp, dir, "run.lmp");
  *wall = lmpu_wtime() - w;
  return st == 0;
}

static bool run_nnmd(const char *dir, enum ensemble e, double *wall) {
  char p[LMPU_PATH], text[8192], ens[512], b1[40], b2[40], b3[40], b4[40], b5[40], b6[40], b7[40], b8[40];
  if (e == ENS_NVT)
    snprintf(ens, sizeof ens, "ensemble = \"nvt\"\nthermostat = \"nose-hoover\"\n");
  else
    snprintf(ens, sizeof ens,
             "ensemble = \"npt\"\nthermostat = \"nose-hoover\"\nbarostat = \"mtk\"\ncouple = \"iso\"\n"
             "pressure = %s\npdamp = %s\n",
             lmpu_fmt(b1, sizeof b1, P_NPT), lmpu_fmt(b2, sizeof b2, PDAMP));
  snprintf(text, sizeof text,
           "# written by test_lammps_ensembles\n[system]\nstructure = \"start.data\"\nformat = \"lammps-data\"\n\n"
           "[[potential]]\ntype = \"lj\"\ncutoff = %s\nshift = %s\n"
           "pairs = [ { species = [\"Ar\", \"Ar\"], epsilon = %s, sigma = %s } ]\n\n"
           "[run]\n%stemperature = %s\ntdamp = %s\nchain = %d\nunits = \"lammps\"\ntimestep = %s\nsteps = %d\n\n"
           "[neighbor]\nskin = %s\nevery = 1\ncheck = true\n\n"
           "[output]\nthermo_every = %d\nthermo_file = \"nnmd_thermo.csv\"\n",
           lmpu_fmt(b3, sizeof b3, RC_STAR * SIGMA), SHIFT ? "true" : "false", lmpu_fmt(b4, sizeof b4, EPS),
           lmpu_fmt(b5, sizeof b5, SIGMA), ens, lmpu_fmt(b6, sizeof b6, t_target()),
           lmpu_fmt(b7, sizeof b7, TDAMP), CHAIN, lmpu_fmt(b8, sizeof b8, DT), steps_of(e),
           lmpu_fmt(b1, sizeof b1, SKIN), SAMPLE_EVERY);
  if (!write_text(lmpu_join(p, sizeof p, dir, "input.toml"), text)) return false;
  char cmd[LMPU_PATH + 64];
  if (strchr(nnmd_bin(), '\'')) return false;
  snprintf(cmd, sizeof cmd, "'%s' run input.toml", nnmd_bin());
  double w = lmpu_wtime();
  int st = lmpu_run_cmd(dir, cmd, "nnmd.out");
  *wall = lmpu_wtime() - w;
  if (st != 0) {
    fprintf(stderr, "nnmd run failed (exit status %d) in %s\n", st, dir);
    lmpu_print_tail(lmpu_join(p, sizeof p, dir, "nnmd.out"), 20);
  }
  return st == 0;
}

/* ---- thermo series ------------------------------------------------------------------------ */

enum { C_STEP, C_TEMP, C_PE, C_PRESS, C_VOL, NCOL };

struct series {
  int64_t n;
  double *c[NCOL];
};

static void series_free(struct series *s) {
  for (int k = 0; k < NCOL; ++k) free(s->c[k]);
  memset(s, 0, sizeof *s);
}

/* All columns of the LAMMPS log (lammps = true) or of nnmd's thermo.csv; false unless every
 * column has the expected number of rows and the steps run 0, SAMPLE_EVERY, ... */
static bool read_series(const char *path, bool lammps, int64_t expect, struct series *s) {
  static const char *const lmp_cols[NCOL] = {"Step", "Temp", "PotEng", "Press", "Volume"};
  static const char *const csv_cols[NCOL] = {"step", "temp_K", "epot_eV", "press_bar", "volume_A3"};
  memset(s, 0, sizeof *s);
  for (int k = 0; k < NCOL; ++k) {
    int64_t m = lammps ? lmpu_read_thermo(path, lmp_cols[k], &s->c[k])
                       : lmpu_read_csv_column(path, csv_cols[k], &s->c[k]);
    if (m != expect) {
      fprintf(stderr, "%s: column %s has %lld rows, expected %lld\n", path, lammps ? lmp_cols[k] : csv_cols[k],
              (long long)m, (long long)expect);
      return false;
    }
  }
  s->n = expect;
  for (int64_t i = 0; i < s->n; ++i)
    if (s->c[C_STEP][i] != (double)(i * SAMPLE_EVERY)) {
      fprintf(stderr, "%s: row %lld is step %.0f, expected %lld\n", path, (long long)i, s->c[C_STEP][i],
              (long long)(i * SAMPLE_EVERY));
      return false;
    }
  return true;
}

/* Largest relative difference of T, E_pot, P and V between the two series over the steps
 * 0..PARITY_STEPS (same start, same integrator: equal to rounding until chaos amplifies it). */
static double parity(const struct series *a, const struct series *b) {
  double worst = 0;
  for (int64_t i = 0; i <= PARITY_STEPS / SAMPLE_EVERY && i < a->n && i < b->n; ++i)
    for (int k = C_TEMP; k < NCOL; ++k) worst = fmax(worst, tsup_reldiff(a->c[k][i], b->c[k][i], 1e-300));
  return worst;
}

/* ---- statistics --------------------------------------------------------------------------- */

/* Integrated autocorrelation time in samples, 1 + 2 sum_k rho(k), summed up to the first
 * window M >= 5 tau(M) (Sokal), at most n/4 lags. */
static double tau_int(const double *x, int64_t n) {
  double m = 0, c0 = 0, tau = 1.0;
  for (int64_t i = 0; i < n; ++i) m += x[i];
  m /= (double)n;
  for (int64_t i = 0; i < n; ++i) c0 += (x[i] - m) * (x[i] - m);
  if (c0 <= 0) return 1.0;
  for (int64_t k = 1; k < n / 4; ++k) {
    double c = 0;
    for (int64_t i = 0; i + k < n; ++i) c += (x[i] - m) * (x[i + k] - m);
    tau += 2.0 * c / c0;
    if ((double)k >= 5.0 * tau) break;
  }
  return tau;
}

struct bstat {
  double mean, sigma, tau; /* tau: integrated autocorrelation time (samples) */
  int64_t len;             /* samples per block */
};

/* Block average of the last NBLOCKS x floor(n / NBLOCKS) samples of x. */
static struct bstat block_stats(const double *x, int64_t n) {
  struct bstat b = {0, 0, 0, n / NBLOCKS};
  const double *y = x + (n - NBLOCKS * b.len);
  double bm[NBLOCKS];
  for (int k = 0; k < NBLOCKS; ++k) {
    double s = 0;
    for (int64_t i = 0; i < b.len; ++i) s += y[k * b.len + i];
    bm[k] = s / (double)b.len;
    b.mean += bm[k] / NBLOCKS;
  }
  double var = 0;
  for (int k = 0; k < NBLOCKS; ++k) var += (bm[k] - b.mean) * (bm[k] - b.mean) / (NBLOCKS - 1);
  b.sigma = sqrt(var / NBLOCKS);
  b.tau = tau_int(y, NBLOCKS * b.len);
  return b;
}

/* Production samples (steps after `equil`) of column col, optionally transformed. */
static double *production(const struct series *s, int col, int equil, int64_t *n, int64_t natoms, bool density) {
  int64_t first = equil / SAMPLE_EVERY + 1;
  *n = s->n - first;
  double *y = malloc((size_t)*n * sizeof(double));
  if (!y) return NULL;
  for (int64_t i = 0; i < *n; ++i) {
    double v = s->c[col][first + i];
    y[i] = density ? (double)natoms * MASS * AMU_G_CM3 / v : v;
  }
  return y;
}

static void print_header(void) {
  printf("%-15s %-7s %20s %12s %8s | %20s %12s %8s | %10s %9s\n", "observable", "unit", "LAMMPS mean", "sigma",
         "tau_int", "nnmd mean", "sigma", "tau_int", "diff", "diff/sig");
}

/* Print one comparison; returns |diff| / combined sigma. */
static double compare(const char *name, const char *unit, const struct bstat *l, const struct bstat *n) {
  double sc = sqrt(l->sigma * l->sigma + n->sigma * n->sigma), d = n->mean - l->mean;
  double z = sc > 0 ? fabs(d) / sc : (d == 0 ? 0 : INFINITY);
  printf("%-15s %-7s %20.10g %12.4g %8.1f | %20.10g %12.4g %8.1f | %10.3g %9.2f\n", name, unit, l->mean, l->sigma,
         l->tau, n->mean, n->sigma, n->tau, d, z);
  return z;
}

/* Mean of one code against a fixed target; returns |mean - target| / sigma. */
static double against_target(const char *code, const char *name, const struct bstat *b, double target) {
  double z = b->sigma > 0 ? fabs(b->mean - target) / b->sigma : INFINITY;
  printf("%-7s %s: mean %.6f +- %.4f (tau_int %.1f samples), target %.6f: diff %+.4f = %.2f sigma\n", code, name,
         b->mean, b->sigma, b->tau, target, b->mean - target, z);
  return z;
}

/* Every compared series must have blocks of >= BLOCK_MIN_TAU correlation times. */
static bool blocks_long_enough(const char *code, const char *name, const struct bstat *b) {
  bool ok = (double)b->len >= BLOCK_MIN_TAU * b->tau;
  if (!ok)
    fprintf(stderr, "%s %s: blocks of %lld samples are shorter than %.0f x tau_int = %.1f samples\n", code, name,
            (long long)b->len, BLOCK_MIN_TAU, b->tau);
  return ok;
}

/* ---- one ensemble, both codes -------------------------------------------------------------- */

struct outcome {
  bool ok;
  char msg[1024];
};

static void note_failure(struct outcome *o, const char *msg) {
  if (o->ok) snprintf(o->msg, sizeof o->msg, "%s", msg);
  o->ok = false;
}

static void run_ensemble(enum ensemble e, struct outcome *o) {
  const char *tag = e == ENS_NVT ? "NVT" : "NPT";
  char dir[LMPU_PATH], p[LMPU_PATH], msg[1024];
  o->ok = true;
  o->msg[0] = 0;
  ck_assert(lmpu_tmpdir(e == ENS_NVT ? "lammps_nvt" : "lammps_npt", dir, sizeof dir));
  printf("==== %s: LJ argon, T = %.3f K (T* %.2f), %s; dt %.3f ps, Tdamp %.2f ps, chain %d ====\n", tag, t_target(),
         T_STAR, e == ENS_NVT ? "rho* 0.8" : "P = 500 bar iso, Pdamp 1 ps", DT, TDAMP, CHAIN);
  int64_t natoms = 0;
  ck_assert_msg(prepare_liquid(dir, &natoms), "preparing the liquid with LAMMPS failed (kept in %s)", dir);

  double w_lmp = 0, w_nnmd = 0;
  ck_assert_msg(run_lammps(dir, e, &w_lmp), "LAMMPS %s run failed in %s", tag, dir);
  ck_assert_msg(run_nnmd(dir, e, &w_nnmd), "nnmd %s run failed in %s", tag, dir);
  int64_t rows = steps_of(e) / SAMPLE_EVERY + 1;
  struct series sl, sn;
  ck_assert_msg(read_series(lmpu_join(p, sizeof p, dir, "log.lammps"), true, rows, &sl),
                "cannot read the LAMMPS thermo in %s", dir);
  ck_assert_msg(read_series(lmpu_join(p, sizeof p, dir, "nnmd_thermo.csv"), false, rows, &sn),
                "cannot read nnmd's thermo.csv in %s", dir);
  printf("%lld atoms, %d steps (%.0f ps), first %d steps discarded, %lld samples in %d blocks; wall time LAMMPS "
         "%.1f s, nnmd %.1f s\n",
         (long long)natoms, steps_of(e), steps_of(e) * DT, equil_of(e),
         (long long)(rows - 1 - equil_of(e) / SAMPLE_EVERY), NBLOCKS, w_lmp, w_nnmd);

  /* same starting state, and the same integrator: identical trajectories for the first steps */
  double pe_rel = tsup_reldiff(sn.c[C_PE][0], sl.c[C_PE][0], 1e-300);
  double t_rel = tsup_reldiff(sn.c[C_TEMP][0], sl.c[C_TEMP][0], 1e-300);
  printf("step 0: E_pot nnmd %.12f LAMMPS %.12f eV (rel %.1e); T nnmd %.7f LAMMPS %.7f K (rel %.1e)\n",
         sn.c[C_PE][0], sl.c[C_PE][0], pe_rel, sn.c[C_TEMP][0], sl.c[C_TEMP][0], t_rel);
  if (!(pe_rel <= 1e-9 && t_rel <= 1e-8)) note_failure(o, "the two codes do not start from the same state (step 0)");
  double par = parity(&sl, &sn);
  printf("steps 0-%d: largest relative difference of T, E_pot, P, V between the codes %.2e (limit %.0e)\n",
         PARITY_STEPS, par, PARITY_TOL);
  if (!(par <= PARITY_TOL)) {
    snprintf(msg, sizeof msg, "%s: the trajectories differ within the first %d steps (rel %.3g): the integrators are "
             "not the same as LAMMPS'", tag, PARITY_STEPS, par);
    note_failure(o, msg);
  }

  /* block statistics of every observable, both codes */
  static const char *const names[] = {"T", "E_pot", "P", "V", "density"};
  static const char *const units[] = {"K", "eV", "bar", "A^3", "g/cm^3"};
  static const int cols[] = {C_TEMP, C_PE, C_PRESS, C_VOL, C_VOL};
  struct bstat bl[5], bn[5];
  for (int k = 0; k < 5; ++k) {
    int64_t nl, nn;
    double *yl = production(&sl, cols[k], equil_of(e), &nl, natoms, k == 4);
    double *yn = production(&sn, cols[k], equil_of(e), &nn, natoms, k == 4);
    ck_assert(yl && yn && nl == nn && nl >= 10 * NBLOCKS);
    bl[k] = block_stats(yl, nl);
    bn[k] = block_stats(yn, nn);
    free(yl);
    free(yn);
  }
  series_free(&sl);
  series_free(&sn);

  print_header();
  double z[5] = {0, 0, 0, 0, 0};
  for (int k = 0; k < 5; ++k) {
    if (e == ENS_NVT && k >= 3) continue; /* constant volume */
    z[k] = compare(names[k], units[k], &bl[k], &bn[k]);
  }
  /* the acceptance observables */
  int checked[3], nchecked = 0;
  if (e == ENS_NVT) {
    checked[nchecked++] = 1;
    checked[nchecked++] = 2;
  } else {
    checked[nchecked++] = 4;
    printf("NPT mean number density: LAMMPS rho* %.5f, nnmd rho* %.5f\n",
           bl[4].mean * pow(SIGMA, 3) / (MASS * AMU_G_CM3), bn[4].mean * pow(SIGMA, 3) / (MASS * AMU_G_CM3));
  }
  for (int i = 0; i < nchecked; ++i) {
    int k = checked[i];
    bool long_l = blocks_long_enough("LAMMPS", names[k], &bl[k]), long_n = blocks_long_enough("nnmd", names[k], &bn[k]);
    if (!long_l || !long_n) {
      snprintf(msg, sizeof msg, "%s %s: blocks shorter than %.0f correlation times (%s)", tag, names[k],
               BLOCK_MIN_TAU, long_l ? "nnmd" : "LAMMPS");
      note_failure(o, msg);
    }
    printf("%s %s: |diff| = %.2f combined sigma (limit %.0f) -> %s\n", tag, names[k], z[k], NSIGMA,
           z[k] < NSIGMA ? "agree" : "DISAGREE");
    if (!(z[k] < NSIGMA)) {
      snprintf(msg, sizeof msg, "%s mean %s: nnmd %.8g +- %.3g, LAMMPS %.8g +- %.3g %s: %.2f combined sigma > %.0f",
               tag, names[k], bn[k].mean, bn[k].sigma, bl[k].mean, bl[k].sigma, units[k], z[k], NSIGMA);
      note_failure(o, msg);
    }
  }
  if (e == ENS_NVT) {
    double zl = against_target("LAMMPS", "NVT T", &bl[0], t_target());
    double zn = against_target("nnmd", "NVT T", &bn[0], t_target());
    if (!blocks_long_enough("LAMMPS", "T", &bl[0]) || !blocks_long_enough("nnmd", "T", &bn[0]))
      note_failure(o, "NVT T: blocks shorter than the correlation time allows");
    if (!(zn < NSIGMA)) {
      snprintf(msg, sizeof msg, "nnmd NVT mean temperature %.4f +- %.4f K is %.2f sigma from the target %.4f K",
               bn[0].mean, bn[0].sigma, zn, t_target());
      note_failure(o, msg);
    }
    if (!(zl < NSIGMA)) {
      snprintf(msg, sizeof msg, "LAMMPS NVT mean temperature %.4f +- %.4f K is %.2f sigma from the target %.4f K",
               bl[0].mean, bl[0].sigma, zl, t_target());
      note_failure(o, msg);
    }
  } else {
    double rho_star = bl[4].mean * pow(SIGMA, 3) / (MASS * AMU_G_CM3);
    if (!(rho_star > 0.6 && rho_star < 0.85))
      note_failure(o, "test design: the NPT state point is not the intended liquid");
  }
  fflush(stdout);
  if (o->ok)
    lmpu_rmdir(dir);
  else
    fprintf(stderr, "inputs and outputs kept in %s\n", dir);
}

START_TEST(test_nvt_nose_hoover_vs_lammps) {
  struct outcome o;
  run_ensemble(ENS_NVT, &o);
  ck_assert_msg(o.ok, "%s", o.msg);
}
END_TEST

START_TEST(test_npt_mtk_iso_vs_lammps) {
  struct outcome o;
  run_ensemble(ENS_NPT, &o);
  ck_assert_msg(o.ok, "%s", o.msg);
}
END_TEST

int main(void) {
  lmpu_skip_without_lammps("test_lammps_ensembles", g_lmp, sizeof g_lmp);
  printf("LAMMPS: %s, nnmd: %s\n", g_lmp, nnmd_bin());
  Suite *s = suite_create("lammps_ensembles");
  TCase *tc = tcase_create("ensembles");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_nvt_nose_hoover_vs_lammps);
  tcase_add_test(tc, test_npt_mtk_iso_vs_lammps);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
