"""Layer 1, the formulas: pure Python and sympy (no torch, numpy, matplotlib, rich or click).

Normalising the arguments (:mod:`~convarith.formulas.normalise`), output sizes, solvers,
counts, receptive fields, worked derivations and the layer-stack notation.
"""
