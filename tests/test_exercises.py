"""``convarith exercises``: sheets and keys written apart and atomically, worked solutions
that are the formula commands' own text, grading that names the mistake, one-line errors,
and LaTeX that a real engine compiles."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from convarith.cli import main
from convarith.exercises import generate, grade, report, to_dict
from convarith.exercises.answers import INVALID

ALL = ["--topic", "size", "--topic", "params", "--topic", "rf", "--topic", "padding",
       "--topic", "validity", "--topic", "table"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def parts(topics, level, seeds=range(4), count=4):
    for seed in seeds:
        for problem in generate(topics, count=count, seed=seed, level=level).problems:
            yield from problem.parts


@pytest.mark.parametrize("level", [1, 2, 3])
def test_size_solution_is_the_text_of_size_explain(level):
    for part in parts(["size", "validity", "table"], level):
        if part.config["kind"] not in ("conv", "pool", "transposed"):
            continue
        result = run(*shlex.split(part.command)[1:])
        if part.answer == INVALID:
            assert result.exit_code == 2
            message = part.solution.removeprefix("PyTorch rejects this configuration. ")
            assert result.output == f"Error: {message.removeprefix('Error ')}\n"
        else:
            assert result.exit_code == 0, result.output
            first, _, derivation = result.output.partition("\n")
            assert first == f"{part.answer if isinstance(part.answer, int) else part.answer[0]}" \
                            f"x{part.answer if isinstance(part.answer, int) else part.answer[1]}"
            assert part.solution.startswith(derivation.rstrip("\n"))


def test_rf_solution_is_the_steps_of_rf_explain():
    for part in parts(["rf"], 3):
        result = run(*shlex.split(part.command)[1:])
        assert result.exit_code == 0
        assert part.solution in result.output
        last_row = result.output.splitlines()[len(part.config["layers"])]
        assert last_row.split()[-4] == str(part.answer)  # the r column of the last layer


def test_params_and_padding_commands_print_the_answer_first():
    for part in parts(["params", "padding"], 1, seeds=range(3)):
        output = run(*shlex.split(part.command)[1:]).output
        assert output.splitlines()[0] == str(part.answer)
    for part in parts(["padding"], 3, seeds=range(3)):
        total, left, right = run(*shlex.split(part.command)[1:]).output.split()[:3]
        assert (int(left), int(right)) == part.answer


def test_same_seed_prints_the_same_sheet_and_another_seed_another():
    first = run("exercises", *ALL, "--count", "6", "--seed", "5", "--level", "2").output
    assert run("exercises", *ALL, "--count", "6", "--seed", "5", "--level", "2").output == first
    assert run("exercises", *ALL, "--count", "6", "--seed", "6", "--level", "2").output != first


def test_sheet_and_key_are_written_apart(tmp_path):
    sheet = tmp_path / "sheet.md"
    result = run("exercises", *ALL, "--count", "6", "--seed", "2", "--level", "3",
                 "-o", str(sheet))
    assert result.exit_code == 0, result.output
    assert result.output == (f"wrote {sheet} (6 questions) and {tmp_path / 'sheet.key.md'} "
                             "(answer key)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.key.md", "sheet.md"]
    text, key = sheet.read_text(), (tmp_path / "sheet.key.md").read_text()
    assert "**Answer" not in text and "mistake" not in text
    assert key.count("**Answer: ") >= 6
    assert "Wrong answers and the mistakes behind them:" in key


def test_key_format_follows_its_suffix_and_json_sheet_holds_no_answers(tmp_path):
    result = run("exercises", *ALL, "--count", "6", "--seed", "3", "-o",
                 str(tmp_path / "sheet.tex"), "--key", str(tmp_path / "key.json"))
    assert result.exit_code == 0, result.output
    key = json.loads((tmp_path / "key.json").read_text())
    assert key["schema"] == "convarith.exercises/1" and key["kind"] == "key"
    assert [p["number"] for p in key["problems"]] == [1, 2, 3, 4, 5, 6]
    assert (tmp_path / "sheet.tex").read_text().startswith(r"\documentclass")
    run("exercises", *ALL, "--count", "6", "--seed", "3", "-o", str(tmp_path / "sheet.json"))
    sheet = json.loads((tmp_path / "sheet.json").read_text())
    assert sheet["kind"] == "sheet"
    assert not any({"answer", "parts"} & set(problem) for problem in sheet["problems"])


def test_a_write_that_fails_is_one_error_line_and_leaves_no_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("exercises", "-o", str(blocker / "sheet.md"))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: writing the exercise sheet to {blocker / 'sheet.md'}")
    assert len(result.output.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_check_grades_right_wrong_with_the_mistake_and_missing(tmp_path):
    key_file = tmp_path / "key.json"
    run("exercises", "--topic", "rf", "--count", "3", "--seed", "1", "--level", "3",
        "--key", str(key_file))
    key = json.loads(key_file.read_text())
    first, second, third = (p["parts"][0] for p in key["problems"])
    mistake = second["mistakes"][0]
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"1": first["answer"], "2": mistake["answer"]}))
    result = run("exercises", "--check", str(answers), "--key", str(key_file))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"1. right: {first['answer']}"
    assert lines[1] == (f"2. wrong: {mistake['answer']} (the answer is {second['shown']}); "
                        f"mistake: {mistake['says']}")
    assert lines[2] == f"   {second['solution'].splitlines()[0]}"
    assert f"3. no answer; the answer is {third['shown']}" in lines
    assert lines[-1] == "score: 1 of 3 right"
    assert mistake["name"] == "own_stride_shortcut"  # the mistake level 3 is built around


def test_an_answer_no_mistake_explains_is_wrong_without_a_name():
    key = to_dict(generate(["params"], count=1, seed=4, level=3), key=True)
    (result,) = grade(key, {"1": "1"})
    assert (result.verdict, result.mistake) == ("wrong", None)
    expected = key["problems"][0]["parts"][0]["shown"]
    assert report([result]).startswith(
        f"1. wrong: 1 (the answer is {expected}); no known mistake gives it: check each step "
        "below\n")


def test_an_unreadable_answer_is_wrong_and_says_why():
    key = to_dict(generate(["padding"], count=1, seed=4, level=3), key=True)
    (result,) = grade(key, {"1": "two on top"})
    assert result.verdict == "wrong"
    assert report([result]).splitlines()[0].endswith(
        "could not read it: 'two on top' is not a number, a shape or 'invalid'. Write e.g. "
        "760, 32x32x10, 1:2 or invalid.")


def test_table_blanks_are_graded_one_by_one():
    key = to_dict(generate(["table"], count=1, seed=8, level=3), key=True)
    (problem,) = key["problems"]
    labels = [part["label"] for part in problem["parts"]]
    answers = {"1": {labels[0]: problem["parts"][0]["answer"]},
               f"1{labels[1]}": problem["parts"][1]["mistakes"][0]["answer"]}
    results = grade(key, answers)
    assert [r.verdict for r in results][:2] == ["right", "wrong"]
    assert results[1].mistake == problem["parts"][1]["mistakes"][0]["says"]
    assert all(r.verdict == "missing" for r in results[2:])


def test_students_spellings_of_a_shape_are_one_answer():
    key = to_dict(generate(["size"], count=1, seed=7, level=1), key=True)
    h, w, c = key["problems"][0]["answer"]
    for spelling in (f"{h}x{w}x{c}", f"{h} × {w} × {c}", [h, w, c], f"({h}, {w}, {c})"):
        assert grade(key, {"1": spelling})[0].verdict == "right"


@pytest.mark.parametrize("args, message", [
    (["--check", "answers.json"], "Error: --check needs the answer key to grade against. Add "
     "--key key.json (written by 'convarith exercises ... --key')."),
    (["--check", "answers.json", "--key", "sheet.json"], "Error: reading the key sheet.json: "
     "it is the problem sheet, not its answer key. Give the key file ('convarith exercises ... "
     "--key key.json' writes it)."),
    (["--check", "broken.json", "--key", "key.json"], "Error: reading the answers broken.json: "
     "not JSON (Expecting ',' delimiter at line 1, column 9). Write it as JSON, e.g. "
     "{\"1\": \"32x32x10\", \"2\": 760}."),
    (["--check", "answers.json", "--key", "missing.json"], "Error: reading the key "
     "missing.json: No such file or directory. Give a readable JSON file."),
    (["--check", "answers.json", "--key", "key.md"], "Error: reading the key key.md: not JSON "
     "(Expecting value at line 1, column 1). Give the JSON key ('convarith exercises ... --key "
     "key.json' writes it)."),
    (["-o", "s.md", "--key", "./s.md"], "Error: -o s.md and --key ./s.md are the same file: "
     "the key would replace the sheet. Give the key another name, e.g. key.json."),
    (["-o", "sheet.txt"], "Error: writing exercises to sheet.txt: the suffix '.txt' names no "
     "format. Use .md, .tex or .json, or give --format (markdown, latex, json)."),
])
def test_bad_input_is_one_error_line_with_status_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("exercises", "--count", "1", "-o", "sheet.json", "--key", "key.json")
    (tmp_path / "answers.json").write_text('{"1": 3}')
    (tmp_path / "broken.json").write_text('{"1": 3 "2": 4}')
    (tmp_path / "key.md").write_text("# Convolution arithmetic: answer key\n")
    result = run("exercises", *args)
    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_latex_sheet_and_key_compile_with_pdflatex(tmp_path):
    engine = shutil.which("pdflatex")
    assert engine, "pdflatex is missing: apt-get install texlive-latex-base (.ci/run does)"
    result = run("exercises", *ALL, "--count", "12", "--seed", "9", "--level", "3",
                 "-o", str(tmp_path / "sheet.tex"))
    assert result.exit_code == 0, result.output
    sheet = (tmp_path / "sheet.tex").read_text()
    assert sheet.count(r"\item ") == 12 and sheet.count(r"\answerbox" + "\n") == 12
    assert sheet.count(r"\fbox{(") >= 2  # the two tables' blanks
    for name in ("sheet.tex", "sheet.key.tex"):
        compiled = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", name],
                                  cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert compiled.returncode == 0, compiled.stdout[-2000:]
        assert (tmp_path / name.replace(".tex", ".pdf")).stat().st_size > 1000
        assert "Overfull" not in compiled.stdout or name == "sheet.key.tex"


def test_exercises_never_load_torch_numpy_or_matplotlib():
    runs = [["exercises", *ALL, "--level", "3", "--count", "6"],
            ["exercises", "--topic", "table", "--format", "latex", "--show-key"],
            ["exercises", "--help"]]
    code = ("import sys\n"
            "from convarith.cli import main\n"
            f"for args in {runs!r}:\n"
            "    try:\n"
            "        main(args)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print('HEAVY', sorted(m for m in ('torch', 'matplotlib', 'numpy') "
            "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "# Convolution arithmetic: exercises" in out  # the runs did run
    assert r"\section*{Convolution arithmetic: answer key}" in out
    assert out.splitlines()[-1] == "HEAVY []"


def test_level_2_and_3_problems_are_built_around_their_mistakes():
    targets = {name for part in parts(["size"], 2, seeds=range(10)) for name in part.targets}
    assert {"rounded_up", "forgot_dilation", "rounded_down", "forgot_output_padding"} <= targets
    for part in parts(["rf"], 3, seeds=range(5)):
        assert {"own_stride_shortcut", "ignored_strides"} <= {m.name for m in part.mistakes}
    for part in parts(["params"], 3, seeds=range(5)):
        assert "forgot_groups" in {m.name for m in part.mistakes}
    for part in parts(["params"], 1, seeds=range(5)):
        assert "bias_per_position" in {m.name for m in part.mistakes}


def test_the_issues_example_volume_and_parameters():
    from convarith.exercises.mistakes import MISTAKES
    from convarith.exercises.sheet import make_part

    # "a 32x32x3 input, ten 5x5 filters, stride 1, pad 2": 32x32x10 and 760 parameters
    volume = make_part({"kind": "conv", "i": 32, "k": 5, "s": 1, "p": 2, "d": 1, "c_in": 3,
                        "c_out": 10, "volume": True})
    assert volume.answer == (32, 32, 10)
    count = make_part({"kind": "conv_params", "c_in": 3, "c_out": 10, "k": 5, "g": 1,
                       "bias": True, "i": 32, "s": 1, "p": 2})
    assert count.answer == 760
    assert MISTAKES["bias_per_position"].answer(count.config) == 750 + 32 * 32 * 10
    assert {m.name: m.answer for m in count.mistakes}["forgot_bias"] == 750


def test_the_same_seed_gives_the_same_sheet_in_another_process():
    code = ("from convarith.exercises import generate, render\n"
            "sheet = generate(['size', 'params', 'rf', 'padding', 'validity', 'table'], "
            "count=12, seed=21, level=3)\n"
            "print(render(sheet, 'json', key=True))\n")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["count"] == 12


def test_a_wrong_answer_two_mistakes_give_names_both():
    key = to_dict(generate(["size", "rf", "validity"], count=3, seed=4, level=2), key=True)
    (result,) = grade(key, {"1": 12})[:1]
    assert result.mistake == ("added the padding once instead of on both sides (p, not 2p); "
                              "or forgot the + 1 at the end of the formula")


def test_a_damaged_key_is_one_error_line(tmp_path):
    key = to_dict(generate(["size"], count=2, seed=1, level=1), key=True)
    del key["problems"][1]["parts"][0]["mistakes"]
    (tmp_path / "key.json").write_text(json.dumps(key))
    (tmp_path / "answers.json").write_text('{"1": 3}')
    result = run("exercises", "--check", str(tmp_path / "answers.json"), "--key",
                 str(tmp_path / "key.json"))
    assert result.exit_code == 2
    assert result.output == ("Error: reading the key: it is damaged (KeyError: mistakes). Write "
                             "it again with 'convarith exercises ... --key key.json' (the same "
                             "seed gives the same key).\n")
