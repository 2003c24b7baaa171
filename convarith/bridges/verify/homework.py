"""The homework bench: a capability card, then a search inside the supported space.

``check(my_conv2d, layer="conv2d")`` (or ``convarith verify --impl file.py:NAME``) first
probes each feature of the layer alone on the smallest case (:mod:`.features`), calling the
function in its own convention (:mod:`.conventions`): each feature is **supported** (agrees
with torch in float64), **unsupported** (the convention cannot say it, or the function
raises ``NotImplementedError`` / :class:`convarith.verify.Unsupported`), or **wrong** (it
accepts the case and returns a wrong shape or wrong values, or raises something else). Then
hypothesis draws cases that use only the supported features and shrinks a failure to the
smallest one. With a backward function (found beside the forward, or given), ``dx``,
``dw`` and ``db`` are checked against torch autograd the same way.

>>> from convarith.scratch.conv import conv2d
>>> report = check(conv2d, layer="conv2d", examples=10)
>>> report.ok, report.cell("groups").status
(True, 'supported')
"""

from __future__ import annotations

import html
import inspect
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convarith.bridges.loading import CALL_TIMEOUT, Loaded, call, describe_error, load, user_line
from convarith.bridges.verify.cases import LayerCase, has_empty_window
from convarith.bridges.verify.conventions import (
    BadReturn,
    Convention,
    Inexpressible,
    backward_name,
    detect,
    guess_layer,
)
from convarith.bridges.verify.features import (
    BY_NAME,
    HOMEWORK_LAYERS,
    feature_words,
    features,
    supported_cases,
    uses,
)
from convarith.bridges.verify.layer_classes import convention_class
from convarith.bridges.verify.unsupported import Unsupported
from convarith.choices import HOMEWORK_CONVENTIONS
from convarith.errors import ConvArithError

SUPPORTED, UNSUPPORTED, WRONG, UNCHECKED = "supported", "unsupported", "wrong", "not checked"
#: Tolerances by the dtype the user's function returns (float64 sums in another order than
#: torch's; float32 is what a torch-based homework returns by default).
TOLERANCE = {8: (1e-6, 1e-6), 4: (1e-4, 1e-4), 2: (1e-2, 1e-2)}
#: After this many calls that hang, the bench stops calling the function.
MAX_HANGS = 3


@dataclass
class Cell:
    """One verdict: a feature in one direction (forward or backward) on one case."""

    status: str
    reason: str = ""  # unsupported: why; wrong: what is wrong
    case: LayerCase | None = None
    call: str = ""
    raised: BaseException | None = None  # what the user's code raised, if it did
    note: str = ""  # the card's short reason (else ``reason``)


@dataclass
class Row:
    feature: str  # "basic" or a Feature name
    label: str
    forward: Cell
    backward: Cell | None = None


@dataclass
class Search:
    """The hypothesis search of one direction inside the supported space."""

    direction: str
    allowed: tuple[str, ...]
    cases: int = 0
    failure: Cell | None = None
    skipped: str = ""  # why no search ran


