"""The model zoo: classic networks as data built from layer specs.

>>> net = get("lenet5")
>>> net.input_shape, net.params()
((1, 32, 32), 60000)
>>> get("alexnet").shapes()[0]
(96, 55, 55)
>>> get("lenet5-modern", activation="relu", kind="max").params()
61706
>>> get("resnet")
Traceback (most recent call last):
...
convarith.errors.ConvArithError: Unknown model 'resnet'. Use one of lenet5, lenet5-modern, alexnet, alexnet-paper, alexnet-torchvision, alexnet-small, vgg16, zfnet (see 'convarith list').
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from convarith.errors import ConvArithError
from convarith.specs.layers import (
    LENET5_C3_TABLE,
    AdaptiveAvgPool,
    AvgPool,
    Conv,
    Dropout,
    Flatten,
    Layer,
    Linear,
    LocalResponseNorm,
    MaxPool,
    PartialConv,
    RBFOutput,
    ReLU,
    ScaledTanh,
    Sigmoid,
    Subsampling,
    Tanh,
)
from convarith.specs.network import Network

#: Activation and pooling choices of ``lenet5-modern``.
LENET_ACTIVATIONS: dict[str, type[Layer]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
LENET_POOLS: dict[str, type[Layer]] = {"max": MaxPool, "avg": AvgPool}

LECUN_1998 = ("LeCun, Bottou, Bengio & Haffner, \"Gradient-based learning applied to document "
              "recognition\", Proc. IEEE 86(11), 1998")
KRIZHEVSKY_2012 = ("Krizhevsky, Sutskever & Hinton, \"ImageNet classification with deep "
                   "convolutional neural networks\", NeurIPS 2012")


def _square(input_size: Any) -> tuple[int, int]:
    if isinstance(input_size, (tuple, list)):
        if len(input_size) != 2:
            raise ConvArithError(
                f"Error building a model: input_size={input_size!r} is not one size or (H, W). "
                "Give e.g. input_size=32 or input_size=(32, 32)."
            )
        return int(input_size[0]), int(input_size[1])
    return int(input_size), int(input_size)


def _lenet_c1_padding(size: tuple[int, int]) -> tuple[int, int]:
    # The paper pads MNIST's 28x28 into a 32x32 field (section III.A); a smaller input is
    # padded in C1 up to 32, so that every later shape is the paper's.
    return tuple(max(0, (32 - s) // 2) for s in size)  # type: ignore[return-value]


def lenet5(*, in_channels: int = 1, num_classes: int = 10,
           input_size: Any = 32) -> Network:
    """LeNet-5 as published: scaled tanh, trainable subsampling, Table I's C3, RBF output."""
    size = _square(input_size)
    act = ScaledTanh
    layers: list[Layer] = [
        Conv(6, 5, padding=_lenet_c1_padding(size), name="C1"), act(),
        Subsampling(2, name="S2"), act(),
        PartialConv(LENET5_C3_TABLE, 5, name="C3",
                    note="Table I: each map reads 3, 4 or 6 of S2's maps"), act(),
        Subsampling(2, name="S4"), act(),
        Conv(120, 5, name="C5", note="5x5 kernels on 5x5 maps: fully connected to S4"), act(),
        Flatten(),
        Linear(84, name="F6"), act(),
        RBFOutput(num_classes, name="output",
                  note="Euclidean RBF, fixed +-1 prototypes; torch returns -distance"),
    ]
    return Network(
        "lenet5", (in_channels, *size), tuple(layers),
        description="LeNet-5 as published (1998): trainable subsampling, partial C3, RBF output",
        source=LECUN_1998,
        footnotes=(
            "Activations: f(a) = 1.7159 tanh(2a/3) (appendix A). S2/S4: 2x2 sum times a "
            "trainable coefficient plus a trainable bias per map.",
            "Connections count every weighted link and bias of every unit (the paper's "
            "count); they differ from parameters where weights are shared.",
        ),
        table_columns=("connections",),
    )


