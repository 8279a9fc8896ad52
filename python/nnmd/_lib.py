"""Loading libnnmd.so and calling its C API (api/nnmd.h) through ctypes.

Where the library is looked for, in this order:
  1. the environment variable NNMD_LIBRARY (the path of libnnmd.so; nothing else is tried
     when it is set);
  2. libnnmd.so in this package's folder (copied there before ``pip install``);
  3. build/libnnmd.so of the source checkout this package sits in (python/ beside build/),
     i.e. when the package is used from the checkout (PYTHONPATH or ``pip install -e``);
  4. the system's library search path (``cmake --install`` into a prefix that ld.so knows).

Units are nnmd's (LAMMPS "metal"): A, eV, eV/A, eV/A^3, e.
"""
import ctypes
import ctypes.util
import os
import threading

import numpy as np

API_VERSION = 1

_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_int_p = ctypes.POINTER(ctypes.c_int)


class NNMDError(RuntimeError):
    """An error reported by libnnmd: .status is the C status code, str() its message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Result(ctypes.Structure):
    _fields_ = [
        ("energy", ctypes.c_double),
        ("virial", ctypes.c_double * 9),
        ("stress", ctypes.c_double * 9),
        ("volume", ctypes.c_double),
        ("extrapolation_warnings", ctypes.c_int64),
        ("has_born_charges", ctypes.c_int),
    ]


def _candidates():
    env = os.environ.get("NNMD_LIBRARY")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, "libnnmd.so")]
    out.append(os.path.join(os.path.dirname(os.path.dirname(here)), "build", "libnnmd.so"))
    found = ctypes.util.find_library("nnmd")
    out.append(found or "libnnmd.so")
    return out


_lock = threading.Lock()
_lib = None


def library_path():
    """The path (or name) of the libnnmd.so that is loaded."""
    return _load()._nnmd_path


def _load():
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        for path in _candidates():
            if os.sep in path and not os.path.exists(path):
                errors.append("%s: no such file" % path)
                continue
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                errors.append("%s: %s" % (path, e))
                continue
            lib._nnmd_path = path
            _declare(lib)
            v = lib.nnmd_api_version()
            if v < API_VERSION:
                raise ImportError("%s has API version %d, this package needs %d" % (path, v, API_VERSION))
            _lib = lib
            return lib
        raise ImportError(
            "libnnmd.so not found; build it (cmake --build build --target nnmd_shared) and set "
            "NNMD_LIBRARY to its path. Tried:\n  " + "\n  ".join(errors))


def _declare(lib):
    lib.nnmd_api_version.restype = ctypes.c_int
    lib.nnmd_api_version.argtypes = []
    lib.nnmd_library_version.restype = ctypes.c_char_p
    lib.nnmd_library_version.argtypes = []
    lib.nnmd_atomic_number.restype = ctypes.c_int
    lib.nnmd_atomic_number.argtypes = [ctypes.c_char_p]
    lib.nnmd_status_string.restype = ctypes.c_char_p
    lib.nnmd_status_string.argtypes = [ctypes.c_int]
    lib.nnmd_calculator_create.restype = ctypes.c_int
    lib.nnmd_calculator_create.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                           _c_double_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
                                           ctypes.c_size_t]
    lib.nnmd_calculator_destroy.restype = None
    lib.nnmd_calculator_destroy.argtypes = [ctypes.c_void_p]
    lib.nnmd_calculator_has_born_charges.restype = ctypes.c_int
    lib.nnmd_calculator_has_born_charges.argtypes = [ctypes.c_void_p]
    lib.nnmd_calculator_compute.restype = ctypes.c_int
    lib.nnmd_calculator_compute.argtypes = [ctypes.c_void_p, ctypes.c_int64, _c_int_p, _c_double_p, _c_double_p,
                                            _c_int_p, ctypes.POINTER(_Result), _c_double_p, _c_double_p,
                                            _c_double_p, ctypes.c_char_p, ctypes.c_size_t]


def library_version():
    """nnmd's version string of the loaded library."""
    return _load().nnmd_library_version().decode()