@dataclass
class HomeworkReport:
    """The capability card and the findings; ``str()`` is what the CLI prints."""

    target: str
    layer: str
    convention: str
    forward_name: str
    backward_name: str | None
    rows: list[Row] = field(default_factory=list)
    searches: list[Search] = field(default_factory=list)
    required: tuple[str, ...] = ()
    printed: str = ""
    seed: int = 0
    examples: int = 0
    backward_found: bool = False

    def cell(self, feature: str, direction: str = "forward") -> Cell:
        row = next(row for row in self.rows if row.feature == feature)
        cell = row.forward if direction == "forward" else row.backward
        assert cell is not None
        return cell

    def cells(self) -> list[tuple[Row, str, Cell]]:
        out = []
        for row in self.rows:
            out.append((row, "forward", row.forward))
            if row.backward is not None:
                out.append((row, "backward", row.backward))
        return out

    @property
    def wrong(self) -> list[tuple[Row, str, Cell]]:
        return [item for item in self.cells() if item[2].status == WRONG]

    @property
    def missing(self) -> list[str]:
        """Required features that are not supported (in either direction)."""
        return [row.label for row in self.rows if row.feature in self.required
                and any(c is not None and c.status != SUPPORTED
                        for c in (row.forward, row.backward))]

    @property
    def ok(self) -> bool:
        return not self.wrong and not self.missing and \
            not any(search.failure for search in self.searches)

    @property
    def unsupported(self) -> list[str]:
        return [row.label for row in self.rows
                if row.forward.status == UNSUPPORTED and row.feature != "basic"]

    # ----------------------------------------------------------------- rendering

    def lines(self) -> list[str]:
        head = f"convarith verify: {self.target} as {self.layer}, " \
               f"{convention_class(self.convention).title} convention"
        out = [head]
        if self.backward_name:
            how = " (found beside it)" if self.backward_found else ""
            out.append(f"backward: {self.backward_name}{how}")
        out += ["", "Capability card (each feature alone on the smallest case; torch float64 "
                    "is the judge)"]
        width = max(len(row.label) for row in self.rows) + 2
        header = f"  {'feature':<{width}}{'forward':<13}"
        if self.backward_name:
            header += f"{'backward':<13}"
        out.append(header.rstrip())
        for row in self.rows:
            line = f"  {row.label:<{width}}{row.forward.status:<13}"
            cells = [row.forward]
            if self.backward_name and row.backward is not None:
                line += f"{row.backward.status:<13}"
                cells.append(row.backward)
            reasons = []
            for cell in cells:
                note = cell.note or cell.reason
                if cell.status in (UNSUPPORTED, UNCHECKED) and note and note not in reasons:
                    reasons.append(note)
            out.append((line + "; ".join(reasons)).rstrip())
        out += ["", "Findings"]
        findings = self._findings()
        out += findings or ["  none: every supported feature agrees with torch"]
        for search in self.searches:
            out.append("")
            label = ", ".join(BY_NAME[name].label if name != "bias" else "bias"
                              for name in search.allowed) or "the basic case only"
            out.append(f"Search of the {search.direction} pass inside the supported space "
                       f"({label})")
            if search.skipped:
                out.append(f"  not run: {search.skipped}")
            elif search.failure is None:
                out.append(f"  {search.cases} cases, all agree with torch")
            else:
                cell = search.failure
                assert cell.case is not None
                used = uses(cell.case, self.layer)
                words = ", ".join(feature_words(BY_NAME[name], self._base()) for name in used)
                out.append(f"  smallest failing case after {search.cases} cases"
                           + (f" (it uses {words})" if words else " (the basic features)"))
                out += self._case_lines(cell)
                out.append(f"    reproduce: {self.reproduce()}")
        if self.printed.strip():
            lines = self.printed.rstrip("\n").splitlines()
            out += ["", f"Your code printed {len(lines)} line{'s' if len(lines) != 1 else ''} "
                        "(at import and while checked; shown apart):"]
            shown = _runs(lines)
            out += [f"  | {line}" for line in shown[:8]]
            if len(shown) > 8:
                out.append(f"  | ... {len(shown) - 8} more")
        out += ["", self.verdict()]
        return out

    def _base(self) -> LayerCase:
        row = self.rows[0]
        assert row.forward.case is not None
        return row.forward.case

    def _case_lines(self, cell: Cell) -> list[str]:
        assert cell.case is not None
        return [f"    case: {cell.case.describe()}", f"    call: {cell.call}",
                f"    {cell.reason}"]

    def _findings(self) -> list[str]:
        out: list[str] = []
        basic_wrong = {d for row, d, cell in self.wrong if row.feature == "basic"}
        for row, direction, cell in self.wrong:
            if row.feature != "basic" and direction in basic_wrong:
                continue
            if row.feature == "basic":
                out.append(f"  {direction} pass wrong on the basic case "
                           "(fix this first: the features build on it)")
            else:
                words = feature_words(BY_NAME[row.feature], self._base())
                out.append(f"  {row.label}, {direction} pass: this case uses {words}")
            out += self._case_lines(cell)
        for direction in sorted(basic_wrong):
            others = [row.label for row, d, cell in self.wrong
                      if d == direction and row.feature != "basic"]
            if others:
                out.append(f"  ({len(others)} more {direction} features are wrong, perhaps "
                           "for the same reason; see the card)")
        for label in self.missing:
            out.append(f"  required but not supported: {label}")
        return out

    def reproduce(self) -> str:
        return (f"convarith verify --impl {self.target} --layer {self.layer} --convention "
                f"{self.convention} --seed {self.seed} --examples {self.examples}")

    def verdict(self) -> str:
        wrong = len({row.feature for row, _, _ in self.wrong})
        searched = [s for s in self.searches if s.failure is not None]
        if self.ok:
            limits = self.unsupported
            return ("Result: ok, everything supported agrees with torch"
                    + (f" (unsupported: {', '.join(limits)})." if limits else "."))
        parts = []
        if wrong:
            parts.append(f"{wrong} feature{'s' if wrong != 1 else ''} wrong on the card")
        if searched:
            parts.append("the search found a failing case")
        if self.missing:
            parts.append(f"required but not supported: {', '.join(self.missing)}")
        return "Result: WRONG, " + "; ".join(parts) + "."

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"<HomeworkReport {self.target} as {self.layer}: {'ok' if self.ok else 'WRONG'}>"

    def _repr_html_(self) -> str:
        colour = {SUPPORTED: "#1a7f37", UNSUPPORTED: "#6e7781", WRONG: "#cf222e",
                  UNCHECKED: "#6e7781"}
        lines = self.lines()
        start = lines.index("Findings")
        head = "<br>".join(html.escape(line) for line in lines[:2] if line)
        cells = "".join(f"<th>{name}</th>" for name in
                        ("feature", "forward", *(("backward",) if self.backward_name else ()),
                         "note"))
        body = []
        for row in self.rows:
            tds = [f"<td>{html.escape(row.label)}</td>"]
            notes = []
            for cell in (row.forward, row.backward if self.backward_name else None):
                if cell is None:
                    continue
                tds.append(f'<td style="color:{colour[cell.status]}">{cell.status}</td>')
                note = cell.note or cell.reason
                if cell.status in (UNSUPPORTED, UNCHECKED) and note and note not in notes:
                    notes.append(note)
            tds.append(f"<td>{html.escape('; '.join(notes))}</td>")
            body.append(f"<tr>{''.join(tds)}</tr>")
        rest = html.escape("\n".join(lines[start:]))
        return (f"<div><p>{head}</p><table><tr>{cells}</tr>{''.join(body)}</table>"
                f"<pre>{rest}</pre></div>")


