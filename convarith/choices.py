"""Every list of choices convarith offers, written once.

The command line feeds these to ``click.Choice``, the validators check against them and
the tests iterate over them, so a new choice is added here and nowhere else.
"""

from __future__ import annotations

from convarith import kinds

#: Layer kinds of ``convarith size``: the families of the sized layer kinds.
SIZE_KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    k.family for k in kinds.KINDS.values() if k.sized and not k.functional_only))

#: Named padding modes of a convolution. "valid" and "same" are PyTorch's; "full" pads
#: d(k-1) on each side (Dumoulin & Visin, arXiv:1603.07285, section 2.2.3).
PADDING_MODES: tuple[str, ...] = ("valid", "same", "full")

#: Conventions for padding and output sizes: PyTorch's (the default) and Keras' (also
#: TensorFlow's ``tf.nn`` ops), where "same" works at any stride and gives ``ceil(i/s)``.
CONVENTIONS: tuple[str, ...] = ("torch", "keras")

#: Padding modes of Keras' conv and pooling layers (Conv1D's "causal" is not covered).
KERAS_PADDINGS: tuple[str, ...] = ("valid", "same")

#: Pooling kinds Keras has (MaxPooling, AveragePooling), by their short names in kinds.
KERAS_POOL_KINDS: tuple[str, ...] = ("max", "avg")

#: Layer kinds (names of :mod:`convarith.kinds`) Keras has and ``convarith solve
#: torch-layer`` finds the PyTorch equivalent of.
EQUIVALENT_LAYERS: tuple[str, ...] = ("conv", "conv_transpose", "max_pool", "avg_pool")

#: Layer kinds of ``convarith params``.
PARAM_KINDS: tuple[str, ...] = ("conv", "transposed", "linear")

#: Bytes per element of the dtypes activation memory can be counted in.
DTYPE_BYTES: dict[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int64": 8,
    "int32": 4,
    "int8": 1,
    "uint8": 1,
}

#: Layer kinds of the receptive-field notation ``"conv k=3 s=1 p=1; pool k=2 s=2"``.
RF_KINDS: tuple[str, ...] = ("conv", "pool")

#: Layers with an output size (names as in ``torch.nn.functional``) that the scratch package
#: implements: the formula core, torch and the scratch layers must agree on each.
SIZED_LAYERS: tuple[str, ...] = kinds.layer_names(lambda k: k.sized and k.scratch)

#: Every layer the scratch package implements and ``convarith verify`` checks value by value.
SCRATCH_LAYERS: tuple[str, ...] = kinds.layer_names(lambda k: k.scratch)

#: Layer kinds ``convarith verify --layer`` checks: the scratch layers, plus
#: "receptive_field" (a random conv/pool stack measured by backpropagation) and
#: "transposed_identities" (the transposed-convolution identities of arXiv:1603.07285).
VERIFY_LAYERS: tuple[str, ...] = (*SCRATCH_LAYERS, "receptive_field", "transposed_identities")

#: Layers a user's own function can be checked as (``convarith verify --impl``).
IMPL_LAYERS: tuple[str, ...] = ("conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d")

#: How ``convarith verify --impl`` calls a homework layer (see convarith.verify.conventions);
#: not to be confused with CONVENTIONS, the torch/Keras size conventions.
HOMEWORK_CONVENTIONS: tuple[str, ...] = ("functional", "cs231n", "coursera", "d2l", "class")

#: Fixed hypothesis profiles of ``convarith verify --profile``.
VERIFY_PROFILES: tuple[str, ...] = ("quick", "thorough")

#: Datasets of ``convarith train`` (``digits`` is embedded; the others load from --data-dir).
DATASETS: tuple[str, ...] = ("digits", "mnist", "fashion-mnist", "cifar10")

#: Input normalisations: LeCun et al. 1998's -0.1/1.175 levels, or mean 0 / variance 1.
NORMALISATIONS: tuple[str, ...] = ("paper", "standard")

#: Optimizers, learning-rate schedules and engines of ``convarith train``.
OPTIMIZERS: tuple[str, ...] = ("sgd", "adam")
SCHEDULES: tuple[str, ...] = ("none", "step", "plateau", "cosine")
ENGINES: tuple[str, ...] = ("torch", "numpy")

#: Training-time augmentations of ``convarith train --augment``: LeCun et al. 1998's affine
#: distortions (III.C) and Krizhevsky et al. 2012's crops, flips and PCA lighting (4.1).
AUGMENTATIONS: tuple[str, ...] = ("crop", "flip", "lighting", "affine")

#: File formats of the training plots.
PLOT_FORMATS: tuple[str, ...] = ("png", "svg")

#: Pooling kinds ``pool_output_size(kind=...)`` and ``convarith size pool --pool`` know: the
#: short names of the sized "pool" kinds (max, avg, lp; their rules differ, see
#: :func:`convarith.formulas.normalise.pool_arguments`).
POOL_KINDS: tuple[str, ...] = tuple(k.short for k in kinds.of_family("pool", sized=True))

#: Output formats of ``convarith table``.
TABLE_FORMATS: tuple[str, ...] = ("terminal", "markdown", "latex", "csv", "json")

#: Columns of a shape table, in display order (``--columns`` picks among them). "dilation",
#: "groups" and "buffers" show only where some layer has them; "connections" only when
#: asked for (and in LeNet-5's tables, as the paper counts them).
TABLE_COLUMNS: tuple[str, ...] = (
    "index", "layer", "type", "kernel", "stride", "padding", "dilation", "groups", "output",
    "params", "buffers", "connections", "macs", "memory", "rf", "jump", "note", "calls",
    "frozen",
)

#: Modes a module is traced in (``model.train()`` / ``model.eval()``) and the devices a trace
#: runs on: meta (shapes only, no memory) or a real forward on CPU.
TRACE_MODES: tuple[str, ...] = ("eval", "train")
TRACE_DEVICES: tuple[str, ...] = ("meta", "cpu")

#: Orders a table writes shapes in: H x W x C as course notes do, or C x H x W as PyTorch.
SHAPE_ORDERS: tuple[str, ...] = ("hwc", "chw")

#: Zoo models ``convarith train`` trains (those built for 32x32 inputs).
TRAIN_MODELS: tuple[str, ...] = ("lenet5", "lenet5-modern", "alexnet-small")

#: Parts of a zoo model ``convarith train --finetune --freeze`` can keep fixed.
FREEZE_PARTS: tuple[str, ...] = ("features", "classifier")

#: The pooling kinds (POOL_KINDS) a figure can show: those ``convarith.kinds`` marks animated.
POOL_MODES: tuple[str, ...] = tuple(k.short for k in kinds.of_family("pool", sized=True)
                                    if k.animated)

#: Static figures of ``convarith draw``.
DRAW_KINDS: tuple[str, ...] = ("rf", "architecture", "formula", "channels")
