/* plot_svg.c — see plot_svg.h. Layout (pixels): a W x H canvas (default 820 x 500), the plot
 * area [80, W - 200] x [50, H - 70] (top 70 with a second x axis), the legend to the right of
 * it. Data are mapped linearly; lines are clipped to the plot area. A second x axis on top
 * (x2 = x * scale, e.g. THz -> cm^-1) gets its own nice ticks. */
#include "plot_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"

enum { X0 = 80 };

static const char *const k_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
enum { NCOLORS = sizeof k_colors / sizeof k_colors[0] };

static void put_text(FILE *f, const char *s) {
  for (; s && *s; ++s) {
    switch (*s) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&apos;", f); break;
      default: fputc(*s, f);
    }
  }
}

/* 1, 2 or 5 times a power of ten, close to r. */
static double nice_step(double r) {
  double p = pow(10.0, floor(log10(r))), m = r / p;
  return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

/* Extend [*lo, *hi] to whole ticks of a nice step (about 6 intervals). */
static double nice_range(double *lo, double *hi) {
  if (!(*hi > *lo)) {
    double d = fabs(*lo) > 0 ? 0.1 * fabs(*lo) : 1.0;
    *lo -= d;
    *hi += d;
  }
  double step = nice_step((*hi - *lo) / 6.0);
  *lo = floor(*lo / step + 1e-9) * step;
  *hi = ceil(*hi / step - 1e-9) * step;
  return step;
}

static void data_range(const struct nnmd_plot_series *s, int ns, bool yaxis, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int k = 0; k < ns; ++k)
    for (int64_t i = 0; i < s[k].n; ++i) {
      double x = s[k].x[i], y = s[k].y[i];
      if (!isfinite(x) || !isfinite(y)) continue;
      double v = yaxis ? y : x;
      if (v < *lo) *lo = v;
      if (v > *hi) *hi = v;
    }
  if (!isfinite(*lo)) {
    *lo = 0.0;
    *hi = 1.0;
  }
}

struct map {
  double xlo, xhi, ylo, yhi;
  int W, H, X1, Y0, Y1;
};

static double px(const struct map *m, double x) { return X0 + (x - m->xlo) / (m->xhi - m->xlo) * (m->X1 - X0); }
static double py(const struct map *m, double y) { return m->Y1 - (y - m->ylo) / (m->yhi - m->ylo) * (m->Y1 - m->Y0); }

/* Tick label: as many decimals as the (1, 2, 5 x 10^k) step needs, so labels of a range far
 * from zero (e.g. -133344.6 .. -133343.2) stay distinct. */
static void put_tick_label(FILE *f, double v, double step) {
  double r = round(v / step) * step;
  if (fabs(r) < 1e-9 * step) r = 0.0;
  int dec = (int)-floor(log10(step) + 1e-9);
  if (dec < 0) dec = 0;
  if (step < 1e-4 || fabs(r) >= 1e7) fprintf(f, "%g", r);
  else fprintf(f, "%.*f", dec, r);
}

static void axes(FILE *f, const struct nnmd_plot *p, const struct map *m, double xs, double ys) {
  const int X1 = m->X1, Y0 = m->Y0, Y1 = m->Y1;
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n", X0, Y0,
          X1 - X0, Y1 - Y0);
  for (double v = m->xlo; v <= m->xhi + 1e-9 * xs; v += xs) {
    double x = px(m, v);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, Y0, x, Y1);
    fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"black\"/>\n", x, Y1, x, Y1 + 5);
    fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">", x, Y1 + 20);
    put_tick_label(f, v, xs);
    fputs("</text>\n", f);
  }
  for (double v = m->ylo; v <= m->yhi + 1e-9 * ys; v += ys) {
    double y = py(m, v);
    fprintf(f, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#ddd\"/>\n", X0, y, X1, y);
    fprintf(f, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"black\"/>\n", X0 - 5, y, X0, y);
    fprintf(f, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">", X0 - 8, y + 4);
    put_tick_label(f, v, ys);
    fputs("</text>\n", f);
  }
  fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (X0 + X1) / 2, Y1 + 45);
  put_text(f, p->xlabel);
  fprintf(f, "</text>\n<text x=\"20\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 20 %d)\">",
          (Y0 + Y1) / 2, (Y0 + Y1) / 2);
  put_text(f, p->ylabel);
  fprintf(f, "</text>\n<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"16\">", (X0 + X1) / 2);
  put_text(f, p->title);
  fputs("</text>\n", f);
  if (p->note) {
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" fill=\"#a33\">", (X0 + X1) / 2,
            Y1 + 62);
    put_text(f, p->note);
    fputs("</text>\n", f);
  }
  if (p->has_x2 && p->x2_scale > 0) { /* top axis: x2 = x * scale */
    double lo = m->xlo * p->x2_scale, hi = m->xhi * p->x2_scale, l2 = lo, h2 = hi;
    double s2 = nice_range(&l2, &h2);
    for (double v = l2; v <= hi + 1e-9 * s2; v += s2) {
      if (v < lo - 1e-9 * s2) continue;
      double x = px(m, v / p->x2_scale);
      fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"black\"/>\n", x, Y0 - 5, x, Y0);
      fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">", x, Y0 - 8);
      put_tick_label(f, v, s2);
      fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (X0 + X1) / 2, Y0 - 24);
    put_text(f, p->x2label);
    fputs("</text>\n", f);
  }
}

