/* descriptor.h — symmetry functions of one central atom: values G and the gradient of
 * sum_s c_s G_s with respect to the neighbour vectors, evaluated from flat tables
 * ("plan") built once from the model (n2p2-format.md section 6).
 *
 * Factorisation (our form of n2p2's symmetry-function groups). Every SF is written as
 *   radial:  G_s = sum_{j in range}        rho_c(r_ij)
 *   angular: G_s = sum_{j<k, elements ok}  rho_a(r_ij) rho_a(r_ik) Q_a(r_jk) A_b(cos_ijk)
 * with per-neighbour "channels" rho (exp(-eta (r-rs)^2) f_c(r), or the compact C(r; rl, rc),
 * times Z_j for the weighted types), a pair factor Q (narrow types 3/13/21/24: the same
 * radial function of r_jk without Z; wide types: 1) and an angular factor A
 * (2^(1-zeta) (1 + lambda cos)^zeta, or C(theta; thetaL, thetaR)). SFs that share the
 * neighbour-element pair and the type family (exponential or polynomial; narrow and wide
 * together) form a GROUP: per pair, cos, r_jk, the cutoff of r_jk, every distinct Q_a and
 * A_b are computed once and shared by all members (s, a, b).
 * Channels are shared by every radial SF and angular group of a central element, and
 * f_c(r) by every channel with the same rc ("slot").
 *
 * Pass 2 for exponential groups whose angular factors are all polynomials in cos (integer
 * zeta, |lambda| <= 1) combines sum_s c_s A_b(s) per channel into ONE polynomial per atom,
 * evaluated per pair with its derivative by Horner's rule.
 *
 * Work per central atom (struct nnmd_desc_work, reused; nothing is stored per atom):
 *   nnmd_desc_gather   neighbours within the element's cutoff, bucketed by element (SoA);
 *   nnmd_desc_prepare  f_c and channels rho, rho' for every neighbour;
 *   nnmd_desc_values   pass 1: G (raw, unscaled);
 *   nnmd_desc_gradient pass 2: given c_s = dE/dG_s, recompute the pair terms and
 *                      accumulate dE/d(d_j) for every neighbour j into grad_{x,y,z}.
 * d_j = r_j - r_i in the model's length unit. Angular sums run over unordered pairs of
 * distinct neighbour ENTRIES, so periodic images (ghost atoms) of the same atom, and of the
 * central atom itself, count as separate neighbours: the result is the exact gradient.
 */
#ifndef NNMD_DESCRIPTOR_H
#define NNMD_DESCRIPTOR_H

#include <stddef.h>

#include "error.h"
#include "model.h"

enum { NNMD_CHAN_EXP = 0, NNMD_CHAN_POLY = 1 };

/* A per-neighbour radial function (exp or compact), optionally weighted by Z_j. */
struct nnmd_desc_chan {
  int kind;     /* NNMD_CHAN_EXP / NNMD_CHAN_POLY */
  int weighted; /* multiply by Z_j */
  int slot;     /* EXP: index of f_c(rc) among the element's slots */
  double eta, rs;
  double rl, rc, m, iw; /* POLY: window (rl, rc), centre, 1/half-width; EXP: rc */
  int core, asym;
  unsigned need; /* bit e set: evaluate for neighbours of element e */
};

struct nnmd_desc_rsf {
  int sf;   /* index within the element's SF block */
  int chan; /* element channel */
  int elem; /* neighbour element, -1 = all (weighted) */
};

/* Angular factor A_b. */
struct nnmd_desc_ang {
  double lambda, zeta, pref; /* EXP: pref = 2^(1-zeta) */
  int izeta;
  double m, iw; /* POLY: centre and 1/half-width of the window, radians */
  int core;
};

struct nnmd_desc_member {
  int sf, a, b; /* SF index in the element block; local channel; angular factor */
  int narrow;   /* includes the pair factor Q_a(r_jk) (types 3, 13, 21, 24) */
};

/* Local-channel flags of a group (aflag): used by narrow and/or by wide members. */
enum { NNMD_DESC_A_NARROW = 1, NNMD_DESC_A_WIDE = 2 };

