/* setup_device.c — the run's backend, chosen once at set-up (design §9):
 *   device = "cpu"   every term runs compute_cpu; a given precision is ignored (warning);
 *   device = "gpu"   terms with compute_cuda (hdnnp) run it, the others (lj, zbl, bec, field
 *                    terms) stay on the CPU in the same force call; needs a CUDA build and a
 *                    CUDA device (or NNMD_GPU_EMULATE=1, below), else an error at the key;
 *   device = "auto"  (default) the CPU for now: the GPU path has been checked only in host
 *                    emulation, never on a device, so it is used only when asked for
 *                    explicitly (device = "gpu"); once validated on hardware "auto" will pick
 *                    the GPU when the build has CUDA, a device is present and some
 *                    [[potential]] type has compute_cuda. The log says which and why.
 * Resident step (engine/gpu/resident.h): with device = "gpu", when every force term has a device
 * path and the integrator is not host-only, the whole timestep runs on the device
 * (md.resident); otherwise the GPU terms are evaluated per call and the rest of the step
 * stays on the host. The log says which and why.
 * precision = "mixed" (default) | "double" (docs/gpu.md). The GPU of each MPI rank is picked
 * by its node-local rank (device.h).
 * NNMD_GPU_EMULATE=1 (environment; testing aid, docs/gpu.md): with a CUDA build, the GPU
 * path runs the kernels' arithmetic on the host instead of a device, so input -> set-up ->
 * terms -> force field -> run loop can be tested on machines without a GPU.
 */
#include "setup_device.h"

#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "registry.h"

static bool emulation_requested(void) {
  const char *e = getenv("NNMD_GPU_EMULATE");
  return e && strcmp(e, "1") == 0;
}

/* Some [[potential]] type has a GPU path. */
static bool any_term_on_gpu(const struct nnmd_input *in) {
  for (size_t k = 0; in->potentials && k < in->potentials->n; ++k) {
    const struct nnmd_cfg *tv = nnmd_cfg_get(in->potentials->items[k], "type");
    const struct nnmd_potential_ops *ops =
        tv && tv->kind == NNMD_CFG_STRING ? nnmd_registry_potential(tv->u.s) : NULL;
    if (ops && ops->compute_cuda) return true;
  }
  return false;
}

int nnmd_sim_choose_device(struct nnmd_sim *s, struct nnmd_term_info *info, struct nnmd_error *err) {
  const struct nnmd_input *in = &s->in;
  const char *pname = in->precision == NNMD_PREC_DOUBLE ? "double" : "mixed";
  info->use_device = info->device_mixed = info->device_emulate = false;
  info->device_loc = in->device_loc;
  if (in->device == NNMD_DEV_CPU) {
    if (in->has_precision)
      nnmd_log_warn(&s->log, "%s:%lld: precision = \"%s\" is ignored: it applies to device = \"gpu\" only",
                    in->precision_loc.file ? in->precision_loc.file : in->path, (long long)in->precision_loc.line, pname);
    nnmd_log_info(&s->log, "device: cpu");
    return NNMD_OK;
  }
  const bool built = nnmd_device_built(), emulate = built && emulation_requested(), terms = any_term_on_gpu(in);
  const int count = built && !emulate ? nnmd_device_count() : 0;
  const bool validated = false; /* no GPU run has been checked against the CPU path yet (docs/gpu.md) */
  if (in->device == NNMD_DEV_AUTO && !(built && terms && (emulate || (count > 0 && validated)))) {
    nnmd_log_info(&s->log, "device: cpu (device = \"auto\": %s)",
                  !built ? "this nnmd was built without CUDA"
                  : !terms ? "no [[potential]] has a GPU path"
                  : count == 0 ? "no CUDA device found"
                               : "the GPU path is not yet validated on a device; set device = \"gpu\" to use it");
    return NNMD_OK;
  }
  if (!built)
    return nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, in->device_loc,
                        "device = \"gpu\", but this nnmd was built without CUDA: rebuild with nvcc on the PATH "
                        "(cmake -DNNMD_CUDA=ON), or use device = \"cpu\"");
  if (count == 0 && !emulate) {
    struct nnmd_error e;
    nnmd_error_init(&e);
    nnmd_device_select(-1, NULL, &e); /* its message says why (driver, no GPU) */
    int st = nnmd_fail_at(err, NNMD_ERR_UNSUPPORTED, in->device_loc,
                          "device = \"gpu\", but no CUDA device was found: %s; use device = \"cpu\" or \"auto\"",
                          e.status ? e.msg : "no GPU");
    nnmd_error_clear(&e);
    return st;
  }
  if (!terms)
    nnmd_log_warn(&s->log, "device = \"gpu\": no [[potential]] has a GPU path; every term runs on the CPU");
  info->use_device = true;
  info->device_mixed = in->precision == NNMD_PREC_MIXED;
  info->device_emulate = emulate;
  nnmd_log_info(&s->log, "device: gpu%s, precision %s%s", in->device == NNMD_DEV_AUTO ? " (device = \"auto\")" : "",
                pname, emulate ? ", HOST EMULATION of the kernels (NNMD_GPU_EMULATE=1; testing aid, slow)" : "");
  return NNMD_OK;
}

void nnmd_sim_apply_device(struct nnmd_sim *s, const struct nnmd_term_info *info) {
  if (!info->use_device || !s->ff) return;
  nnmd_ff_set_device(s->ff, true);
  char gpu[256] = "", cpu[256] = "";
  for (int k = 0; k < nnmd_ff_n_terms(s->ff); ++k) {
    char *dst = nnmd_ff_term_on_device(s->ff, k) ? gpu : cpu;
    if (dst[0]) strncat(dst, ", ", 255 - strlen(dst));
    strncat(dst, nnmd_ff_term(s->ff, k, NULL)->name, 255 - strlen(dst));
  }
  nnmd_log_info(&s->log, "force terms on the GPU: %s; on the CPU (same step): %s", gpu[0] ? gpu : "none",
                cpu[0] ? cpu : "none");
  /* the whole step stays on the device when every term has a device path (run.c checks the
   * integrator later: nnmd_sim_check_resident) */
  const char *why = NULL;
  s->md.resident = nnmd_ff_all_on_device(s->ff, &why);
  s->md.resident_emulate = info->device_emulate;
  if (!s->in.resident) {
    if (s->md.resident) nnmd_log_info(&s->log, "resident GPU step off ([parallel] resident = false): positions go to "
                                      "the device and forces come back at every step");
    s->md.resident = false;
  } else if (!s->md.resident)
    nnmd_log_info(&s->log, "resident GPU step off: the term '%s' runs on the CPU (or makes per-atom fields), so "
                  "positions go to the device and forces come back at every step", why ? why : "?");
}

void nnmd_sim_check_resident(struct nnmd_sim *s) {
  struct nnmd_md *md = &s->md;
  if (!md->resident || !md->integ || !(md->integ->flags & NNMD_INTEG_HOST_ONLY)) return;
  md->resident = false;
  nnmd_log_info(&s->log, "resident GPU step off: the integrator '%s' works on host arrays only; the force terms "
                "still run on the GPU", md->integ->name);
}
