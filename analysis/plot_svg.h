/* plot_svg.h — a small SVG line-plot writer for the analysis products (MSD with its fit
 * window, VDOS, RDF), viewable in any browser.
 *
 * One plot: a frame with "nice" ticks (1, 2, 5 x 10^k) on both axes, axis labels, a title,
 * any number of series drawn as polylines in a fixed colour cycle (optionally dashed), a
 * legend, and optionally one shaded x-range (e.g. a fit window). Axis ranges are taken from
 * the data unless given. Non-finite points break a line. The file is written whole (temp
 * file + rename). Text is XML-escaped.
 */
#ifndef NNMD_PLOT_SVG_H
#define NNMD_PLOT_SVG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

struct nnmd_plot_series {
  const char *label; /* legend text; NULL = not in the legend */
  const double *x, *y;
  int64_t n;
  bool dashed;
  int color; /* index into the colour cycle; -1 = next in turn */
  bool points; /* draw the points as small dots instead of a line (scatter, parity plots) */
};

struct nnmd_plot {
  const char *title, *xlabel, *ylabel;
  bool band;               /* shade x in [band_lo, band_hi] */
  double band_lo, band_hi;
  const char *band_label;  /* legend text for the band (may be NULL) */
  bool fixed_x, fixed_y;   /* use the ranges below instead of the data's */
  double xmin, xmax, ymin, ymax;
  bool y_from_zero;        /* include y = 0 in an automatic range */
  const char *clip_id;     /* id of the clip path (NULL = "area"); unique per plot in one HTML page */
  const char *note;        /* a line of text under the title (e.g. "y clipped at ..."), or NULL */
  bool has_x2;             /* a second x axis on top: x2 = x * x2_scale */
  double x2_scale;
  const char *x2label;
  int width, height;       /* canvas in pixels (0 = 820 x 500) */
};

/* Write the plot to `path`. */
int nnmd_plot_svg(const char *path, const struct nnmd_plot *p, const struct nnmd_plot_series *s, int ns,
                  struct nnmd_error *err);
/* The same SVG element to an open stream for inline use in an HTML page: no XML prolog and no
 * xmlns attribute (HTML needs none, and the page then holds no URL). */
void nnmd_plot_svg_write(FILE *f, const struct nnmd_plot *p, const struct nnmd_plot_series *s, int ns);

#endif
