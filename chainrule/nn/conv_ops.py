"""The ops behind Conv2d, MaxPool2d and Embedding, each forward beside its derivative.

Convolution is "im2col": NumPy's ``sliding_window_view`` shows every kH x kW window of
the padded input as a 6-d view (N, C, outH, outW, kH, kW) without copying, and one
``tensordot`` with the weight does every window's dot product at once. No Python loop
visits a pixel; the backward pass loops over the kH * kW kernel offsets only.

A convolution is linear in its input and in its weight, so its two gradients are
linear maps too (`Conv2dInputGrad`, `Conv2dWeightGrad`), and each of the three ops'
derivatives is one of the other two: second derivatives come for free.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from chainrule._tensor import Tensor
from chainrule.autograd.node import Op
from chainrule.ops.index import IndexAddInto


class Geometry(NamedTuple):
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]  # top, bottom, left, right
    dilation: tuple[int, int]


def _windows(x: np.ndarray, kernel: tuple[int, int], g: Geometry, fill: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> the view (N, C, outH, outW, kH, kW) of every window the kernel visits."""
    top, bottom, left, right = g.padding
    if any(g.padding):
        x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
    (kh, kw), (dh, dw), (sh, sw) = kernel, g.dilation, g.stride
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if x.shape[2] < span_h or x.shape[3] < span_w:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({x.shape[2]} x {x.shape[3]}). Kernel size: "
            f"({span_h} x {span_w}). Kernel size can't be greater than actual input size"
        )
    view = sliding_window_view(x, (span_h, span_w), axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def _needs_grad(node: Op, i: int) -> bool:
    return node.next_functions[i][0] is not None


class Conv2d(Op):
    """out[n, o] = sum over c, i, j of x_padded[n, c, s*h + d*i, s*w + d*j] * w[o, c, i, j] (+ bias[o]).

    The bias is optional (a third input), and part of this one node, as in PyTorch.
    """

    backward_name = "ConvolutionBackward0"
    symbol = "conv2d"

    def forward(self, x, w, *bias, geometry: Geometry):
        self.save_for_backward(x, w)
        self.geometry = geometry
        windows = _windows(x._data, w._data.shape[2:], geometry)
        out = np.tensordot(windows, w._data, axes=([1, 4, 5], [1, 2, 3]))  # (N, outH, outW, O)
        if bias:
            out = out + bias[0]._data  # O is the last axis here, so the bias broadcasts as it is
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2))

    def backward(self, grad):
        x, w = self.saved_tensors
        g = self.geometry
        dx = Conv2dInputGrad.apply(grad, w, input_size=x.shape[2:], geometry=g) if _needs_grad(self, 0) else None
        dw = Conv2dWeightGrad.apply(grad, x, kernel=w.shape[2:], geometry=g) if _needs_grad(self, 1) else None
        if len(self.next_functions) == 2:
            return dx, dw
        d_bias = grad.sum((0, 2, 3)) if _needs_grad(self, 2) else None
        return dx, dw, d_bias


class Conv2dWeightGrad(Op):
    """d(conv)/d(weight) applied to ``grad``: each window times the gradient at its output pixel."""

    def forward(self, grad, x, kernel, geometry: Geometry):
        self.save_for_backward(grad, x)
        self.geometry = geometry
        windows = _windows(x._data, tuple(kernel), geometry)
        return np.tensordot(grad._data, windows, axes=([0, 2, 3], [0, 2, 3]))  # (O, C, kH, kW)

    def backward(self, upstream):
        grad, x = self.saved_tensors
        g = self.geometry
        d_grad = Conv2d.apply(x, upstream, geometry=g)
        d_x = Conv2dInputGrad.apply(grad, upstream, input_size=x.shape[2:], geometry=g)
        return d_grad, d_x


class Conv2dInputGrad(Op):
    """d(conv)/d(input) applied to ``grad`` ("col2im"): add each window's share back where it came from."""

    def forward(self, grad, w, input_size, geometry: Geometry):
        self.save_for_backward(grad, w)
        self.geometry, self.input_size = geometry, tuple(input_size)
        top, bottom, left, right = geometry.padding
        (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
        n, _, out_h, out_w = grad._data.shape
        kh, kw = w._data.shape[2:]
        # (N, C, kH, kW, outH, outW): the gradient reaching each window element
        columns = np.tensordot(w._data, grad._data, axes=([0], [1])).transpose(3, 0, 1, 2, 4, 5)
        padded = np.zeros((n, w._data.shape[1], self.input_size[0] + top + bottom,
                           self.input_size[1] + left + right), dtype=grad._data.dtype)
        for i in range(kh):  # one strided slice per kernel offset, never per pixel
            for j in range(kw):
                rows = slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh)
                cols = slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw)
                padded[:, :, rows, cols] += columns[:, :, i, j]
        return padded[:, :, top:top + self.input_size[0], left:left + self.input_size[1]]

    def backward(self, upstream):
        grad, w = self.saved_tensors
        g = self.geometry
        d_grad = Conv2d.apply(upstream, w, geometry=g)
        d_w = Conv2dWeightGrad.apply(grad, upstream, kernel=w.shape[2:], geometry=g)
        return d_grad, d_w


