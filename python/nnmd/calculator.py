"""nnmd.Calculator: an ASE calculator over libnnmd (the same numbers as ``nnmd predict``).

Properties: energy and free_energy (eV), forces (eV/A), stress (ASE: 6-vector in Voigt order
xx yy zz yz xz xy, eV/A^3, sign (1/V) dE/d(strain), i.e. -virial/V; only for structures
periodic in all three directions), energies (per atom, eV), born_charges ((n, 3, 3) in e,
[i, alpha, beta] = dF_(i,beta)/dE_alpha, acoustic sum rule applied; needs a Born-charge model);
results["extrapolation_warnings"] counts symmetry-function values outside the training range.
"""
import numpy as np
from ase.calculators.calculator import Calculator as _AseCalculator
from ase.calculators.calculator import all_changes

from ._lib import NNP


class Calculator(_AseCalculator):
    """ASE calculator for an n2p2-format HDNNP (+ optional nnmd Born-charge model).

    model: HDNNP folder (input.nn, scaling.data, weights.NNN.data); length_unit
    ("angstrom" | "bohr") and energy_unit ("eV" | "hartree"): the model's units, both None
    when the folder records them; born_charges: Born-charge model folder or None;
    charge_state: system charge (e) for a model with a charge-state input node.
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies", "born_charges"]

    def __init__(self, model, length_unit=None, energy_unit=None, born_charges=None, charge_state=None, **kwargs):
        super().__init__(**kwargs)
        self.nnp = NNP(model, length_unit=length_unit, energy_unit=energy_unit, born_charges=born_charges,
                       charge_state=charge_state)
        self.parameters.update(model=str(model), length_unit=length_unit, energy_unit=energy_unit,
                               born_charges=None if born_charges is None else str(born_charges),
                               charge_state=charge_state)

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        a = self.atoms
        cell = np.asarray(a.cell.array, dtype=float)
        r = self.nnp.compute(a.numbers, a.positions, cell if cell.any() else None, a.pbc)
        self.results = {
            "energy": r["energy"],
            "free_energy": r["energy"],
            "forces": r["forces"],
            "energies": r["energies"],
            "extrapolation_warnings": r["extrapolation_warnings"],
        }
        if r["stress"] is not None:
            s = r["stress"]
            self.results["stress"] = np.array([s[0, 0], s[1, 1], s[2, 2], 0.5 * (s[1, 2] + s[2, 1]),
                                               0.5 * (s[0, 2] + s[2, 0]), 0.5 * (s[0, 1] + s[1, 0])])
        if r["born_charges"] is not None:
            self.results["born_charges"] = r["born_charges"]
