/* avec.h — the per-atom work of the integrators, on the host or on a device (design §1.2, §8).
 *
 * Every loop over owned atoms that an integrator of integrators/ makes goes through these
 * functions. With ctx->dev == NULL they run the host loops over the arrays of ctx->sys (the
 * code the integrators had, bit for bit). With ctx->dev set (engine/gpu/dev_atoms.h: the device
 * arrays of a resident run) each call is one CUDA kernel, one thread per owned atom
 * (avec.cu; per-atom bodies in avec_kern.h); with dev->emulate the same bodies run
 * sequentially on the host over host memory, and the sums are taken in the order of the
 * host loops, so emulated results equal host results bit for bit (test_avec_emul.c).
 * Device reductions: a block sum and one atomicAdd per block and value into ctx->dev_scratch,
 * then a download of a few doubles (the order of the atomics is not fixed, so device sums
 * can differ from host sums, and between runs, in the last bits).
 * "Local" results are this rank's sums: the caller does the cross-rank reduction, as the
 * host code did. Functions without "local" include it.
 * Units: metal: dt, tau in ps; x in A; v in A/ps; f in eV/A; masses amu; energies eV
 * (a = ftm2v f / m, K = mvv2e m v^2 / 2).
 * Errors: only the device path can fail (launch, copy or scratch allocation: NNMD_ERR_CUDA,
 * NNMD_ERR_NOMEM; NNMD_ERR_UNSUPPORTED in a build without CUDA).
 */
#ifndef NNMD_AVEC_H
#define NNMD_AVEC_H

#include "box.h"
#include "error.h"
#include "integrator.h"

#define NNMD_AV_SCRATCH 16 /* doubles of ctx->dev_scratch the reductions use */

/* Species of the atoms the context works on (ctx->dev's table, else ctx->sys's) and the
 * mass of species t (amu). */
int nnmd_av_ntypes(const struct nnmd_integ_ctx *ctx);
double nnmd_av_mass(const struct nnmd_integ_ctx *ctx, int t);

/* v += (dt/2) ftm2v f / m  (half kick of velocity Verlet with step dt). */
int nnmd_av_kick(struct nnmd_integ_ctx *ctx, double dt, struct nnmd_error *err);
/* x += tau v. */
int nnmd_av_drift(struct nnmd_integ_ctx *ctx, double tau, struct nnmd_error *err);
/* v *= s. */
int nnmd_av_scale(struct nnmd_integ_ctx *ctx, double s, struct nnmd_error *err);
/* v_d *= s[d]. */
int nnmd_av_scale3(struct nnmd_integ_ctx *ctx, const double s[3], struct nnmd_error *err);
/* Kinetic energy of all ranks (eV): mvv2e/2 sum m v^2 (host path: thermo.h's
 * nnmd_kinetic_energy). */
int nnmd_av_kinetic_energy(const struct nnmd_integ_ctx *ctx, double *k, struct nnmd_error *err);
/* Local sum_i m_i v_ia v_ib (amu A^2/ps^2) for b >= a in mvv[3a + b]; the lower triangle is 0. */
int nnmd_av_mvv_local(const struct nnmd_integ_ctx *ctx, double mvv[9], struct nnmd_error *err);
/* Owned positions keep their fractional coordinates from the cell `old` to the cell `now`:
 * x <- now.lo + now.h old.h_inv (x - old.lo). */
int nnmd_av_remap(struct nnmd_integ_ctx *ctx, const struct nnmd_box *old, const struct nnmd_box *now,
                  struct nnmd_error *err);
/* C-rescale scaled drift (crescale.c): x_d <- lo_d + mu_d (x_d - lo_d) + (mu_d + 1/mu_d)/2 dt v_d,
 * then v_d <- v_d / mu_d (dt = ctx->dt). */
int nnmd_av_crescale(struct nnmd_integ_ctx *ctx, const double lo[3], const double mu[3], struct nnmd_error *err);
/* MTK barostat velocity update over dt/2 (LAMMPS nh_v_press): v_d *= f_d; if tri
 * (vx -= dt/2 (vy wdot_xy + vz wdot_xz), vy -= dt/2 vz wdot_yz); v_d *= f_d. wdot in Voigt
 * order (xx, yy, zz, yz, xz, xy), 1/ps. */
int nnmd_av_mtk_vpress(struct nnmd_integ_ctx *ctx, const double f[3], const double wdot[6], bool tri,
                       struct nnmd_error *err);
/* Langevin noise increments dv_i = sig[type_i] xi_i, xi_i the first three normals of the
 * counter RNG at (ctx->seed, id_i, ctx->step, NNMD_RNG_LANGEVIN, block 0); sig in A/ps per
 * species. langevin_mean: local p[0..2] = sum m dv, p[3] = sum m. */
int nnmd_av_langevin_mean(const struct nnmd_integ_ctx *ctx, const double *sig, double p[4], struct nnmd_error *err);
/* Langevin O step: v <- c1 v + (dv - mean); local k[0] = sum m v^2 before, k[1] after. */
int nnmd_av_langevin_o(struct nnmd_integ_ctx *ctx, const double *sig, double c1, const double mean[3], double k[2],
                       struct nnmd_error *err);

#endif
