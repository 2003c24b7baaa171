"""The explorer page in a real headless browser (the system's Chromium, driven by
Playwright): what the page shows, set through its own controls, is what ``convarith size``
prints and what the scenes say, for a grid of configurations valid, at the edge and invalid;
an exported table loaded through its file control is the table Python writes, with the
fields Python's tracer and recurrences give, and a file that is not one gets the command
line's one error line.

No browser is a failure, never a skip: the page is only checked where it runs.
"""

from __future__ import annotations

import io
import random
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from table_files import RESIDUAL, broken_files, cli_line, exported  # noqa: E402

from convarith.cli import main
from convarith.explore import build_page
from convarith.explore.operations import RANGES

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
MODELS = ("lenet5", "alexnet")
KINDS = ("conv", "conv_transpose", "max_pool", "avg_pool")

# Sets the page's controls as a user does, only those that change, and returns what the page
# then shows. A keyboard user (config.drag false) makes a slider fire input and change; a
# user dragging it fires input only. Selects and checkboxes fire change. The page answers in
# text at once and draws the grids in its next frame: config.draw waits for that frame.
SET_CONTROLS = """async (config) => {
  const fire = (node, type) => node.dispatchEvent(new Event(type, {bubbles: true}));
  const set = (id, value, slider) => {
    const node = document.getElementById(id);
    if (node.type === "checkbox") { if (node.checked !== value) { node.checked = value; fire(node, "change"); } }
    else if (node.value !== String(value)) {
      node.value = String(value);
      if (slider) fire(node, "input");
      if (!slider || !config.drag) fire(node, "change");
    }
  };
  set("ctl-link", false, false);
  set("ctl-kind", config.kind, false);
  if (config.kind === "conv") set("ctl-mode", config.mode, false);
  if (config.kind === "max_pool" || config.kind === "avg_pool") set("ctl-ceil", !!config.ceil, false);
  for (const [name, pair] of Object.entries(config.axes)) {
    for (let x = 0; x < 2; x++) {
      const node = document.getElementById(`ctl-${name}-${x}`);
      if (!node.disabled && !node.closest("tr").hidden) set(node.id, pair[x], true);
    }
  }
  if (config.draw) await new Promise((done) => requestAnimationFrame(() => done()));
  return {output: document.getElementById("cli-output").textContent,
          command: document.getElementById("command").textContent,
          hash: location.hash};
}"""

# The same for a list of configurations in one call (one round trip to the browser).
SET_MANY = f"""async (configs) => {{
  const one = {SET_CONTROLS};
  const shown = [];
  for (const config of configs) shown.push(await one(config));
  return shown;
}}"""
LIT = """() => [...document.querySelectorAll('#input-grid rect.lit')]
           .map((r) => [Number(r.dataset.r), Number(r.dataset.c)])"""
CENTRE = """([r, c]) => { const box = document.querySelector(
  `#output-grid rect[data-r='${r}'][data-c='${c}']`).getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2]; }"""
KINDS_SHOWN = """() => { const out = {};
  for (const r of document.querySelectorAll('#input-grid rect.cell'))
    out[`${r.dataset.r},${r.dataset.c}`] = r.dataset.kind;
  return out; }"""


# --------------------------------------------------------------------------- the grid


def hover(page, cell) -> None:
    """Move the real mouse onto an output cell (after scrolling the grid into view)."""
    page.locator("#output-grid").scroll_into_view_if_needed()
    x, y = page.evaluate(CENTRE, list(cell))
    page.mouse.move(0, 0)  # from outside, so the cell sees the pointer arrive
    page.mouse.move(x, y)


def _config(kind: str, i, k, s, pl, pr, d, a=(0, 0), *, mode: str = "n", ceil: int = 0,
            drag: bool = False):
    return {"kind": kind, "mode": mode, "ceil": ceil, "drag": drag, "draw": True,
            "axes": {"input": list(i), "kernel": list(k), "stride": list(s), "pl": list(pl),
                     "pr": list(pr if kind == "conv" else pl), "dilation": list(d),
                     "output_padding": list(a)}}


