"""Augmentations keep shapes and labels; ten-crop averaging is the mean of the ten outputs;
the AlexNet-style model trains on a tiny synthetic CIFAR-10 with every flag on."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from test_train_data import write_cifar

from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.train.augment import (
    Augmentation,
    lighting,
    pca_components,
    random_affine,
    random_crop,
    random_flip,
    ten_crop,
    ten_crop_predict,
)


def _images(n: int = 6, c: int = 3, size: int = 8) -> torch.Tensor:
    return torch.randn(n, c, size, size, generator=torch.Generator().manual_seed(0))


def test_random_crop_is_a_window_of_the_edge_padded_image():
    images, p = _images(), 2
    out = random_crop(images, p, torch.Generator().manual_seed(3))
    assert out.shape == images.shape
    padded = F.pad(images, (p, p, p, p), mode="replicate")
    offsets = []
    for n in range(len(images)):
        hits = [(dy, dx) for dy in range(2 * p + 1) for dx in range(2 * p + 1)
                if torch.equal(padded[n, :, dy:dy + 8, dx:dx + 8], out[n])]
        assert hits, f"image {n} is not a window of its padded self"
        offsets.append(hits[0])
    assert len(set(offsets)) > 1  # the offsets differ between images


def test_random_flip_mirrors_some_images_and_keeps_the_others():
    images = _images(n=32)
    out = random_flip(images, torch.Generator().manual_seed(0))
    mirrored = [torch.equal(out[n], images[n].flip(-1)) for n in range(32)]
    kept = [torch.equal(out[n], images[n]) for n in range(32)]
    assert all(m or k for m, k in zip(mirrored, kept))
    assert 5 < sum(mirrored) < 27


def test_pca_components_recover_a_known_channel_covariance():
    rng = np.random.default_rng(0)
    mixing = np.array([[2.0, 0, 0], [0, 1.0, 0], [0, 0, 0.5]])
    pixels = rng.standard_normal((20000, 3)) @ mixing
    images = pixels.reshape(20, 1000, 3).transpose(0, 2, 1).reshape(20, 3, 25, 40)
    values, vectors = pca_components(images)
    assert np.allclose(sorted(values), [0.25, 1.0, 4.0], rtol=0.05)
    assert np.allclose(np.abs(vectors[:, np.argmax(values)]), [1, 0, 0], atol=0.02)


def test_lighting_adds_one_colour_along_the_principal_components_per_image():
    images = _images()
    values = torch.tensor([4.0, 1.0, 0.25])
    vectors = torch.eye(3)
    out = lighting(images, values, vectors, torch.Generator().manual_seed(0))
    shift = out - images
    assert out.shape == images.shape
    # the same shift on every pixel of a channel, different between images
    assert torch.allclose(shift, shift[:, :, :1, :1].expand_as(shift), atol=1e-6)
    assert not torch.allclose(shift[0], shift[1])
    # a_i ~ N(0, 0.1): |a_i lambda_i| stays within 5 standard deviations
    assert (shift[:, :, 0, 0].abs() <= 5 * 0.1 * values).all()


def test_affine_distortion_keeps_shapes_and_is_the_identity_at_zero_range():
    images = _images()
    generator = torch.Generator().manual_seed(0)
    same = random_affine(images, generator, rotation=0, scale=0, shear=0, shift=0)
    assert torch.allclose(same, images, atol=1e-5)
    moved = random_affine(images, generator)
    assert moved.shape == images.shape and not torch.allclose(moved, images)


def test_ten_crop_cuts_corners_centre_and_their_mirrors():
    image = torch.arange(25.0).reshape(1, 1, 5, 5)
    crops = ten_crop(image, 3)
    assert crops.shape == (10, 1, 1, 3, 3)
    assert crops[0, 0, 0].tolist() == [[0, 1, 2], [5, 6, 7], [10, 11, 12]]
    assert crops[3, 0, 0, 2, 2] == 24 and crops[4, 0, 0, 1, 1] == 12
    for k in range(5):
        assert torch.equal(crops[k + 5], crops[k].flip(-1))
    with pytest.raises(ConvArithError, match=r"ten 6x6 crops from 5x5 images"):
        ten_crop(image, 6)


def test_ten_crop_prediction_is_the_mean_of_the_ten_softmax_outputs():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1),
                                torch.nn.Flatten(), torch.nn.Linear(4, 5))
    images = _images(n=4)
    predicted = ten_crop_predict(2)(model, images)
    padded = F.pad(images, (2, 2, 2, 2), mode="replicate")
    outputs = torch.stack([model(crop) for crop in ten_crop(padded, 8)])
    assert torch.allclose(predicted.exp(), outputs.softmax(-1).mean(0), atol=1e-6)
    assert predicted.shape == (4, 5)


def test_augmentation_keeps_the_batch_shape_and_dtype():
    images = _images(n=5)
    data = images.numpy()
    augmentation = Augmentation.parse(("crop", "flip", "lighting", "affine"), crop=2,
                                      images=data)
    out = augmentation(images, torch.Generator().manual_seed(0))
    assert out.shape == images.shape and out.dtype == images.dtype
    assert augmentation.describe() == ("random affine distortions, random crops (pad 2), "
                                       "horizontal flips, PCA lighting")
    assert not Augmentation.parse(())


def test_unknown_augmentation_is_named():
    with pytest.raises(ConvArithError, match=r"Unknown augmentation blur\. Use one or more of"):
        Augmentation.parse(("blur",))


def test_alexnet_small_on_tiny_cifar_with_every_augmentation_and_ten_crop(tmp_path,
                                                                           skip_run_plots):
    # the plots of an RGB model are drawn in test_train_plots.py (8 s here for alexnet-small)
    write_cifar(tmp_path / "data", per_batch=4)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, [
        "train", "alexnet-small", "--dataset", "cifar10", "--data-dir", str(tmp_path / "data"),
        "--epochs", "1", "--batch-size", "8", "--augment", "crop,flip,lighting", "--ten-crop",
        "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["train_images"] == 20 and summary["test_images"] == 4
    assert summary["meta"]["spec"]["augment"] == ["crop", "flip", "lighting"]
    assert summary["meta"]["spec"]["ten_crop"] is True
    assert math.isfinite(summary["epochs"][0]["test_loss"])
    assert skip_run_plots == [out]