def _runs(lines: list[str]) -> list[str]:
    """Repeated lines once, with their count: ``conv called (x30)``."""
    out: list[str] = []
    count = 0
    for index, line in enumerate(lines):
        count += 1
        if index + 1 == len(lines) or lines[index + 1] != line:
            out.append(line + (f" (x{count})" if count > 1 else ""))
            count = 0
    return out


# --------------------------------------------------------------------------- judging one case


class _Bench:
    """The user's function(s) in a convention, called under a time bound."""

    def __init__(self, adapter: Convention, *, timeout: float, path: str | None) -> None:
        self.adapter = adapter
        self.timeout = timeout
        self.path = path
        self.hangs = 0
        self.printed: list[str] = []

    def _call(self, function: Callable[..., Any], args: tuple[Any, ...],
              kwargs: dict[str, Any], name: str) -> tuple[Any, Cell | None]:
        if self.hangs >= MAX_HANGS:
            return None, Cell(UNCHECKED, f"not called: your {name} hung {self.hangs} times")
        outcome = call(function, *args, timeout=self.timeout, **kwargs)
        if outcome.printed:
            self.printed.append(outcome.printed)
        if outcome.timed_out:
            self.hangs += 1
            return None, Cell(WRONG, f"your {name} did not return within {self.timeout:g} s "
                                     "(an endless loop?)")
        error = outcome.error
        if error is None:
            return outcome.value, None
        if isinstance(error, (NotImplementedError, Unsupported)):
            message = " ".join(str(error).split())
            reason = f"your {name} raises {type(error).__name__}" + (
                f": {message[:60]}" if message else "")
            return None, Cell(UNSUPPORTED, reason, raised=error,
                              note=reason.removeprefix(f"your {name} "))
        return None, Cell(WRONG, f"your {name} raised {describe_error(error, self.path)}",
                          raised=error)

    def judge(self, case: LayerCase, direction: str) -> Cell:
        """The verdict of one case in one direction."""
        adapter = self.adapter
        words = adapter.call_words(case, backward=direction == "backward")
        reason = adapter.limit(case)
        if reason is not None:
            return Cell(UNSUPPORTED, reason, case, words)
        if direction == "backward" and adapter.backward is None:
            return Cell(UNSUPPORTED, "no backward function", case, words)
        cell = self._judge(case, direction)
        cell.case, cell.call = case, cell.call or words
        return cell

    def _judge(self, case: LayerCase, direction: str) -> Cell:
        from convarith.bridges.verify.checks import case_arrays, torch_values

        adapter = self.adapter
        x, w, b = case_arrays(case)
        backward = direction == "backward" and not has_empty_window(case)
        want, dy, grads = torch_values(case, x, w, b, grad=backward)
        forward_name = getattr(adapter.forward, "__name__", "function")
        try:
            function, args, kwargs = adapter.forward_call(case, *_copies(x, w, b))
        except Inexpressible as reason:
            return Cell(UNSUPPORTED, str(reason))
        value, failed = self._call(function, args, kwargs, forward_name)
        if failed is not None:
            if direction == "backward" and failed.status == WRONG:
                failed.reason += " (in the forward pass run before the backward)"
            return failed
        try:
            out, state = adapter.read_forward(value, case)
        except BadReturn as problem:
            return Cell(WRONG, f"your {forward_name} returned what the convention does not "
                               f"allow: {problem}")
        if direction == "forward":
            return _compare("output", out, want, forward_name) or Cell(SUPPORTED)
        backward_name = getattr(adapter.backward, "__name__", "backward")
        try:
            function, args, kwargs = adapter.backward_call(case, dy.copy(), state, *_copies(
                x, w, b))
        except Inexpressible as reason:
            return Cell(UNSUPPORTED, str(reason))
        except BadReturn as problem:
            return Cell(WRONG, str(problem))
        value, failed = self._call(function, args, kwargs, backward_name)
        if failed is not None:
            return failed
        try:
            got = adapter.read_backward(value, case, state)
        except BadReturn as problem:
            return Cell(WRONG, f"your {backward_name} returned what the convention does not "
                               f"allow: {problem}")
        names = {"dx": 0, "dw": 1, "db": 2}
        for name, index in names.items():
            theirs = grads[index]
            if theirs is None or (name == "db" and not case.bias):
                continue
            if name not in got:
                continue
            mine = got[name]
            if mine is None:
                return Cell(WRONG, f"your {backward_name} returned None for {name}")
            found = _compare(name, mine, theirs, backward_name)
            if found is not None:
                return found
        return Cell(SUPPORTED)


