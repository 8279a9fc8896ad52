#!/usr/bin/env python3
"""Make a liquid-water starting structure for inputs/water-nnp.toml: n^3 water molecules on a
cubic grid at 1.0 g/cm^3 with random orientations (O-H 0.9572 A, H-O-H 104.52 deg), written
as extxyz. Usage: python3 make_water.py [n=8] [seed=1] > water.extxyz"""
import math, random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
nmol = n ** 3
L = (nmol * 18.01528 / 0.602214076) ** (1.0 / 3.0)  # A, density 1 g/cm^3
a = L / n
roh, ang = 0.9572, math.radians(104.52)

def rand_rotation():
    # uniform random rotation from a random unit quaternion
    u1, u2, u3 = random.random(), random.random(), random.random()
    q = (math.sqrt(1 - u1) * math.sin(2 * math.pi * u2), math.sqrt(1 - u1) * math.cos(2 * math.pi * u2),
         math.sqrt(u1) * math.sin(2 * math.pi * u3), math.sqrt(u1) * math.cos(2 * math.pi * u3))
    x, y, z, w = q
    return [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]

local = [(0.0, 0.0, 0.0), (roh, 0.0, 0.0), (roh * math.cos(ang), roh * math.sin(ang), 0.0)]
atoms = []
for i in range(n):
    for j in range(n):
        for k in range(n):
            R = rand_rotation()
            c = ((i + 0.5) * a, (j + 0.5) * a, (k + 0.5) * a)
            for el, p in zip("OHH", local):
                r = [c[m] + sum(R[m][q] * p[q] for q in range(3)) for m in range(3)]
                atoms.append((el, r))
print(len(atoms))
print('Lattice="%.10f 0 0 0 %.10f 0 0 0 %.10f" Properties=species:S:1:pos:R:3 pbc="T T T"' % (L, L, L))
for el, r in atoms:
    print("%s %.10f %.10f %.10f" % (el, r[0], r[1], r[2]))