def grid() -> list[dict]:
    """Hand-picked edges and invalid configurations, then a seeded sample of the ranges."""
    edges = [
        _config("conv", (5, 5), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1)),
        _config("conv", (5, 6), (5, 5), (1, 1), (0, 0), (0, 0), (1, 1)),  # kernel = input
        _config("conv", (5, 5), (5, 5), (1, 1), (0, 0), (0, 0), (2, 1)),  # too big dilated
        _config("conv", (1, 1), (3, 3), (1, 1), (1, 1), (1, 1), (1, 1)),  # fits by padding
        _config("conv", (1, 1), (3, 3), (1, 1), (0, 1), (1, 0), (1, 1)),  # one short
        _config("conv", (7, 7), (3, 3), (2, 2), (0, 0), (0, 0), (1, 1), mode="same"),
        _config("conv", (7, 8), (4, 3), (1, 1), (0, 0), (0, 0), (2, 3), mode="same"),
        _config("conv", (7, 8), (4, 3), (1, 2), (0, 0), (0, 0), (1, 1), mode="valid"),
        _config("conv", (4, 9), (5, 2), (3, 1), (0, 0), (0, 0), (3, 1), mode="full"),
        _config("conv", (16, 16), (3, 3), (2, 2), (0, 3), (3, 0), (1, 1)),  # lost input
        _config("conv_transpose", (3, 3), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), (0, 1)),
        _config("conv_transpose", (3, 3), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), (2, 1)),
        _config("conv_transpose", (1, 2), (1, 1), (1, 1), (1, 0), (1, 0), (1, 1)),  # o < 1
        _config("conv_transpose", (4, 4), (3, 3), (1, 1), (0, 0), (0, 0), (3, 2), (2, 1)),
        _config("max_pool", (5, 5), (2, 2), (2, 2), (1, 1), (1, 1), (1, 1), ceil=1),  # drop
        _config("max_pool", (8, 8), (2, 2), (2, 2), (2, 1), (2, 1), (1, 1)),  # p > k/2
        _config("max_pool", (7, 5), (3, 3), (2, 3), (1, 1), (1, 1), (3, 2), ceil=1),
        _config("avg_pool", (6, 6), (3, 3), (2, 2), (1, 1), (1, 1), (1, 2)),  # AvgPool: no d
        _config("avg_pool", (6, 7), (3, 2), (2, 1), (1, 1), (1, 1), (1, 1), ceil=1),
        _config("avg_pool", (1, 1), (2, 2), (1, 1), (1, 1), (1, 1), (1, 1)),
    ]
    rng = random.Random(15)

    def pick(name: str, spread: bool = True) -> tuple[int, int]:
        low, high = RANGES[name]
        first = rng.randint(low, high)
        return (first, rng.randint(low, high) if spread and rng.random() < 0.4 else first)

    sampled = []
    for n in range(180):
        kind = KINDS[n % 4]
        mode = rng.choice(["n", "n", "n", "valid", "same", "full"]) if kind == "conv" else "n"
        sampled.append(_config(kind, pick("input"), pick("kernel"), pick("stride"),
                               pick("padding"), pick("padding"), pick("dilation"),
                               pick("output_padding"), mode=mode, ceil=rng.randint(0, 1)))
    return edges + sampled


def command_args(config: dict) -> list[str]:
    """The ``convarith size`` arguments of a configuration, written independently of the page."""
    axes = config["axes"]

    def spell(pair):
        return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"

    kind = config["kind"]
    head = {"conv": ["conv"], "conv_transpose": ["transposed"],
            "max_pool": ["pool", "--pool", "max"], "avg_pool": ["pool", "--pool", "avg"]}[kind]
    pl, pr = axes["pl"], axes["pr"]
    if kind == "conv" and config["mode"] != "n":
        padding = config["mode"]
    elif pl == pr:
        padding = spell(pl)
    else:
        padding = f"{pl[0]}:{pr[0]}x{pl[1]}:{pr[1]}"
    args = ["size", *head, "--input", "x".join(map(str, axes["input"])),
            "--kernel", spell(axes["kernel"]), "--stride", spell(axes["stride"]),
            "--padding", padding, "--dilation", spell(axes["dilation"])]
    if kind == "conv_transpose":
        args += ["--output-padding", spell(axes["output_padding"])]
    if kind in ("max_pool", "avg_pool") and config["ceil"]:
        args.append("--ceil-mode")
    return args + ["--explain"]