struct nnmd_desc_group {
  int narrow, wide;  /* the group has narrow / wide members */
  int poly;
  int e1, e2;        /* neighbour elements, e1 <= e2; -1 = all neighbours (weighted) */
  int n_a, a_off;    /* local channels: element channel ids achan[a_off + a], flags aflag[] */
  int n_b, b_off;    /* angular factors ang[b_off + b] */
  int n_m, m_off;    /* members mem[m_off + m] */
  int n_slot, s_off; /* narrow EXP: element slots used by f_c(r_jk): gslot[s_off + t] */
  double rc;         /* largest radius of the group's channels */
  int pdeg;          /* exp types with integer zeta in 1..16 and |lambda| <= 1: the angular
                        factors are polynomials in cos of degree <= pdeg (pass 2 combines them
                        per channel into one polynomial); -1 otherwise */
};

struct nnmd_desc_elem {
  int n_sf;
  int n_slot, slot_off;
  int n_chan, chan_off;
  int n_rsf, rsf_off;
  int n_grp, grp_off;
  double rc; /* cutoff for gathering neighbours (model length unit) */
};

struct nnmd_desc_plan {
  int n_elem;
  int cutoff_type;
  double alpha;
  double zelem[NNMD_NNP_MAX_ELEM]; /* Z of each element (weights of types 12, 13, 23-25) */
  struct nnmd_desc_elem elem[NNMD_NNP_MAX_ELEM];
  double *slot_rc;
  struct nnmd_desc_chan *chan;
  struct nnmd_desc_rsf *rsf;
  struct nnmd_desc_group *grp;
  int *achan, *aflag, *gslot;
  struct nnmd_desc_ang *ang;
  struct nnmd_desc_member *mem;
  int max_slot, max_chan, max_a, max_b, max_m, max_sf;
};

int nnmd_desc_plan_build(const struct nnmd_nnp_model *m, struct nnmd_desc_plan **out,
                         struct nnmd_error *err);
void nnmd_desc_plan_free(struct nnmd_desc_plan *p);

/* Per-atom scratch (one per thread). Neighbour arrays have capacity `cap`. */
struct nnmd_desc_work {
  int cap;
  int n;                                    /* neighbours gathered */
  int bstart[NNMD_NNP_MAX_ELEM + 1];        /* bucket e: [bstart[e], bstart[e+1]) */
  double *dx, *dy, *dz, *r, *ux, *uy, *uz, *zw; /* neighbour geometry, Z weight */
  double *one;                              /* [cap] ones (unit weights) */
  int *idx;                                 /* caller's index of each neighbour */
  double *fc, *dfc;                         /* [max_slot][cap] */
  double *rho, *drho;                       /* [max_chan][cap] */
  double *grad_r, *gx, *gy, *gz;            /* pass 2: dE/dr_j (radial) and vector part */
  double *pb;                               /* pair scratch */
  size_t pb_len;
  double *tape;                             /* narrow-type pair factors, pass 1 -> pass 2 */
  size_t tape_cap, tape_pos;
  int *tmp_e;
  double *tmp;                              /* gather scratch */
  size_t *gtape;                            /* tape position at the start of each group in pass 1
                                               (lets pass 2 skip a group with all c = 0) */
};

int nnmd_desc_work_create(const struct nnmd_desc_plan *p, int cap, struct nnmd_desc_work **out,
                          struct nnmd_error *err);
void nnmd_desc_work_free(struct nnmd_desc_work *w);
/* Make sure the work holds `cap` neighbours. */
int nnmd_desc_work_reserve(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int cap,
                           struct nnmd_error *err);

/* Gather: neighbour vectors d = r_j - r_i (model units), their elements and indices; keeps
 * those with |d| < elem[ec].rc. w must hold n neighbours. */
void nnmd_desc_gather(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec, int n,
                      const double *dx, const double *dy, const double *dz, const int *elem,
                      const int *idx);
/* f_c, channels and the pair-tape capacity of the gathered atom. */
int nnmd_desc_prepare(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec, struct nnmd_error *err);
/* Raw SF values of the central atom, g[0..n_sf). */
void nnmd_desc_values(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec, double *g);
/* Gradient of sum_s c[s] G_s w.r.t. each neighbour vector d_j:
 * (gx + grad_r * ux, gy + grad_r * uy, gz + grad_r * uz)[j] after the call. */
void nnmd_desc_gradient(const struct nnmd_desc_plan *p, struct nnmd_desc_work *w, int ec,
                        const double *c);

#endif
