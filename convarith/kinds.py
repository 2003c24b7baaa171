"""Every layer kind convarith knows, listed once, and the tables keyed by their names.

A kind is what ``torch.nn.functional`` would call it, without the dimension: ``conv``,
``conv_transpose``, ``max_pool``, ... (``max_pool2d`` is the kind ``max_pool`` in two
dimensions). Each layer of the house keeps its own table keyed by these names -- the formula
layer's output-size functions, the specs, the scratch layers, verify's strategies, the
scenes -- and fills it with a decorator (the habit of ``torch.utils.flop_counter``'s
``register_flop_formula``)::

    SPECS = kinds.table("spec", covers=lambda kind: not kind.functional_only)

    @SPECS.register("max_pool")
    class MaxPool(...): ...

``tests/test_kinds.py`` imports every module of convarith, then walks :func:`tables` and
names each kind a table misses; a table declared later, anywhere, is checked the same way.

This module is pure Python and imports nothing of convarith but the errors, so every layer
(the formula layer included) may read it.

>>> get("max_pool").family, get("max_pool").layer_names
('pool', ('max_pool1d', 'max_pool2d', 'max_pool3d'))
>>> [kind.name for kind in of_family("pool", sized=True)]
['max_pool', 'avg_pool', 'lp_pool']
>>> get("conv").formula(224, kernel_size=11, stride=4, padding=2)
55
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from convarith.errors import ConvArithError

T = TypeVar("T")


@dataclass(frozen=True)
class Option:
    """An argument only some pooling kinds take (LPPool's ``norm_type``): torch's name, the
    letter formulas and titles write it with, the value a figure uses when none is given, and
    what it means (the command line's help). Its value is a positive number, ``inf`` allowed."""

    name: str
    symbol: str
    default: float
    help: str


@dataclass(frozen=True)
class Window:
    """What one window of a pooling kind reads and writes: the scene draws every pooling kind
    from this, naming none.

    ``padding``: the value a padding cell reads as (average pooling: 0, counted in the mean,
    torch's ``count_include_pad``); ``None``: the window reads no padding (max pooling pads
    with -inf, which never wins; a kind that lacks padding has none). Cells a ceil-mode window
    hangs over beyond the padded input are never read. ``write(values, kernel, options)``: the
    value written from the values read (``kernel``: the window's cells, more than the values
    when ceil mode cuts it) and the positions among the values that hold it (a maximum's);
    ``show(terms, kernel, options)``: the same as a formula of the printed values.
    """

    write: Callable[[Sequence[float], int, Mapping[str, float]], tuple[float, tuple[int, ...]]]
    show: Callable[[Sequence[str], int, Mapping[str, float]], str]
    padding: float | None = None
    options: tuple[Option, ...] = ()


def _largest(values: Sequence[float]) -> tuple[float, tuple[int, ...]]:
    top = max(values, default=-math.inf)
    return top, tuple(n for n, v in enumerate(values) if v == top)


def _power(x: float, p: float) -> float:
    """``x ** p`` as torch's ``pow`` gives it: NaN for a negative base and a fractional power."""
    try:
        return math.pow(x, p)
    except ValueError:
        return math.nan


def _power_mean(values: Sequence[float], kernel: int, options: Mapping[str, float]
                ) -> tuple[float, tuple[int, ...]]:
    """torch's LPPool: ``(K/n * sum x^p)^(1/p)``, the average of ``x^p`` over the ``n`` cells
    read times the window's ``K`` (``lp_pool2d`` runs ``avg_pool2d`` on ``x^p`` and multiplies
    by ``kw*kh``: a ceil-mode window cut to ``n < K`` cells is scaled up), and ``p = inf`` the
    maximum of ``|x|`` (``max_pool2d`` of ``input.abs()``). Checked against torch 2.13.

    >>> _power_mean([3, 4], 2, {"norm_type": 2})
    (5.0, ())
    >>> _power_mean([3, -4], 4, {"norm_type": 1}), _power_mean([3, -4], 2, {"norm_type": math.inf})
    ((-2.0, ()), (4, (1,)))
    """
    p = options["norm_type"]
    if math.isinf(p):
        return _largest([abs(v) for v in values])
    total = math.fsum(_power(v, p) for v in values) * kernel / len(values)
    return _power(total, 1 / p), ()


def _power_terms(terms: Sequence[str], kernel: int, options: Mapping[str, float]) -> str:
    """``(3² + 4²)^(1/2)``; a window cut to n of K cells: ``(4/2 · (3² + 4²))^(1/2)``."""
    p = options["norm_type"]
    if math.isinf(p):
        return f"max({', '.join(f'|{t}|' for t in terms)})"
    shown = f"{p:g}"
    power = {1.0: "", 2.0: "²", 3.0: "³"}.get(p, f"^{shown}")
    inner = " + ".join((f"({t})" if t.startswith("−") and power else t) + power for t in terms)
    if len(terms) < kernel:
        inner = f"{kernel}/{len(terms)} · ({inner})"
    return inner if p == 1 else f"({inner})^(1/{shown})"


MAX_WINDOW = Window(lambda values, kernel, options: _largest(values),
                    lambda terms, kernel, options: f"max({', '.join(terms)})")
MEAN_WINDOW = Window(lambda values, kernel, options: (sum(values) / len(values), ()),
                     lambda terms, kernel, options: f"({' + '.join(terms)}) / {len(terms)}",
                     padding=0)
POWER_MEAN_WINDOW = Window(_power_mean, _power_terms, options=(
    Option("norm_type", "p", 2.0, "the power p: a window writes (K/n * sum x^p)^(1/p) over the "
           "n of its K cells inside the input; 1 sums, inf takes the maximum of |x|"),))


@dataclass(frozen=True)
class Kind:
    """One layer kind.

    ``family`` groups kinds that share a formula (``pool``: max, average and power-average
    pooling); ``dims`` are the spatial dimensions torch offers it in (``()``: it has none,
    it acts on features or element by element); ``sized``: it has an output-size formula with
    a geometry (kernel, stride, ...); ``scratch``: convarith implements it in numpy and
    ``convarith verify`` checks it value by value against torch; ``functional_only``: a
    function (``unfold``, a loss), not a layer of a network spec.

    The rest is data the layers read instead of naming kinds: ``noun``, how errors and help
    call it ("average pooling"; empty: its family's name); ``torch_name``, the ``torch.nn``
    class stem errors name ("AvgPool"); ``lacks``, the geometry arguments torch's layer does
    not have (the normaliser refuses any value but the neutral one, the strategies draw none);
    ``unpadded_3d``: torch's 3-D kernel wants the unpadded input to hold the kernel (AvgPool3d,
    and what runs it); ``animated``: ``convarith animate`` has a scene for it; ``window``: what
    a pooling window reads and writes (:class:`Window`), all the scene needs of a pooling kind.
    """

    name: str
    family: str
    dims: tuple[int, ...] = ()
    sized: bool = False
    scratch: bool = False
    functional_only: bool = False
    functional: tuple[str, ...] = ()  # torch.nn.functional names, when not name + "Nd"
    noun: str = ""
    torch_name: str = ""
    lacks: tuple[str, ...] = ()
    unpadded_3d: bool = False
    animated: bool = False
    window: Window | None = None

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Its ``torch.nn.functional`` names: ``max_pool1d``, ..., or just ``relu``."""
        if self.functional:
            return self.functional
        if not self.dims:
            return (self.name,)
        return tuple(f"{self.name}{n}d" for n in self.dims)

    @property
    def short(self) -> str:
        """The name within its family: ``max`` for ``max_pool`` (``pool_output_size(kind=)``)."""
        return self.name.removesuffix(f"_{self.family}")

    @property
    def formula(self) -> Callable[..., Any]:
        """Its output-size function (from the formula layer's ``output_size`` table)."""
        return tables()["output_size"][self.name]

    @property
    def explanation(self) -> Callable[..., Any]:
        """Its worked-derivation function (from the formula layer's ``explain`` table)."""
        return tables()["explain"][self.name]

    @property
    def title(self) -> str:
        """How tables and error messages call it: ``max-pool``, ``transposed conv``, ``dense``
        (:data:`TITLES`; otherwise its name with spaces).

        >>> get("max_pool").title, get("batch_norm").title
        ('max-pool', 'batch norm')
        """
        return TITLES.get(self.name, self.name.replace("_", " "))


_ALL_DIMS = (1, 2, 3)

#: Every kind, in the order lists of choices show them.
KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("conv", "conv", _ALL_DIMS, sized=True, scratch=True, animated=True),
    Kind("conv_transpose", "transposed", _ALL_DIMS, sized=True, scratch=True, animated=True),
    Kind("max_pool", "pool", _ALL_DIMS, sized=True, scratch=True, torch_name="MaxPool",
         animated=True, window=MAX_WINDOW),
    Kind("avg_pool", "pool", _ALL_DIMS, sized=True, scratch=True, noun="average pooling",
         torch_name="AvgPool", lacks=("dilation",), unpadded_3d=True, animated=True,
         window=MEAN_WINDOW),
    # torch.nn.LPPool1d/2d/3d: (sum x^p)^(1/p) over each window; it runs avg_pool (so
    # AvgPool3d's input check), with neither padding nor dilation
    Kind("lp_pool", "pool", _ALL_DIMS, sized=True, scratch=True, noun="power-average pooling",
         torch_name="LPPool", lacks=("padding", "dilation"), unpadded_3d=True, animated=True,
         window=POWER_MEAN_WINDOW),
    Kind("adaptive_avg_pool", "adaptive", _ALL_DIMS, sized=True, scratch=True),
    Kind("global_avg_pool", "global"),
    Kind("unfold", "unfold", (2,), sized=True, scratch=True, functional_only=True,
         functional=("unfold",)),
    Kind("flatten", "reshape"),
    Kind("linear", "dense", scratch=True),
    Kind("relu", "activation", scratch=True),
    Kind("tanh", "activation", scratch=True),
    Kind("sigmoid", "activation"),
    Kind("scaled_tanh", "activation"),
    Kind("dropout", "dropout"),
    Kind("spatial_dropout", "dropout", _ALL_DIMS),
    Kind("batch_norm", "norm", _ALL_DIMS),
    Kind("local_response_norm", "norm"),
    # LeNet-5's own layers (LeCun et al. 1998, section II.B)
    Kind("partial_conv", "conv", (2,)),
    Kind("subsampling", "pool", (2,)),
    Kind("rbf_output", "dense"),
    Kind("cross_entropy", "loss", scratch=True, functional_only=True),
)}


#: The titles that are not the kind's name with spaces (the one place they are written).
TITLES: dict[str, str] = {
    "conv_transpose": "transposed conv",
    "max_pool": "max-pool",
    "avg_pool": "avg-pool",
    "lp_pool": "lp-pool",
    "adaptive_avg_pool": "adaptive avg-pool",
    "global_avg_pool": "global avg-pool",
    "linear": "dense",
    "local_response_norm": "LRN",
    "rbf_output": "RBF",
}


def get(name: str) -> Kind:
    """The kind called ``name``; an unknown name is one clear error listing the known ones.

    >>> get("lp_pool").dims
    (1, 2, 3)
    """
    try:
        return KINDS[name]
    except KeyError:
        raise ConvArithError(
            f"{name!r} is not a layer kind. Use one of {', '.join(KINDS)}."
        ) from None


def of_family(family: str, *, sized: bool | None = None) -> tuple[Kind, ...]:
    """The kinds of one family, in :data:`KINDS` order (optionally only the sized ones).

    The formula layer's pooling (``family="pool", sized=True``) is max, avg and lp; LeNet-5's
    subsampling is a pool too, but a spec, not a formula.
    """
    return tuple(k for k in KINDS.values()
                 if k.family == family and (sized is None or k.sized == sized))


def layer_names(predicate: Callable[[Kind], bool]) -> tuple[str, ...]:
    """The ``torch.nn.functional`` names of every kind ``predicate`` accepts.

    >>> layer_names(lambda kind: kind.family == "transposed")
    ('conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d')
    """
    return tuple(name for kind in KINDS.values() if predicate(kind) for name in kind.layer_names)


def split_layer_name(layer: str) -> tuple[Kind, int | None]:
    """``"max_pool2d"`` -> (the kind ``max_pool``, 2); ``"relu"`` -> (``relu``, None).

    >>> kind, n = split_layer_name("lp_pool1d")
    >>> kind.name, n
    ('lp_pool', 1)
    """
    for kind in KINDS.values():
        if layer in kind.layer_names:
            if kind.functional or not kind.dims:
                return kind, (kind.dims[0] if kind.dims else None)
            return kind, int(layer[len(kind.name)])
    raise ConvArithError(
        f"{layer!r} is not a layer name. Use one of {', '.join(layer_names(lambda k: True))}."
    )


# --------------------------------------------------------------------------- tables


class Table:
    """One layer's table keyed by kind name, filled by :meth:`register`.

    ``covers`` says which kinds the table must hold; the kinds test names the missing ones.
    """

    def __init__(self, name: str, covers: Callable[[Kind], bool], doc: str = "") -> None:
        self.name = name
        self.covers = covers
        self.doc = doc
        self.entries: dict[str, Any] = {}

    def register(self, *names: str, value: Any = None) -> Callable[[T], T]:
        """A decorator storing what it decorates under each kind name (checked)."""
        for name in names:
            get(name)

        def store(thing: T) -> T:
            for name in names:
                if name in self.entries:
                    raise ConvArithError(
                        f"The {self.name} table already has an entry for {name!r}. Register "
                        "each kind once."
                    )
                self.entries[name] = thing if value is None else value
            return thing

        return store

    def add(self, name: str, value: Any) -> None:
        """Store ``value`` under the kind ``name`` (for entries that are not decorated)."""
        self.register(name, value=value)(value)

    def __getitem__(self, name: str) -> Any:
        get(name)
        try:
            return self.entries[name]
        except KeyError:
            raise ConvArithError(
                f"The {self.name} table has no entry for the layer kind {name!r}. "
                f"It holds {', '.join(self.entries) or 'nothing yet'}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def get(self, name: str, default: Any = None) -> Any:
        return self.entries.get(name, default)

    def missing(self) -> list[str]:
        """The kinds this table should hold and does not."""
        return [k.name for k in KINDS.values() if self.covers(k) and k.name not in self.entries]

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {len(self.entries)} entries)"


_TABLES: dict[str, Table] = {}


def table(name: str, *, covers: Callable[[Kind], bool] = lambda kind: True,
          doc: str = "") -> Table:
    """Declare the table ``name`` (once, in the module that owns it) and return it."""
    if name in _TABLES:
        raise ConvArithError(f"A kinds table called {name!r} exists already. Pick another name.")
    _TABLES[name] = Table(name, covers, doc)
    return _TABLES[name]


def register(table_name: str, *names: str, value: Any = None) -> Callable[[T], T]:
    """``@kinds.register("spec", "max_pool")``: the decorator of an existing table."""
    if table_name not in _TABLES:
        raise ConvArithError(
            f"There is no kinds table called {table_name!r}. Declare it with "
            f"kinds.table({table_name!r}) in the module that owns it."
        )
    return _TABLES[table_name].register(*names, value=value)


def tables() -> dict[str, Table]:
    """Every table declared so far (a module's tables exist once it is imported)."""
    return dict(_TABLES)


# --------------------------------------------------------------------------- lent functions

#: Functions a higher layer lends the lower ones, by name, each as a loader that imports it on
#: first use. The specs' public ``Layer.to_torch`` calls the bridges' ``to_torch`` this way:
#: the composition root (``convarith/__init__.py``, outside the layers) lends it, so no module
#: below the bridges imports them, and ``import convarith`` loads no bridge until one is used.
_LOADERS: dict[str, Callable[[], Callable[..., Any]]] = {}
_LENT: dict[str, Callable[..., Any]] = {}


def lend(name: str, load: Callable[[], Callable[..., Any]]) -> None:
    """Lend the function ``name``: ``load()`` imports and returns it, on first use."""
    _LOADERS[name] = load
    _LENT.pop(name, None)


def lent(name: str) -> Callable[..., Any]:
    """The function lent as ``name`` (imported now if this is its first use).

    >>> lent("to_torch").__module__
    'convarith.bridges.torch'
    """
    if name not in _LENT:
        if name not in _LOADERS:
            raise ConvArithError(
                f"No function is lent as {name!r}. Lend it in convarith/__init__.py with "
                f"kinds.lend({name!r}, load)."
            )
        _LENT[name] = _LOADERS[name]()
    return _LENT[name]
