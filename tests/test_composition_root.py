"""The specs' public ``to_torch`` goes through the bridges without the specs importing them:
``convarith/__init__.py`` lends the bridge's ``to_torch`` (convarith.kinds.lend), imported on
the first build, so ``import convarith`` loads no bridge."""

import subprocess
import sys

import pytest

from convarith import kinds
from convarith.errors import ConvArithError


def test_import_convarith_loads_no_bridge_and_the_first_build_loads_it():
    code = (
        "import sys, convarith\n"
        "print(sorted(m for m in ('convarith.bridges.torch', 'convarith.specs.layers', 'torch')"
        " if m in sys.modules))\n"
        "from convarith.specs.layers import Conv, MaxPool\n"
        "print('convarith.bridges.torch' in sys.modules)\n"
        "print(type(Conv(8, 3).to_torch((3, 8, 8))).__name__, 'convarith.bridges.torch' in "
        "sys.modules)\n"
        "print(MaxPool(2, padding='same', convention='keras').to_torch((3, 5, 5)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1] == "False"  # the specs alone import no bridge
    assert out[2] == "Conv2d True"
    # a Keras-convention pool's torch equivalent, built in the bridge (pads 0 then 1 per axis)
    assert "MaxPool2d(kernel_size=(2, 2), stride=(2, 2)" in "\n".join(out[3:])


def test_the_lent_to_torch_is_the_bridges_own():
    from convarith.bridges import torch as bridge

    assert kinds.lent("to_torch") is bridge.to_torch


def test_a_function_nobody_lends_names_where_to_lend_it():
    with pytest.raises(ConvArithError, match=r"No function is lent as 'to_numpy'\. Lend it in "
                                             r"convarith/__init__\.py with "
                                             r"kinds\.lend\('to_numpy', load\)\."):
        kinds.lent("to_numpy")
