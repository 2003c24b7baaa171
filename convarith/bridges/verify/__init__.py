"""The verification bench: hypothesis strategies and checkers shared by the tests and the CLI.

* :mod:`~convarith.verify.cases`: a layer configuration (:class:`LayerCase`) and its shape by
  the formula core;
* :mod:`~convarith.verify.strategies`: hypothesis strategies for valid, boundary and invalid
  configurations of every layer kind;
* :mod:`~convarith.verify.reference`: torch, the judge (real modules, functional calls);
* :mod:`~convarith.verify.checks`: shape (formula == torch == scratch) and value/gradient checks;
* :mod:`~convarith.verify.receptive`: the receptive field measured by backpropagation;
* :mod:`~convarith.verify.identities`: the transposed-convolution identities of arXiv:1603.07285;
* :mod:`~convarith.verify.homework`: a student's own layer (functions or a class, five
  conventions) against torch: the capability card, then a search in the supported space;
* :mod:`~convarith.verify.features`, :mod:`~convarith.verify.conventions` and
  :mod:`~convarith.verify.layer_classes`: what it probes and how it calls;
* :mod:`~convarith.verify.registry`: the tables of the house it reads, keyed by layer kind;
* :mod:`~convarith.verify.bench`: everything run with the fixed "quick"/"thorough" profiles.

Importing this package does not import torch; the checkers import it when they run.
"""

from typing import Any

from convarith.bridges.verify.unsupported import Unsupported

__all__ = ["Unsupported", "check"]


def __getattr__(name: str) -> Any:
    if name == "check":  # imported on use: torch and hypothesis load only then
        from convarith.bridges.verify.homework import check

        return check
    raise AttributeError(f"module 'convarith.verify' has no attribute {name!r}")
