"""nnmd from Python: libnnmd.so (nnmd's C library) through ctypes, an ASE calculator and
nnmd's extxyz conventions.

    import nnmd
    atoms.calc = nnmd.Calculator(model="Cu2S_PBE", length_unit="angstrom", energy_unit="eV")

nnmd.NNP is the plain (ASE-free) interface; nnmd.read / nnmd.write read and write extxyz with
nnmd's velocity column (A/ps) as ASE momenta. See docs/python.md of the nnmd repository.
"""
from ._lib import NNMDError, NNP, atomic_number, library_path, library_version

__version__ = "0.1.0"
__all__ = ["Calculator", "NNP", "NNMDError", "atomic_number", "library_path", "library_version", "read", "write"]


def __getattr__(name):  # ASE is imported only when the ASE parts are used
    if name == "Calculator":
        from .calculator import Calculator
        return Calculator
    if name in ("read", "write"):
        from . import extxyz
        return getattr(extxyz, name)
    if name in ("extxyz", "calculator"):
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module 'nnmd' has no attribute '%s'" % name)