def lenet5_modern(*, in_channels: int = 1, num_classes: int = 10, input_size: Any = 32,
                  activation: str = "relu", kind: str = "max",
                  pool: str | None = None) -> Network:
    """LeNet-5 as course notes teach it: full C3, parameter-free pooling, linear output.

    ``kind`` is the pooling kind (``max`` or ``avg``: the rule's name and values, as in
    ``pool_output_size(kind=)``); ``pool=`` is its old name (deprecated).

    >>> type(lenet5_modern(kind="avg").layers[2]).__name__
    'AvgPool'
    """
    named = "kind"
    if pool is not None:
        import warnings

        warnings.warn("lenet5_modern(pool=...) is deprecated; use kind=..., the name of a "
                      "pooling kind everywhere.", DeprecationWarning, stacklevel=2)
        kind, named = pool, "pool"
    if activation not in LENET_ACTIVATIONS:
        raise ConvArithError(
            f"Error building lenet5-modern: activation={activation!r} is not known. "
            f"Use one of {', '.join(LENET_ACTIVATIONS)}."
        )
    if kind not in LENET_POOLS:
        raise ConvArithError(
            f"Error building lenet5-modern: {named}={kind!r} is not known. "
            f"Use one of {', '.join(LENET_POOLS)}."
        )
    size = _square(input_size)
    act, pooling = LENET_ACTIVATIONS[activation], LENET_POOLS[kind]
    layers: list[Layer] = [
        Conv(6, 5, padding=_lenet_c1_padding(size), name="C1"), act(),
        pooling(2, name="S2"),
        Conv(16, 5, name="C3"), act(),
        pooling(2, name="S4"),
        Flatten(),
        Linear(120, name="C5", note="the paper's 5x5 conv on 5x5 maps: same 48,120 parameters"),
        act(),
        Linear(84, name="F6"), act(),
        Linear(num_classes, name="output"),
    ]
    return Network(
        "lenet5-modern", (in_channels, *size), tuple(layers),
        description="LeNet-5 as course notes teach it: full C3, plain pooling, linear output",
        source=LECUN_1998 + " (modernised)",
    )


def _alexnet_features(widths: tuple[int, int, int, int, int], *, c1_padding: int,
                      groups: tuple[int, int, int, int, int] = (1, 1, 1, 1, 1),
                      lrn: bool = False) -> list[Layer]:
    c1, c2, c3, c4, c5 = widths
    norm = [LocalResponseNorm(5, 1e-4, 0.75, 2.0)] if lrn else []
    return [
        Conv(c1, 11, stride=4, padding=c1_padding, groups=groups[0], name="conv1"), ReLU(),
        *norm, MaxPool(3, stride=2, name="pool1"),
        Conv(c2, 5, padding=2, groups=groups[1], name="conv2"), ReLU(),
        *norm, MaxPool(3, stride=2, name="pool2"),
        Conv(c3, 3, padding=1, groups=groups[2], name="conv3"), ReLU(),
        Conv(c4, 3, padding=1, groups=groups[3], name="conv4"), ReLU(),
        Conv(c5, 3, padding=1, groups=groups[4], name="conv5"), ReLU(),
        MaxPool(3, stride=2, name="pool3"),
    ]


def _dense_head(hidden: int, num_classes: int, *, dropout: float, first: int = 6
                ) -> list[Layer]:
    return [
        Flatten(),
        Linear(hidden, name=f"fc{first}"), ReLU(), Dropout(dropout),
        Linear(hidden, name=f"fc{first + 1}"), ReLU(), Dropout(dropout),
        Linear(num_classes, name=f"fc{first + 2}", note="softmax in the loss"),
    ]


def _notes_224() -> str:
    from convarith.formulas.output_size import conv_output_size, lost_input, uncovered_axis

    o = conv_output_size(224, kernel_size=11, stride=4, padding=2)
    uncovered = uncovered_axis(224, 11, 4, (2, 2), 1)
    lost = lost_input(224, kernel_size=11, stride=4, padding=2)
    return (f"224x224 with 11x11 stride 4 and padding 2 gives {o}x{o}: the {uncovered} "
            f"uncovered column is right padding, so {lost} image pixels are lost (see "
            "alexnet-paper for the 224 vs 227 question).")


def alexnet(*, in_channels: int = 3, num_classes: int = 1000, input_size: Any = 224
            ) -> Network:
    """AlexNet in the single-tower layout of the course notes (224 input, conv1 padding 2)."""
    layers = _alexnet_features((96, 256, 384, 384, 256), c1_padding=2)
    layers += _dense_head(4096, num_classes, dropout=0.5)
    return Network(
        "alexnet", (in_channels, *_square(input_size)), tuple(layers),
        description="AlexNet as course notes draw it: one tower, 224x224 input, conv1 pad 2",
        source=KRIZHEVSKY_2012 + " (single-tower layout of course notes)",
        footnotes=(_notes_224(),),
    )