def _copies(*arrays: Any) -> tuple[Any, ...]:
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in arrays)


def _compare(what: str, got: np.ndarray, want: Any, name: str) -> Cell | None:
    want = np.asarray(want)
    if got.shape != want.shape:
        return Cell(WRONG, f"your {name} returned {what} of shape {got.shape}; torch gives "
                           f"{want.shape}")
    rtol, atol = TOLERANCE.get(got.dtype.itemsize if got.dtype.kind == "f" else 8, (1e-6, 1e-6))
    close = np.isclose(got.astype(np.float64), want, rtol=rtol, atol=atol)
    if close.all():
        return None
    index = tuple(int(v) for v in np.argwhere(~close)[0])
    return Cell(WRONG, f"your {name} returned {what} of the right shape {got.shape}, but at "
                       f"{index} it is {got[index]:.6g} where torch gives {want[index]:.6g} "
                       f"({int((~close).sum())} of {close.size} values differ)")


# --------------------------------------------------------------------------- the card


def card(bench: _Bench, layer: str, directions: Sequence[str]) -> list[Row]:
    """Probe the basic case, then each feature alone (see the module doc)."""
    base = bench.adapter.base()
    rows = [Row("basic", "basic case", bench.judge(base, "forward"),
                bench.judge(base, "backward") if "backward" in directions else None)]
    status: dict[tuple[str, str], str] = {}
    pairs = bench.adapter.pair_features()
    for feature in features(layer):
        case = feature.probe(base)
        cells = []
        for direction in directions:
            blocked = [need for need in feature.needs
                       if status.get((need, direction)) == UNSUPPORTED]
            if blocked:
                cell = Cell(UNSUPPORTED, f"needs {BY_NAME[blocked[0]].label}", case)
            else:
                cell = _declined(bench.judge(case, direction), feature.name in pairs,
                                 bench.path)
            status[feature.name, direction] = cell.status
            cells.append(cell)
        label = feature.label if feature.name != "bias" else feature_words(feature, base)
        rows.append(Row(feature.name, label, cells[0], cells[1] if len(cells) > 1 else None))
    return rows


