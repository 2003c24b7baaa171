"""``python -m convarith`` runs the same command line as the ``convarith`` script."""

import subprocess
import sys


def test_python_dash_m_convarith_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "convarith", "size", "conv", "--input", "224",
                             "--kernel", "11", "--stride", "4", "--padding", "2"],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "55", "")


def test_python_dash_m_convarith_bad_input_is_one_line_with_status_2():
    result = subprocess.run([sys.executable, "-m", "convarith", "size", "conv", "--input", "5",
                             "--kernel", "7"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