static void series(FILE *f, const struct map *m, const struct nnmd_plot_series *s, const char *color,
                   const char *clip) {
  bool open = false;
  if (s->points) {
    fprintf(f, "<g clip-path=\"url(#%s)\" fill=\"%s\" fill-opacity=\"0.6\">\n", clip, color);
    for (int64_t i = 0; i < s->n; ++i) {
      double x = s->x[i], y = s->y[i];
      if (!isfinite(x) || !isfinite(y)) continue;
      double X = fmax(-1e5, fmin(1e5, px(m, x))), Y = fmax(-1e5, fmin(1e5, py(m, y)));
      fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n", X, Y);
    }
    fputs("</g>\n", f);
    return;
  }
  for (int64_t i = 0; i < s->n; ++i) {
    double x = s->x[i], y = s->y[i];
    if (!isfinite(x) || !isfinite(y)) {
      if (open) fputs("\"/>\n", f);
      open = false;
      continue;
    }
    if (!open)
      fprintf(f, "<polyline clip-path=\"url(#%s)\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"",
              clip, color, s->dashed ? " stroke-dasharray=\"6 4\"" : "");
    /* clamp far-away points so huge values cannot break the renderer */
    double X = fmax(-1e5, fmin(1e5, px(m, x))), Y = fmax(-1e5, fmin(1e5, py(m, y)));
    fprintf(f, "%s%.2f,%.2f", open ? " " : "", X, Y);
    open = true;
  }
  if (open) fputs("\"/>\n", f);
}

static void write_svg(FILE *f, const struct nnmd_plot *p, const struct nnmd_plot_series *s, int ns, bool xmlns) {
  struct map m;
  m.W = p->width > 0 ? p->width : 820;
  m.H = p->height > 0 ? p->height : 500;
  m.X1 = m.W - 200;
  m.Y0 = p->has_x2 ? 70 : 50;
  m.Y1 = m.H - 70;
  const int X1 = m.X1, Y0 = m.Y0, Y1 = m.Y1, W = m.W, H = m.H;
  const char *clip = p->clip_id ? p->clip_id : "area";
  if (p->fixed_x) {
    m.xlo = p->xmin;
    m.xhi = p->xmax;
  } else data_range(s, ns, false, &m.xlo, &m.xhi);
  if (p->fixed_y) {
    m.ylo = p->ymin;
    m.yhi = p->ymax;
  } else {
    data_range(s, ns, true, &m.ylo, &m.yhi);
    if (p->y_from_zero) { /* small excursions below 0 (noise, rounding) do not move the axis */
      if (m.ylo < 0.0 && -m.ylo < 0.02 * m.yhi) m.ylo = 0.0;
      m.ylo = fmin(m.ylo, 0.0);
      m.yhi = fmax(m.yhi, 0.0);
    }
  }
  double xs = nice_range(&m.xlo, &m.xhi), ys = nice_range(&m.ylo, &m.yhi);
  fprintf(f, "<svg%s width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
          xmlns ? " xmlns=\"http://www.w3.org/2000/svg\"" : "", W, H, W, H);
  fprintf(f, "<defs><clipPath id=\"%s\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath></defs>\n",
          clip, X0, Y0, X1 - X0, Y1 - Y0);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
  int ly = Y0 + 10;
  if (p->band && p->band_hi > p->band_lo) {
    double a = fmax(X0, fmin(X1, px(&m, p->band_lo))), b = fmax(X0, fmin(X1, px(&m, p->band_hi)));
    fprintf(f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#fde9a9\" fill-opacity=\"0.6\"/>\n", a,
            Y0, b - a, Y1 - Y0);
    if (p->band_label) {
      fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"20\" height=\"10\" fill=\"#fde9a9\"/>\n", X1 + 15, ly - 9);
      fprintf(f, "<text x=\"%d\" y=\"%d\">", X1 + 40, ly);
      put_text(f, p->band_label);
      fputs("</text>\n", f);
      ly += 18;
    }
  }
  axes(f, p, &m, xs, ys);
  int next = 0;
  for (int k = 0; k < ns; ++k) {
    int c = s[k].color >= 0 ? s[k].color : next++;
    const char *color = k_colors[c % NCOLORS];
    series(f, &m, &s[k], color, clip);
    if (!s[k].label) continue;
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", X1 + 15, ly - 4,
            X1 + 35, ly - 4, color, s[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
    fprintf(f, "<text x=\"%d\" y=\"%d\">", X1 + 40, ly);
    put_text(f, s[k].label);
    fputs("</text>\n", f);
    ly += 18;
  }
  fputs("</svg>\n", f);
}

void nnmd_plot_svg_write(FILE *f, const struct nnmd_plot *p, const struct nnmd_plot_series *s, int ns) {
  write_svg(f, p, s, ns, false);
}

int nnmd_plot_svg(const char *path, const struct nnmd_plot *p, const struct nnmd_plot_series *s, int ns,
                  struct nnmd_error *err) {
  struct nnmd_outfile o;
  int st = nnmd_outfile_open(&o, path, err);
  if (st) return st;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", o.f);
  write_svg(o.f, p, s, ns, true);
  return nnmd_outfile_commit(&o, err);
}
