#!/usr/bin/env python3
"""chk_tool.py -- read, compare and deliberately corrupt nnmd checkpoints (test helper).

The layout is the one engine/checkpoint.c writes (format version 1 and 2): a 24-byte header
(magic "NNMDCHK\\0", u32 version, u32 endianness marker, u64 payload length), the payload,
and a u64 FNV-1a checksum of the payload. Integers are int64, reals IEEE doubles, native
(little-endian) byte order.

  chk_tool.py diff A B          max |dx|, |dv|, |d image|, |d field| between two checkpoints and
                                whether the integrator state and the cell are bitwise equal;
                                exit 0 only if the files are bitwise equal
  chk_tool.py set IN OUT FIELD VALUE [ATOM]
                                write a copy of IN with one value replaced and the checksum
                                recomputed, so that only the content validation can refuse it.
                                FIELD: step dt h0..h8 lo0..lo2 periodic0..2 nspecies natoms
                                mass0 id type x0..x2 v0..v2 image0..image2 (of ATOM, default 0)
                                field:NAME:COMP (of ATOM) integ:BYTEOFFSET:f64|i64 (in the
                                integrator's state blob)
  chk_tool.py dump A            a short summary (step, counts, offsets)
"""
import struct
import sys

HEAD = 24


def fnv1a(data):
    h = 1469598103934665603
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


class Chk:
    """Parses a checkpoint and records the byte offset (in the payload) of every value."""

    def __init__(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        self.raw = raw
        self.version = struct.unpack_from("<I", raw, 8)[0]
        plen = struct.unpack_from("<Q", raw, 16)[0]
        self.p = bytearray(raw[HEAD:HEAD + plen])
        self.off = {}
        o = 0

        def i64(name):
            nonlocal o
            self.off[name] = (o, "q")
            v = struct.unpack_from("<q", self.p, o)[0]
            o += 8
            return v

        def f64(name):
            nonlocal o
            self.off[name] = (o, "d")
            v = struct.unpack_from("<d", self.p, o)[0]
            o += 8
            return v

        def string():
            nonlocal o
            n = struct.unpack_from("<q", self.p, o)[0]
            o += 8
            s = bytes(self.p[o:o + n]).decode()
            o += n
            return s

        self.step = i64("step")
        f64("dt")
        i64("seed")
        self.h = [f64("h%d" % k) for k in range(9)]
        self.lo = [f64("lo%d" % k) for k in range(3)]
        self.periodic = [i64("periodic%d" % k) for k in range(3)]
        if self.version >= 2:
            self.grid = [i64("grid%d" % k) for k in range(3)]
        nsp = i64("nspecies")
        self.species = []
        for t in range(nsp):
            s = string()
            self.species.append((s, f64("mass%d" % t)))
        n = i64("natoms")
        self.n = n
        self.atoms = []
        self.atom_off = o
        for k in range(n):
            a = {"id": struct.unpack_from("<q", self.p, o)[0]}
            base = o
            a["x"] = struct.unpack_from("<3d", self.p, o + 16)
            a["v"] = struct.unpack_from("<3d", self.p, o + 40)
            a["image"] = struct.unpack_from("<3q", self.p, o + 64)
            a["off"] = base
            self.atoms.append(a)
            o += 88
        nf = i64("nfields")
        self.fields = {}
        for q in range(nf):
            name = string()
            nc = struct.unpack_from("<q", self.p, o)[0]
            o += 8
            self.fields[name] = (o, nc, [struct.unpack_from("<%dd" % nc, self.p, o + 8 * nc * k) for k in range(n)])
            o += 8 * nc * n
        self.integ = string()
        blen = i64("bloblen")
        self.blob_off = o
        self.blob = bytes(self.p[o:o + blen])

    def set(self, field, value, atom=0):
        if field.startswith("field:"):
            _, name, comp = field.split(":")
            o, nc, _ = self.fields[name]
            struct.pack_into("<d", self.p, o + 8 * (nc * atom + int(comp)), float(value))
        elif field.startswith("integ:"):
            _, off, kind = field.split(":")
            fmt = "<d" if kind == "f64" else "<q"
            struct.pack_into(fmt, self.p, self.blob_off + int(off), float(value) if kind == "f64" else int(value))
        elif field in ("id", "type") or field[:-1] in ("x", "v", "image"):
            base = self.atoms[atom]["off"]
            rel = {"id": (0, "q"), "type": (8, "q")}
            for d in range(3):
                rel["x%d" % d] = (16 + 8 * d, "d")
                rel["v%d" % d] = (40 + 8 * d, "d")
                rel["image%d" % d] = (64 + 8 * d, "q")
            r, fmt = rel[field]
            struct.pack_into("<" + fmt, self.p, base + r, float(value) if fmt == "d" else int(value))
        else:
            o, fmt = self.off[field]
            struct.pack_into("<" + fmt, self.p, o, float(value) if fmt == "d" else int(value))

    def write(self, path):
        head = bytearray(self.raw[:HEAD])
        struct.pack_into("<Q", head, 16, len(self.p))
        with open(path, "wb") as f:
            f.write(head + self.p + struct.pack("<Q", fnv1a(self.p)))


def diff(a, b):
    if a.n != b.n:
        print("atom counts differ: %d vs %d" % (a.n, b.n))
        return 1

    def unwrapped(c, at):
        return [at["x"][r] + sum(c.h[3 * r + k] * at["image"][k] for k in range(3)) for r in range(3)]

    dx = dv = 0.0
    for p, q in zip(a.atoms, b.atoms):
        dx = max(dx, max(abs(u - w) for u, w in zip(unwrapped(a, p), unwrapped(b, q))))
        dv = max(dv, max(abs(u - w) for u, w in zip(p["v"], q["v"])))
    out = "max|dx| %.3g A (x + h n) max|dv| %.3g A/ps" % (dx, dv)
    for name, (_, _, vals) in a.fields.items():
        if name in b.fields:
            d = 0.0
            for u, w in zip(vals, b.fields[name][2]):
                d = max(d, max(abs(s - t) for s, t in zip(u, w)))
            out += " max|d %s| %.3g" % (name, d)
    dh = max(abs(u - w) for u, w in zip(a.h, b.h))
    same = a.raw == b.raw
    print("step %d/%d %s max|dh| %.3g A; integrator state %s; files %s" %
          (a.step, b.step, out, dh, "equal" if a.blob == b.blob else "DIFFERENT",
           "bitwise EQUAL" if same else "different"))
    return 0 if same else 1


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    if argv[1] == "diff":
        return diff(Chk(argv[2]), Chk(argv[3]))
    if argv[1] == "set":
        c = Chk(argv[2])
        c.set(argv[4], argv[5], int(argv[6]) if len(argv) > 6 else 0)
        c.write(argv[3])
        return 0
    if argv[1] == "dump":
        c = Chk(argv[2])
        print("version %d step %d atoms %d species %s fields %s integrator %s (state %d bytes)" %
              (c.version, c.step, c.n, c.species, {k: v[1] for k, v in c.fields.items()}, c.integ, len(c.blob)))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
