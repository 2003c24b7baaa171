"""Layer 3, the bridges to torch and numpy: the spec <-> module table
(:mod:`~convarith.bridges.torch`) and the modules torch lacks
(:mod:`~convarith.bridges.torch_modules`); the tracer: one forward pass recorded operator by
operator (:mod:`~convarith.bridges.dataflow`), what each operator does
(:mod:`~convarith.bridges.operators`), the rows read from it
(:mod:`~convarith.bridges.rows`) and the entry points (:mod:`~convarith.bridges.trace`);
the from-scratch numpy layers (:mod:`~convarith.bridges.scratch`) and the checks against
torch (:mod:`~convarith.bridges.verify`)."""