def alexnet_paper(*, in_channels: int = 3, num_classes: int = 1000, input_size: Any = 227
                  ) -> Network:
    """AlexNet as published: two GPU towers (groups=2 where the towers do not talk), LRN."""
    layers = _alexnet_features((96, 256, 384, 384, 256), c1_padding=0, groups=(1, 2, 1, 2, 2),
                               lrn=True)
    layers += _dense_head(4096, num_classes, dropout=0.5)
    from convarith.formulas.output_size import conv_output_size, lost_input, uncovered_axis

    o_224, o_227 = (conv_output_size(i, kernel_size=11, stride=4) for i in (224, 227))
    o_notes = conv_output_size(224, kernel_size=11, stride=4, padding=2)
    lost_224, lost_227 = (lost_input(i, kernel_size=11, stride=4) for i in (224, 227))
    lost_notes = lost_input(224, kernel_size=11, stride=4, padding=2)
    uncovered_notes = uncovered_axis(224, 11, 4, (2, 2), 1)
    return Network(
        "alexnet-paper", (in_channels, *_square(input_size)), tuple(layers),
        description="AlexNet as published (2012): two towers as groups=2, LRN, 227x227 input",
        source=KRIZHEVSKY_2012,
        footnotes=(
            "conv2, conv4 and conv5 see only their own GPU's maps (groups=2); conv3 and the "
            "dense layers cross over. LRN: k=2, n=5, alpha=1e-4, beta=0.75 (section 3.3).",
            "224 vs 227: the paper says 224x224x3, but conv1 (11x11, stride 4, no padding) "
            f"gives {o_227}x{o_227} from 227, where (227-11)/4 is whole and {lost_227} "
            f"pixels are lost; from 224 it gives {o_224}x{o_224} and the last {lost_224} "
            f"row and column of the image are never covered. The course notes' 224 with "
            f"padding 2 gives {o_notes}x{o_notes}: the {uncovered_notes} uncovered column is "
            f"right padding, so {lost_notes} image pixels are lost.",
        ),
    )


def alexnet_torchvision(*, in_channels: int = 3, num_classes: int = 1000,
                        input_size: Any = 224) -> Network:
    """torchvision's ``alexnet()``: 64-192-384-256-256 channels and adaptive 6x6 pooling."""
    layers = _alexnet_features((64, 192, 384, 256, 256), c1_padding=2)
    layers.append(AdaptiveAvgPool(6, name="avgpool"))
    layers += [
        Flatten(),
        Dropout(0.5), Linear(4096, name="fc6"), ReLU(),
        Dropout(0.5), Linear(4096, name="fc7"), ReLU(),
        Linear(num_classes, name="fc8"),
    ]
    return Network(
        "alexnet-torchvision", (in_channels, *_square(input_size)), tuple(layers),
        description="torchvision's AlexNet: 64-192-384-256-256, adaptive 6x6 average pooling",
        source="torchvision.models.alexnet (after Krizhevsky, \"One weird trick\", 2014)",
    )


def alexnet_small(*, in_channels: int = 3, num_classes: int = 10, input_size: Any = 32,
                  dropout: float = 0.5) -> Network:
    """An AlexNet-style network for 32x32 images (CIFAR-10, digits scaled to 32x32).

    One tower of the paper's widths (48-128-192-192-128), 5x5 then 3x3 kernels at stride 1,
    three overlapping 3/2 max-pools (32 -> 15 -> 7 -> 3), dense 512-512 with dropout.
    """
    layers: list[Layer] = [
        Conv(48, 5, padding=2, name="conv1"), ReLU(), MaxPool(3, stride=2, name="pool1"),
        Conv(128, 5, padding=2, name="conv2"), ReLU(), MaxPool(3, stride=2, name="pool2"),
        Conv(192, 3, padding=1, name="conv3"), ReLU(),
        Conv(192, 3, padding=1, name="conv4"), ReLU(),
        Conv(128, 3, padding=1, name="conv5"), ReLU(), MaxPool(3, stride=2, name="pool3"),
    ]
    layers += _dense_head(512, num_classes, dropout=dropout)
    return Network(
        "alexnet-small", (in_channels, *_square(input_size)), tuple(layers),
        description="AlexNet-style net for 32x32 inputs (CIFAR-10): one tower's widths",
        source="convarith, after " + KRIZHEVSKY_2012,
    )


#: VGG-16's convolution widths, "M" for a 2x2 max-pool (Simonyan & Zisserman 2015, Table 1, D).
VGG16_CONFIG: tuple[int | str, ...] = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
                                       512, 512, 512, "M", 512, 512, 512, "M")