def _declined(cell: Cell, pair: bool, path: str | None) -> Cell:
    """A feature the code declines: ``assert groups == 1`` (AssertionError), or an ``(h, w)``
    pair where the code takes one int (TypeError, ValueError): unsupported, not wrong."""
    error = cell.raised
    if cell.status != WRONG or error is None:
        return cell
    place = user_line(error, path)
    where = f" at {place.split(': ')[0]}" if place else ""
    if isinstance(error, AssertionError):
        cell.status, cell.note = UNSUPPORTED, f"your code asserts it (AssertionError{where})"
    elif pair and isinstance(error, (TypeError, ValueError)):
        cell.status = UNSUPPORTED
        cell.note = f"takes one int, not an (h, w) pair ({type(error).__name__}{where})"
    return cell


def search(bench: _Bench, layer: str, direction: str, allowed: set[str], *,
           examples: int, seed: int) -> Search:
    """Hypothesis cases inside the supported space; the smallest failure, shrunk."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed

    base = bench.adapter.base()
    result = Search(direction, tuple(f.name for f in features(layer) if f.name in allowed))
    strategy = supported_cases(layer, allowed, base,
                               keep=lambda case: bench.adapter.limit(case) is None)
    found: list[Cell] = []

    class _Failed(AssertionError):
        pass

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              report_multiple_bugs=False, verbosity=Verbosity.quiet,
              suppress_health_check=list(HealthCheck),
              phases=(Phase.explicit, Phase.generate, Phase.shrink))
    @given(strategy)
    def run(case: LayerCase) -> None:
        result.cases += 1
        cell = bench.judge(case, direction)
        if cell.status == UNCHECKED:
            return
        if cell.status != SUPPORTED:
            found.append(cell)
            raise _Failed(cell.reason)

    from hypothesis.errors import Unsatisfiable

    try:
        run()
    except _Failed:
        result.failure = found[-1]
    except Unsatisfiable:  # the supported space is (nearly) empty beyond the card's cases
        result.skipped = "too few cases fit inside the supported space"
    return result


# --------------------------------------------------------------------------- entry points


def check(function: Any, layer: str | None = None, *, convention: str | None = None,
          backward: Any = None, require: Sequence[str] | str = (), examples: int = 100,
          seed: int = 0, timeout: float = CALL_TIMEOUT, target: str | None = None
          ) -> HomeworkReport:
    """Check a from-scratch layer against torch: the capability card, then the search.

    ``function`` is a function or a class, or a ``FILE.py:NAME`` / ``module:NAME`` string;
    ``layer`` one of conv2d, conv_transpose2d, max_pool2d, avg_pool2d (read from the name
    when left out); ``convention`` one of functional, cs231n, coursera, d2l, class (read from
    the signature when left out); ``backward`` the backward function or its name (found
    beside the forward when left out; ``False`` for none); ``require`` features the layer
    must support; ``timeout`` the seconds one call may take.
    """
    from convarith.bridges.verify.features import parse_required

    printed, path = "", None
    if isinstance(function, str):
        loaded = load(function, example="layers.py:conv_forward_naive")
        target, function, printed, path = function, loaded.value, loaded.printed, loaded.path
    if not callable(function):
        raise ConvArithError(f"Error checking {function!r}: it is a {type(function).__name__}, "
                             "not a function or a class.")
    name = getattr(function, "__name__", "function")
    target = target or name
    layer = _layer(layer, name, target)
    convention = convention or detect(function)
    if convention not in HOMEWORK_CONVENTIONS:
        raise ConvArithError(f"Error checking {target}: convention {convention!r} is not "
                             f"known. Use one of {', '.join(HOMEWORK_CONVENTIONS)}.")
    backward_function, found = _backward(backward, function, convention)
    adapter = convention_class(convention)(layer, function, backward_function)
    if backward is False:
        adapter.backward = None  # a class's own backward too
    required = parse_required(require if isinstance(require, str) else ",".join(require), layer)
    bench = _Bench(adapter, timeout=timeout, path=path or _source_file(function))
    backward_label = None
    if adapter.backward is not None:
        backward_label = f"{name}.backward" if convention == "class" else \
            getattr(adapter.backward, "__name__", "backward")
    report = HomeworkReport(target, layer, convention, name, backward_label, required=required,
                            seed=seed, examples=examples, backward_found=found)
    directions = ["forward"] + (["backward"] if adapter.backward is not None else [])
    with _one_torch_thread(), _no_storage_here():
        report.rows = card(bench, layer, directions)
        for direction in directions:
            report.searches.append(_search_direction(bench, report, direction, name,
                                                     examples=examples, seed=seed))
    report.printed = printed + "".join(bench.printed)
    return report


def _layer(layer: str | None, name: str, target: str) -> str:
    if layer is None:
        guessed = guess_layer(name)
        if len(guessed) != 1:
            raise ConvArithError(
                f"Error checking {target}: cannot tell which layer {name} implements. "
                f"Give the layer: one of {', '.join(HOMEWORK_LAYERS)}.")
        layer = guessed[0]
    if layer not in HOMEWORK_LAYERS:
        raise ConvArithError(f"Error checking {target}: layer {layer!r} cannot be checked. "
                             f"Use one of {', '.join(HOMEWORK_LAYERS)}.")
    return layer


def _backward(backward: Any, forward: Any, convention: str) -> tuple[Any, bool]:
    """``(the backward function or None, whether it was found beside the forward)``."""
    if backward is False:
        return None, False
    if isinstance(backward, str):
        return _load_backward(backward, forward), False
    if backward is not None:
        return backward, False
    found = _find_backward(forward, convention)
    return found, found is not None and convention != "class"


def _source_file(function: Any) -> str | None:
    try:
        return inspect.getsourcefile(function)
    except (TypeError, OSError):
        return None


def _search_direction(bench: _Bench, report: HomeworkReport, direction: str, name: str, *,
                      examples: int, seed: int) -> Search:
    """The search of one direction, inside what the card found supported."""
    def cell(row: Row) -> Cell | None:
        return row.forward if direction == "forward" else row.backward

    allowed = {row.feature for row in report.rows[1:]
               if (c := cell(row)) is not None and c.status == SUPPORTED}
    if direction == "backward":  # the backward runs on the forward's cache
        allowed &= {row.feature for row in report.rows if row.forward.status == SUPPORTED}
    basic = cell(report.rows[0])
    if bench.hangs >= MAX_HANGS:
        return Search(direction, tuple(sorted(allowed)),
                      skipped=f"your {name} hung {bench.hangs} times")
    if basic is None or basic.status != SUPPORTED:
        why = "wrong (see the findings)" if basic is not None and basic.status == WRONG \
            else "not supported"
        return Search(direction, tuple(sorted(allowed)), skipped=f"the basic case is {why}")
    return search(bench, report.layer, direction, allowed, examples=examples, seed=seed)


@contextmanager
def _one_torch_thread() -> Any:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: a second thread only adds wake-up latency
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@contextmanager
def _no_storage_here() -> Any:
    """Hypothesis keeps a ``.hypothesis/`` folder in the current folder (its database, and a
    cache of constants read from the code under test): point it at a temporary folder, so
    nothing is left in the student's folder."""
    import tempfile

    from hypothesis import configuration

    key = "__hypothesis_home_directory"
    before = getattr(configuration, key, None)
    with tempfile.TemporaryDirectory(prefix="convarith-hypothesis-") as folder:
        configuration.set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(before)


def _find_backward(function: Any, convention: str) -> Any:
    if convention == "class":
        return getattr(function, "backward", None)
    module = sys.modules.get(getattr(function, "__module__", "") or "")
    if module is None:
        return None
    for name in backward_name(function.__name__):
        candidate = getattr(module, name, None)
        if callable(candidate):
            return candidate
    return None


def _load_backward(target: str, forward: Any) -> Any:
    """``NAME`` (beside the forward) or a full ``FILE.py:NAME`` / ``module:NAME``."""
    if ":" in target:
        loaded: Loaded = load(target)
        return loaded.value
    module = sys.modules.get(getattr(forward, "__module__", "") or "")
    candidate = getattr(module, target, None) if module is not None else None
    if not callable(candidate):
        raise ConvArithError(f"Error loading the backward {target!r}: the forward's module "
                             f"has no function {target}. Check the name, or give "
                             "FILE.py:NAME.")
    return candidate