def atomic_number(symbol):
    """Atomic number of an element symbol (0 if it is not an element)."""
    return _load().nnmd_atomic_number(symbol.encode())


def _enc(s):
    return None if s is None else os.fsencode(s)


def _ptr(a, ctype):
    return a.ctypes.data_as(ctypes.POINTER(ctype)) if a is not None else None


class NNP:
    """An HDNNP (n2p2 model folder) with an optional Born-charge model, evaluated by libnnmd.

    model: folder with input.nn, scaling.data, weights.NNN.data.
    length_unit ("angstrom" | "bohr") and energy_unit ("eV" | "hartree"): the model's units;
    leave both None for a model folder that records them (written by ``nnmd train``).
    born_charges: folder of a Born-effective-charge model (bec.nn, ...) or None.
    charge_state: system charge (e) for a model with a charge-state input node.

    One NNP must not be used by two threads at once; separate NNPs may (the C calls release
    the GIL).
    """

    def __init__(self, model, length_unit=None, energy_unit=None, born_charges=None, charge_state=None):
        lib = _load()
        self._lib = lib
        self._h = None
        msg = ctypes.create_string_buffer(4096)
        h = ctypes.c_void_p()
        q = ctypes.byref(ctypes.c_double(charge_state)) if charge_state is not None else None
        st = lib.nnmd_calculator_create(_enc(model), _enc(length_unit), _enc(energy_unit), _enc(born_charges), q,
                                        ctypes.byref(h), msg, len(msg))
        if st != 0:
            raise NNMDError(st, msg.value.decode(errors="replace"))
        self._h = h
        self.model = str(model)
        self.has_born_charges = bool(lib.nnmd_calculator_has_born_charges(h))
        self._msg = msg

    def close(self):
        if self._h is not None:
            self._lib.nnmd_calculator_destroy(self._h)
            self._h = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def compute(self, numbers, positions, cell=None, pbc=(False, False, False), born_charges=None):
        """Energy (eV), forces (n,3 eV/A), virial (3,3 eV), stress (3,3 eV/A^3, ASE sign; None
        unless periodic in all three directions), energies (n, eV), born_charges ((n,3,3) e,
        [i, alpha, beta] with alpha = field direction; None without a Born-charge model) and
        extrapolation_warnings, as a dict. cell: lattice vectors as rows (A) or None;
        born_charges: None = when the calculator has a Born-charge model."""
        if self._h is None:
            raise ValueError("the calculator is closed")
        z = np.ascontiguousarray(numbers, dtype=np.intc).reshape(-1)
        n = z.shape[0]
        x = np.ascontiguousarray(positions, dtype=np.float64).reshape(n, 3)
        c = None
        if cell is not None:
            c = np.ascontiguousarray(cell, dtype=np.float64).reshape(3, 3)
        p = np.ascontiguousarray([1 if b else 0 for b in np.broadcast_to(pbc, (3,))], dtype=np.intc)
        want_bec = self.has_born_charges if born_charges is None else bool(born_charges)
        f = np.empty((n, 3))
        e = np.empty(n)
        zb = np.empty((n, 3, 3)) if want_bec else None
        res = _Result()
        st = self._lib.nnmd_calculator_compute(self._h, n, _ptr(z, ctypes.c_int), _ptr(x, ctypes.c_double),
                                               _ptr(c, ctypes.c_double), _ptr(p, ctypes.c_int), ctypes.byref(res),
                                               _ptr(f, ctypes.c_double), _ptr(e, ctypes.c_double),
                                               _ptr(zb, ctypes.c_double), self._msg, len(self._msg))
        if st != 0:
            raise NNMDError(st, self._msg.value.decode(errors="replace"))
        stress = np.array(res.stress[:]).reshape(3, 3)
        return {
            "energy": res.energy,
            "forces": f,
            "virial": np.array(res.virial[:]).reshape(3, 3),
            "stress": None if np.isnan(stress).any() else stress,
            "volume": res.volume,
            "energies": e,
            "born_charges": zb,
            "extrapolation_warnings": int(res.extrapolation_warnings),
        }