def vgg16(*, in_channels: int = 3, num_classes: int = 1000, input_size: Any = 224) -> Network:
    """VGG-16 (configuration D): thirteen 3x3 convolutions and three dense layers."""
    layers: list[Layer] = []
    block, index = 1, 1
    for item in VGG16_CONFIG:
        if item == "M":
            layers.append(MaxPool(2, name=f"pool{block}"))
            block, index = block + 1, 1
        else:
            layers += [Conv(int(item), 3, padding=1, name=f"conv{block}_{index}"), ReLU()]
            index += 1
    layers += _dense_head(4096, num_classes, dropout=0.5, first=6)
    return Network(
        "vgg16", (in_channels, *_square(input_size)), tuple(layers),
        description="VGG-16 (2015, configuration D): 3x3 convolutions, 138M parameters",
        source="Simonyan & Zisserman, \"Very deep convolutional networks for large-scale image "
               "recognition\", ICLR 2015",
    )


def zfnet(*, in_channels: int = 3, num_classes: int = 1000, input_size: Any = 224) -> Network:
    """ZFNet (Zeiler & Fergus 2014, Fig. 3): AlexNet with a 7x7 stride-2 first layer."""
    norm = LocalResponseNorm(5, 1e-4, 0.75, 2.0, note="contrast normalisation across maps")
    layers: list[Layer] = [
        Conv(96, 7, stride=2, padding=1, name="conv1"), ReLU(),
        MaxPool(3, stride=2, ceil_mode=True, name="pool1"), norm,
        Conv(256, 5, stride=2, name="conv2"), ReLU(),
        MaxPool(3, stride=2, ceil_mode=True, name="pool2"), norm,
        Conv(384, 3, padding=1, name="conv3"), ReLU(),
        Conv(384, 3, padding=1, name="conv4"), ReLU(),
        Conv(256, 3, padding=1, name="conv5"), ReLU(),
        MaxPool(3, stride=2, name="pool3"),
    ]
    layers += _dense_head(4096, num_classes, dropout=0.5)
    return Network(
        "zfnet", (in_channels, *_square(input_size)), tuple(layers),
        description="ZFNet (2014): AlexNet with 7x7 stride-2 conv1, maps 110-55-26-13-6",
        source="Zeiler & Fergus, \"Visualizing and understanding convolutional networks\", "
               "ECCV 2014",
        footnotes=(
            "The paper's sizes (110, 55, 26, 13, 6) need conv1 padding 1 and ceil-mode pooling "
            "in pool1 and pool2; the paper does not state its padding.",
        ),
    )


#: name -> factory; ``convarith list`` prints them in this order.
FACTORIES: dict[str, Callable[..., Network]] = {
    "lenet5": lenet5,
    "lenet5-modern": lenet5_modern,
    "alexnet": alexnet,
    "alexnet-paper": alexnet_paper,
    "alexnet-torchvision": alexnet_torchvision,
    "alexnet-small": alexnet_small,
    "vgg16": vgg16,
    "zfnet": zfnet,
}


def names() -> list[str]:
    """The zoo's model names."""
    return list(FACTORIES)


def describe(name: str) -> str:
    """The one-line description of a model (from its default build)."""
    return get(name).description


def _models() -> dict[str, str]:
    return {name: describe(name) for name in FACTORIES}


def options(name: str) -> dict[str, Any]:
    """The options a model accepts, with their defaults."""
    factory = _factory(name)
    return {p.name: p.default for p in inspect.signature(factory).parameters.values()}


def _factory(name: str) -> Callable[..., Network]:
    if name not in FACTORIES:
        raise ConvArithError(
            f"Unknown model {name!r}. Use one of {', '.join(FACTORIES)} (see 'convarith list')."
        )
    return FACTORIES[name]


#: Old option names the zoo's models still take (each warns), left out of the lists of names.
DEPRECATED = frozenset({"pool"})


def get(name: str, **options: Any) -> Network:
    """Build a zoo model; ``options`` are the model's own (``in_channels``, ``num_classes``,
    ``input_size``, ...)."""
    factory = _factory(name)
    accepted = inspect.signature(factory).parameters
    unknown = [key for key in options if key not in accepted]
    if unknown:
        raise ConvArithError(
            f"Error building {name}: option(s) {', '.join(unknown)} not known. "
            f"Use {', '.join(name for name in accepted if name not in DEPRECATED)}."
        )
    return factory(**options)


def __getattr__(attribute: str) -> Any:
    # MODELS is computed on first use (building every model takes a few milliseconds)
    if attribute == "MODELS":
        return _models()
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
