#!/usr/bin/env python3
"""n2p2's equilibrated liquid-water cell (models/H2O_RPBE-D3/reference/h2o_192.data, Bohr)
converted to Angstrom and replicated k x k x k, written as extxyz (species, pos).
Usage: python3 h2o192_extxyz.py MODEL_DIR OUT.extxyz [k=1]
Used by the GPU/field tests and the water benchmarks (one definition of the structure)."""
import sys

B = 1.8897261328  # bohr per Angstrom
model, out = sys.argv[1], sys.argv[2]
k = int(sys.argv[3]) if len(sys.argv) > 3 else 1
L = open(model + '/reference/h2o_192.data').read().split('\n')
lat = [[x / B for x in map(float, l.split()[1:4])] for l in L if l.startswith('lattice')]
at = [l.split() for l in L if l.startswith('atom')]
with open(out, 'w') as f:
    f.write(f"{k ** 3 * len(at)}\n")
    f.write('Lattice="%s" Properties=species:S:1:pos:R:3 pbc="T T T"\n' % ' '.join('%.10f' % (k * x) for v in lat for x in v))
    for i in range(k):
        for j in range(k):
            for l in range(k):
                for a in at:
                    r = [float(a[1 + q]) / B + i * lat[0][q] + j * lat[1][q] + l * lat[2][q] for q in range(3)]
                    f.write("%s %.10f %.10f %.10f\n" % (a[4], *r))