# ---------------------------------------------------------------------------------------
# max pooling


def _pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # PyTorch: the last window must start inside the input or its left padding
    return out


def max_pool2d(x: Tensor, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool):
    """(pooled output, int64 indices of the chosen elements within each H*W plane)."""
    indices = window_argmax(x._data, kernel, stride, padding, dilation, ceil_mode)
    return MaxPool2d.apply(x, indices=indices), Tensor._wrap(indices)


def window_argmax(x: np.ndarray, kernel, stride, padding, dilation, ceil_mode: bool) -> np.ndarray:
    """Where each window's maximum sits in its input plane (row * W + col), PyTorch's return_indices."""
    n, c, h, w = x.shape
    out_h = _pool_output_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    out_w = _pool_output_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    # pad the far side enough for the last (ceil_mode) window; -inf never wins a max
    need_h = (out_h - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1
    need_w = (out_w - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1
    pads = (padding[0], max(need_h - h - padding[0], 0), padding[1], max(need_w - w - padding[1], 0))
    windows = _windows(x, kernel, Geometry(stride, pads, dilation), fill=-np.inf)[:, :, :out_h, :out_w]
    best = windows.reshape(n, c, out_h, out_w, kernel[0] * kernel[1]).argmax(axis=-1)
    rows = np.arange(out_h)[:, None] * stride[0] + (best // kernel[1]) * dilation[0] - padding[0]
    cols = np.arange(out_w)[None, :] * stride[1] + (best % kernel[1]) * dilation[1] - padding[1]
    return (rows * w + cols).astype(np.int64)


def _flat_positions(indices: np.ndarray, input_shape: tuple) -> np.ndarray:
    """Plane-local indices (N, C, outH, outW) -> positions in the flattened input."""
    n, c, h, w = input_shape
    return (np.arange(n * c).reshape(n, c, 1, 1) * (h * w) + indices).reshape(-1)


class MaxPool2d(Op):
    """Pick each window's maximum (found by `window_argmax`); its gradient goes back there."""

    backward_name = "MaxPool2DWithIndicesBackward0"
    symbol = "maxpool"

    def forward(self, x, indices):
        self.indices, self.input_shape = indices, x._data.shape
        return x._data.reshape(-1)[_flat_positions(indices, x._data.shape)].reshape(indices.shape)

    def backward(self, grad):
        return MaxUnpoolAdd.apply(grad, indices=self.indices, input_shape=self.input_shape)


class MaxUnpoolAdd(Op):
    """Send each gradient to the input element that won its window (adding where windows overlap)."""

    def forward(self, grad, indices, input_shape):
        self.indices, self.input_shape = indices, input_shape
        size = int(np.prod(input_shape))
        total = np.bincount(_flat_positions(indices, input_shape), weights=grad._data.reshape(-1), minlength=size)
        return total.astype(grad._data.dtype).reshape(input_shape)

    def backward(self, upstream):
        return MaxPool2d.apply(upstream, indices=self.indices)


# ---------------------------------------------------------------------------------------
# embedding


class EmbeddingLookup(Op):
    """weight[indices]: the gradient of a row is the sum of the gradients of its look-ups."""

    backward_name = "EmbeddingBackward0"
    symbol = "embedding"

    def forward(self, weight, indices, padding_idx):
        self.indices, self.padding_idx, self.weight_shape = indices, padding_idx, weight._data.shape
        return weight._data[indices]

    def backward(self, grad):
        rows = IndexAddInto.apply(grad, key=self.indices, shape=self.weight_shape)
        if self.padding_idx is None:
            return rows
        keep = np.ones((self.weight_shape[0], 1), dtype=grad._data.dtype)
        keep[self.padding_idx] = 0  # the padding row stays as it is, as in PyTorch
        return rows * Tensor._wrap(keep)
