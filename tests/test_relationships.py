"""Relationships 1-15 of Dumoulin & Visin, "A guide to convolution arithmetic for deep
learning" (arXiv:1603.07285), each with the parameters of its figure."""

from __future__ import annotations

import pytest

from convarith import conv_output_size, conv_transpose_output_size, same_padding

# (relationship, figure, i, k, s, p, d, o) for convolutions
CONVOLUTIONS = [
    (1, "2.1 no padding, unit strides", 4, 3, 1, 0, 1, 2),
    (2, "2.2 arbitrary padding", 5, 4, 1, 2, 1, 6),
    (3, "2.3 half (same) padding", 5, 3, 1, 1, 1, 5),
    (4, "2.4 full padding", 5, 3, 1, 2, 1, 7),
    (5, "2.5 no padding, strides", 5, 3, 2, 0, 1, 2),
    (6, "2.6 padding, strides", 5, 3, 2, 1, 1, 3),
    (6, "2.7 padding, strides (odd)", 6, 3, 2, 1, 1, 3),
    (15, "5.1 dilation", 7, 3, 1, 0, 2, 3),
]


@pytest.mark.parametrize("relationship, figure, i, k, s, p, d, o", CONVOLUTIONS)
def test_convolution_relationship(relationship, figure, i, k, s, p, d, o):
    assert conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d) == o


# The transposed counterparts: the transpose of a convolution maps its output size o'
# back to the input size i' (relationships 8-14).
TRANSPOSED = [
    (8, "4.1 transpose of no padding, unit strides", 2, 3, 1, 0, 0, 4),
    (9, "4.2 transpose of arbitrary padding", 6, 4, 1, 2, 0, 5),
    (10, "4.3 transpose of half padding", 5, 3, 1, 1, 0, 5),
    (11, "4.4 transpose of full padding", 7, 3, 1, 2, 0, 5),
    (12, "4.5 transpose of no padding, strides", 2, 3, 2, 0, 0, 5),
    (13, "4.6 transpose of padding, strides", 3, 3, 2, 1, 0, 5),
    (14, "4.7 transpose of padding, strides (odd)", 3, 3, 2, 1, 1, 6),
]


@pytest.mark.parametrize("relationship, figure, i, k, s, p, a, o", TRANSPOSED)
def test_transposed_relationship(relationship, figure, i, k, s, p, a, o):
    assert conv_transpose_output_size(i, kernel_size=k, stride=s, padding=p,
                                      output_padding=a) == o


@pytest.mark.parametrize("relationship, figure, i, k, s, p, d, o", CONVOLUTIONS)
def test_transpose_inverts_the_convolution_size(relationship, figure, i, k, s, p, d, o):
    a = (i + 2 * p - d * (k - 1) - 1) % s  # relationship 14's a
    assert conv_transpose_output_size(o, kernel_size=k, stride=s, padding=p, dilation=d,
                                      output_padding=a) == i


def test_relationship_3_half_padding_is_same_padding():
    for k in (1, 3, 5, 7):
        total, left, right = same_padding(k)
        assert left == right == k // 2
        assert conv_output_size(9, kernel_size=k, padding=left) == 9


def test_relationship_4_full_padding_grows_by_k_minus_1():
    for i in range(1, 10):
        for k in range(1, 6):
            assert conv_output_size(i, kernel_size=k, padding="full") == i + k - 1
