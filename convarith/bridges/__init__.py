"""Layer 3, the bridges to torch and numpy: torch modules, the tracer, the from-scratch
numpy layers (:mod:`~convarith.bridges.scratch`) and the checks against torch
(:mod:`~convarith.bridges.verify`)."""