def cli_text(args: list[str]) -> tuple[str, bool]:
    """What ``convarith size`` prints (stdout, or its one error line) and whether it failed."""
    result = CliRunner().invoke(main, args)
    if result.exit_code == 0:
        return result.stdout.rstrip("\n"), False
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result.stderr.rstrip("\n"), True


def scene_of(config: dict):
    """The 2-D scene of :mod:`convarith.figures.animation` for a configuration (None: it has none)."""
    from convarith.errors import ConvArithError
    from convarith.figures import animation as scene

    axes, kind = config["axes"], config["kind"]
    common = {"kernel_size": tuple(axes["kernel"]), "stride": tuple(axes["stride"]),
              "dilation": tuple(axes["dilation"])}
    try:
        if kind == "conv":
            padding = config["mode"] if config["mode"] != "n" else tuple(zip(axes["pl"], axes["pr"]))
            return scene.conv_scene(tuple(axes["input"]), padding=padding, **common)
        if kind == "conv_transpose":
            return scene.transposed_scene(tuple(axes["input"]), padding=tuple(axes["pl"]),
                                          output_padding=tuple(axes["output_padding"]), **common)
        return scene.pool_scene(tuple(axes["input"]), padding=tuple(axes["pl"]),
                                ceil_mode=bool(config["ceil"]), kind=kind.split("_")[0],
                                **common)
    except ConvArithError:
        return None


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the explorer's browser tests need it "
                    "(apt-get install chromium; .ci/run does).")
    from playwright.sync_api import sync_playwright

    path = tmp_path_factory.mktemp("explore") / "explorer.html"
    embedded = ("embedded.json", exported("lenet5-modern"))  # as --table embeds it
    path.write_text(build_page(MODELS, tables=[embedded]), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: problems.append(f"request: {r.url}")
                if not r.url.startswith(("file:", "data:", "blob:")) else None)
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        yield page, problems, path, browser
        browser.close()


def test_page_shows_what_the_command_line_prints_for_the_grid(browser_page):
    page, problems, _, _ = browser_page
    configs = grid()
    for n, config in enumerate(configs):
        config["drag"] = n % 4 == 0  # the others as a keyboard user sets them
        config["draw"] = n % 10 == 0  # the text is there at once; every tenth waits for the grid
    failed = valid = 0
    mismatches = []
    for config, shown in zip(configs, page.evaluate(SET_MANY, configs)):
        args = command_args(config)
        expected, error = cli_text(args)
        failed += error
        valid += not error
        if shown["command"] != shlex.join(["convarith", *args]):
            mismatches.append(("command", config, shown["command"]))
        if shown["output"] != expected:
            mismatches.append(("output", shown["command"], shown["output"], expected))
    assert not mismatches, mismatches[:3]
    assert len(configs) >= 200 and failed >= 60 and valid >= 80, (failed, valid)
    assert not problems, problems


def test_hovered_output_cell_lights_the_cells_the_scene_reads(browser_page):
    page, problems, _, _ = browser_page
    checked = 0
    for config in grid()[::6]:
        scene = scene_of(config)
        if scene is None:
            continue
        page.evaluate(SET_CONTROLS, config)
        kinds = page.evaluate(KINDS_SHOWN)
        assert kinds == {f"{r},{c}": kind for r, row in enumerate(scene.input.kinds)
                         for c, kind in enumerate(row)}, config
        for frame in (scene.frames[len(scene.frames) // 2], scene.frames[-1]):
            r, c = frame.output_cell
            hover(page, (r, c))
            assert sorted(map(tuple, page.evaluate(LIT))) == sorted(set(frame.taps)), (config, r, c)
            checked += 1
    assert checked >= 30
    assert not problems, problems


def test_keyboard_steps_through_the_frames(browser_page):
    page, problems, _, _ = browser_page
    config = _config("conv", (5, 6), (3, 2), (2, 1), (1, 0), (1, 2), (1, 2))
    page.evaluate(SET_CONTROLS, config)
    scene = scene_of(config)
    hover(page, (0, 0))
    page.focus("#output-grid")
    for frame in scene.frames[1:4]:
        page.keyboard.press("ArrowRight")
        assert sorted(map(tuple, page.evaluate(LIT))) == sorted(set(frame.taps))
    page.keyboard.press("ArrowDown")
    below = next(f for f in scene.frames if f.output_cell == (1, 3))
    assert sorted(map(tuple, page.evaluate(LIT))) == sorted(set(below.taps))
    page.click("#step")
    after = next(f for f in scene.frames if f.output_cell == (1, 4))
    assert sorted(map(tuple, page.evaluate(LIT))) == sorted(set(after.taps))
    page.click("#output-grid rect[data-r='2'][data-c='1']")  # a tap on a touch screen
    tapped = next(f for f in scene.frames if f.output_cell == (2, 1))
    assert sorted(map(tuple, page.evaluate(LIT))) == sorted(set(tapped.taps))
    page.mouse.move(0, 0)
    page.click("#play")  # plays in raster order until paused
    page.wait_for_function("() => document.querySelector('#output-grid rect.sel')"
                           ".dataset.c === '3'", timeout=5000)
    page.click("#play")
    assert page.get_attribute("#play", "aria-label") == "play"
    assert not problems, problems


def test_a_link_reproduces_the_view(browser_page):
    page, problems, _, browser = browser_page
    config = _config("max_pool", (9, 7), (3, 2), (2, 2), (1, 1), (1, 1), (2, 1), ceil=1,
                     drag=True)
    shown = page.evaluate(SET_CONTROLS, config)
    hover(page, (1, 2))
    page.wait_for_function("() => location.hash.includes('cell=1x2')")
    url = page.evaluate("() => location.href")
    assert "kind=max_pool" in url and "cell=1x2" in url
    other = browser.new_page()
    other.goto(url)
    other.wait_for_selector("body[data-ready='1']")
    assert other.text_content("#cli-output") == shown["output"]
    assert other.text_content("#command") == shown["command"]
    assert other.evaluate(LIT) == page.evaluate(LIT)
    other.close()
    assert not problems, problems


def test_network_row_draws_the_receptive_field_of_its_units(browser_page):
    from convarith import table

    page, problems, _, _ = browser_page
    page.click("#view-net")
    assert page.is_hidden("#op") and page.is_visible("#net-table")
    page.select_option("#ctl-model", label="alexnet")
    rows = table("alexnet").rows
    conv2 = next(n for n, row in enumerate(rows) if row.name == "conv2")
    page.click(f"#net-table tbody tr[data-row='{conv2}']")
    field = page.locator("#rf-grid rect.field")
    fields = rows[conv2].fields
    centre = [(size - 1) // 2 for size in rows[conv2].output_shape[1:]]
    assert field.get_attribute("data-rows") == ":".join(map(str, fields[0].pixels(centre[0])))
    assert field.get_attribute("data-cols") == ":".join(map(str, fields[1].pixels(centre[1])))
    assert page.text_content("#net-table tbody tr[aria-selected='true'] td:nth-child(2)") == "conv2"
    page.keyboard.press("ArrowDown")  # to the next row with a receptive field: pool2
    assert page.text_content("#net-table tbody tr[aria-selected='true'] td:nth-child(2)") == "pool2"
    page.fill("#ctl-unit-0", "0")
    pool2 = rows[conv2 + 1] if rows[conv2 + 1].name == "pool2" else None
    assert pool2 is not None
    assert field.get_attribute("data-rows") == ":".join(map(str, pool2.fields[0].pixels(0)))
    page.wait_for_function("() => location.hash.includes('view=net')")
    page.click("#view-op")
    assert page.is_visible("#op") and page.is_hidden("#net")
    assert not problems, problems


def test_both_themes_render_a_picture(browser_page):
    from PIL import Image

    page, problems, _, _ = browser_page
    page.evaluate(SET_CONTROLS, _config("conv", (7, 7), (3, 3), (2, 2), (1, 1), (1, 1), (1, 1)))
    for theme in ("light", "dark"):
        if page.get_attribute("html", "data-theme") != theme:
            page.click("#theme")
        assert page.get_attribute("html", "data-theme") == theme
        picture = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        colours = picture.getcolors(maxcolors=1 << 20)
        background = max(colours)[1]
        drawn = sum(n for n, colour in colours if colour != background)
        assert len(colours) > 20 and drawn > 0.05 * picture.width * picture.height, theme
    assert not problems, problems


# --------------------------------------------------------------------------- exported tables

SHOWN_TABLE = """() => {
  const texts = (cells) => [...cells].map((c) => c.textContent);
  const table = document.getElementById("net-table");
  return {headers: texts(table.tHead.rows[0].cells),
          rows: [...table.tBodies[0].rows].map((r) => texts(r.cells)),
          totals: table.tFoot ? texts(table.tFoot.rows[0].cells) : null,
          caption: document.getElementById("net-caption").textContent,
          notes: texts(document.querySelectorAll("#net-notes li")),
          model: document.getElementById("ctl-model").selectedOptions[0].textContent};
}"""
FIELD = """() => { const f = document.querySelector("#rf-grid rect.field");
  return [f.dataset.rows, f.dataset.cols]; }"""


def load_file(page, name: str, content: bytes) -> str:
    """Choose a file with the page's file control; returns the line the page answers."""
    page.set_input_files("#ctl-table", files=[{"name": name, "mimeType": "application/json",
                                                "buffer": content}])
    page.wait_for_function("(name) => document.getElementById('load-note').textContent"
                           ".includes(name)", arg=name)
    return page.text_content("#load-note")


def check_view(page, shown_table, pick) -> int:
    """The page's network view is ``shown_table`` (Python's, with exact counts as the JSON
    has them); selecting rows and units draws the pixels Python's fields give."""
    import dataclasses

    headers, cells, totals = dataclasses.replace(shown_table, exact=True).grid()
    shown = page.evaluate(SHOWN_TABLE)
    assert (shown["headers"], shown["rows"], shown["totals"]) == (headers, cells, totals)
    assert shown["caption"] == shown_table.caption()
    assert shown["notes"] == list(shown_table.footnotes)
    checked = 0
    for n in pick:
        row = shown_table.rows[n]
        page.click(f"#net-table tbody tr[data-row='{n}']")
        assert page.get_attribute(f"#net-table tbody tr[data-row='{n}']", "aria-selected") == "true"
        sizes = row.output_shape[1:]
        for unit in [(0, sizes[1] - 1), (sizes[0] // 2, 0), (sizes[0] - 1, sizes[1] // 3)]:
            for x in (0, 1):
                page.fill(f"#ctl-unit-{x}", str(unit[x]))
            expected = [":".join(map(str, row.fields[x].pixels(unit[x]) if row.fields[x]
                                      else (unit[x], unit[x]))) for x in (0, 1)]
            assert page.evaluate(FIELD) == expected, (row.name, unit)
            checked += 1
    return checked


def test_a_loaded_table_is_shown_as_exported_and_draws_its_own_fields(browser_page):
    import json

    from convarith import table

    page, problems, _, _ = browser_page
    page.click("#view-net")
    page.focus("#ctl-table")  # a keyboard user reaches the file control
    assert page.evaluate("() => document.activeElement.id") == "ctl-table"
    checked = 0
    vgg = table("vgg16")
    note = load_file(page, "vgg16.json", vgg.to_json().encode())
    assert note.startswith("Loaded vgg16.json.")
    assert page.evaluate(SHOWN_TABLE)["model"] == "vgg16 (vgg16.json)"
    page.wait_for_function("() => location.hash.includes('model=file%3Avgg16.json')")
    picks = [n for n, row in enumerate(vgg.rows) if row.name in ("conv1_1", "pool3", "conv5_3")]
    checked += check_view(page, vgg, picks)

    residual = table(f"{RESIDUAL}:Residual", (1, 16, 16))
    data = exported(f"{RESIDUAL}:Residual", "--input", "1x16x16")
    load_file(page, "residual.json", json.dumps(data).encode())
    names = [row.name for row in residual.rows]
    checked += check_view(page, residual, [names.index(n) for n in ("conv2", "pad", "add", "pool")])
    # a row without a field (flatten) is not offered; the keyboard moves between the others
    assert page.get_attribute(f"#net-table tbody tr[data-row='{names.index('flatten')}']",
                              "tabindex") is None
    page.focus(f"#net-table tbody tr[data-row='{names.index('add')}']")
    page.keyboard.press("ArrowDown")
    assert page.text_content("#net-table tbody tr[aria-selected='true'] td:nth-child(2)") == "pool"

    # after a transposed convolution a field repeats with a period: no rule in the JSON
    # draws it, so those rows are not offered (their RF and jump are shown)
    unet_file = str(Path(RESIDUAL).with_name("models_zoo.py")) + ":UNetSkip"
    unet = table(unet_file, (1, 16, 16))
    load_file(page, "unet.json", unet.to_json().encode())
    names = [row.name for row in unet.rows]
    checked += check_view(page, unet, [names.index("down")])
    for name in ("up", "dec", "smooth"):
        assert page.get_attribute(f"#net-table tbody tr[data-row='{names.index(name)}']",
                                  "tabindex") is None, name

    # the table embedded with --table is the same view, from the same reader
    page.select_option("#ctl-model", label="lenet5-modern (embedded.json)")
    checked += check_view(page, table("lenet5-modern"), [3])
    assert checked == 27
    assert not problems, problems


def exact_cells(shown_table):
    """A table's cells with counts exact, as the JSON holds them."""
    import dataclasses

    return dataclasses.replace(shown_table, exact=True).grid()[1]


def test_a_dropped_file_is_loaded_as_a_chosen_one(browser_page):
    from convarith import table

    page, problems, _, _ = browser_page
    page.click("#view-net")
    lenet = table("lenet5")
    transfer = page.evaluate_handle("""(text) => { const transfer = new DataTransfer();
        transfer.items.add(new File([text], "dropped.json", {type: "application/json"}));
        return transfer; }""", lenet.to_json())
    page.dispatch_event("#net", "drop", {"dataTransfer": transfer})
    page.wait_for_function("() => document.getElementById('load-note').textContent"
                           ".startsWith('Loaded dropped.json')")
    assert page.evaluate(SHOWN_TABLE)["rows"] == exact_cells(lenet)
    assert not problems, problems


def test_a_file_that_is_not_a_table_gets_the_command_lines_one_line(browser_page):
    page, problems, _, _ = browser_page
    page.click("#view-net")
    before = page.evaluate(SHOWN_TABLE)
    for name, (content, message) in broken_files().items():
        assert load_file(page, name, content) == cli_line(message), name
        assert "error" in page.get_attribute("#load-note", "class")
        assert page.evaluate(SHOWN_TABLE) == before  # the view it showed stays
    assert not problems, problems


def test_a_link_to_a_loaded_table_names_the_file_it_cannot_carry(browser_page):
    """The URL records the network shown: an embedded one by its place in the list, a
    loaded file by its name; a link naming a file this page has not loaded says so and
    shows the first network (the same reading of the URL as opening the link afresh)."""
    from convarith import table

    page, problems, _, _ = browser_page
    page.click("#view-net")
    load_file(page, "again.json", table("lenet5").to_json().encode())
    page.wait_for_function("() => location.hash.includes('model=file%3Aagain.json')")
    loaded = page.input_value("#ctl-model")
    page.select_option("#ctl-model", index=1)
    page.wait_for_function("() => location.hash.includes('model=1&')")
    page.evaluate("() => { location.hash = location.hash.replace('model=1&', 'model=file%3Aagain.json&'); }")
    page.wait_for_function(f"() => document.getElementById('ctl-model').value === '{loaded}'")
    page.evaluate("() => { location.hash = location.hash.replace(/model=[^&]*/, 'model=file%3Ashared.json'); }")
    page.wait_for_function("() => document.getElementById('load-note').textContent"
                           ".startsWith('This link showed shared.json')")
    assert page.text_content("#load-note") == (
        "This link showed shared.json, a table loaded from a file; a link cannot carry the "
        "file. Load it again here, or embed it in the page: convarith explore --table "
        "shared.json -o page.html")
    assert page.input_value("#ctl-model") == "0" and page.is_visible("#net-table")
    assert not problems, problems
