"""The ops behind Conv2d, the pools, padding and Embedding, each forward beside its derivative.

Convolution is "im2col": NumPy's ``sliding_window_view`` shows every kH x kW window of
the padded input as a 6-d view (N, C, outH, outW, kH, kW) without copying; laid out as
one row per window, one matrix product with the weight does every window's dot product
at once. No Python loop visits a pixel; the backward pass loops over the kH * kW kernel
offsets only. With ``groups`` the channels split into groups that never meet: the same
product, batched over the groups (depthwise convolution is groups == channels).

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
    groups: int = 1


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


def _add_windows_back(columns: np.ndarray, input_size: tuple, g: Geometry) -> np.ndarray:
    """The transpose of `_windows` ("col2im"): (N, C, kH, kW, outH, outW) values, each added to
    the input pixel it was read from; the padding's share is dropped."""
    n, c, kh, kw, out_h, out_w = columns.shape
    return _add_back_per_offset(lambda i, j: columns[:, :, i, j], (n, c), (kh, kw), (out_h, out_w),
                                input_size, columns.dtype, g)


def _add_back_per_offset(share, batch: tuple, kernel: tuple, out_size: tuple, input_size: tuple, dtype,
                         g: Geometry) -> np.ndarray:
    """Zeros of the input's shape plus, for each kernel offset (i, j), ``share(i, j)`` (an
    (N, C, outH, outW) array) added at the input pixels that offset read: one strided slice per
    offset, never per pixel. The padding's share is dropped."""
    (kh, kw), (out_h, out_w) = kernel, out_size
    top, bottom, left, right = g.padding
    (sh, sw), (dh, dw) = g.stride, g.dilation
    padded = np.zeros(batch + (input_size[0] + top + bottom, input_size[1] + left + right), dtype=dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw)
            padded[:, :, rows, cols] += share(i, j)
    return padded[:, :, top:top + input_size[0], left:left + input_size[1]]


def _im2col(x: np.ndarray, kernel: tuple, g: Geometry) -> tuple[np.ndarray, tuple[int, int]]:
    """(N, groups, C/groups * kH * kW, outH * outW): each image's windows as the columns of a
    matrix per group of channels; and (outH, outW).

    Windows keep their pixels last (oH, oW), so the copy reads rows of the input nearly in
    order: ~10x faster than putting the channels last, and the product with the filters comes
    out as (N, O, oH * oW), the output's own layout.
    """
    windows = _windows(x, kernel, g)  # (N, C, outH, outW, kH, kW), a view
    n, channels, out_h, out_w = windows.shape[:4]
    columns = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))  # (N, C, kH, kW, oH, oW)
    per_group = channels // g.groups * kernel[0] * kernel[1]
    return columns.reshape(n, g.groups, per_group, out_h * out_w), (out_h, out_w)


def _grad_columns(grad: np.ndarray, groups: int) -> np.ndarray:
    """(N, O, outH, outW) -> (N, groups, O/groups, outH * outW)."""
    n, out_channels, out_h, out_w = grad.shape
    return _blas_ready(grad).reshape(n, groups, out_channels // groups, out_h * out_w)


def _filter_rows(weight: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/G, kH, kW) -> (G, O/G, C/G * kH * kW): each group's filters as the rows of a matrix."""
    out_channels, *per_filter = weight.shape
    return weight.reshape(groups, out_channels // groups, int(np.prod(per_filter)))


def _blas_ready(matrices: np.ndarray) -> np.ndarray:
    """A contiguous copy where ``reshape`` gave a view: a matmul operand with other strides (a
    broadcast gradient has stride 0) misses BLAS and runs about ten times slower."""
    return np.ascontiguousarray(matrices)


def _needs_grad(node: Op, i: int) -> bool:
    return node.next_functions[i][0] is not None


class Conv2d(Op):
    """out[n, o] = sum over c, i, j of x_padded[n, c, s*h + d*i, s*w + d*j] * w[o, c, i, j] (+ bias[o]).

    With groups, c runs over the C/groups channels of filter o's group only. The bias is
    optional (a third input), and part of this one node, as in PyTorch.
    """

    backward_name = "ConvolutionBackward0"
    symbol = "conv2d"

    def forward(self, x, w, *bias, geometry: Geometry):
        self.save_for_backward(x, w)
        self.geometry, groups, weight = geometry, geometry.groups, w._data
        if _is_depthwise(x._data.shape[1], groups):
            out = _depthwise(x._data, weight, geometry)
            if bias:
                out += bias[0]._data.reshape(1, -1, 1, 1)
            return out
        columns, (out_h, out_w) = _im2col(x._data, weight.shape[2:], geometry)  # (N, G, C/G * kH * kW, oH * oW)
        out = _filter_rows(weight, groups) @ columns  # (N, G, O/G, oH * oW)
        out = out.reshape(x._data.shape[0], weight.shape[0], out_h, out_w)
        if bias:
            out += bias[0]._data.reshape(1, -1, 1, 1)
        return out

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
        if _is_depthwise(x._data.shape[1], geometry.groups):
            return _depthwise_weight_grad(grad._data, x._data, tuple(kernel), geometry)
        columns, _ = _im2col(x._data, tuple(kernel), geometry)  # (N, G, C/G * kH * kW, oH * oW)
        per_image = _grad_columns(grad._data, geometry.groups) @ columns.transpose(0, 1, 3, 2)  # (N, G, O/G, K)
        d_weight = np.add.reduce(per_image, axis=0)  # (G, O/G, C/G * kH * kW)
        return d_weight.reshape((grad._data.shape[1], x._data.shape[1] // geometry.groups) + tuple(kernel))

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
        groups, weight = geometry.groups, w._data
        if _is_depthwise(weight.shape[1] * groups, groups):
            return _depthwise_input_grad(grad._data, weight, self.input_size, geometry)
        n, _, out_h, out_w = grad._data.shape
        filters = _filter_rows(weight, groups)  # (G, O/G, C/G * kH * kW)
        columns = filters.transpose(0, 2, 1) @ _grad_columns(grad._data, groups)  # (N, G, C/G * kH * kW, oH * oW)
        # (N, C, kH, kW, outH, outW): the gradient reaching each window element
        columns = columns.reshape((n, groups * weight.shape[1]) + weight.shape[2:] + (out_h, out_w))
        return _add_windows_back(columns, self.input_size, geometry)

    def backward(self, upstream):
        grad, w = self.saved_tensors
        g = self.geometry
        d_grad = Conv2d.apply(upstream, w, geometry=g)
        d_w = Conv2dWeightGrad.apply(grad, upstream, kernel=w.shape[2:], geometry=g)
        return d_grad, d_w


# ---------------------------------------------------------------------------------------
# depthwise convolution (groups == input channels): a few shifted multiply-adds
#
# Each channel meets only its own filters, so the im2col route would run one tiny matrix
# product per channel (about 20x slower than PyTorch's kernel). Looping over the kernel's
# kH * kW offsets instead touches each pixel kH * kW times with whole-array arithmetic.


def _is_depthwise(input_channels: int, groups: int) -> bool:
    """One input channel per group: MobileNet's depthwise layers."""
    return groups > 1 and groups == input_channels


def _depthwise(x: np.ndarray, weight: np.ndarray, g: Geometry) -> np.ndarray:
    """(N, C, H, W) with (C * m, 1, kH, kW) filters -> (N, C * m, outH, outW)."""
    windows = _windows(x, weight.shape[2:], g)  # (N, C, oH, oW, kH, kW), a view
    n, c, out_h, out_w, kh, kw = windows.shape
    filters = weight.reshape(c, weight.shape[0] // c, kh, kw)  # (C, m, kH, kW): channel c's m filters
    out = np.zeros((n, c, filters.shape[1], out_h, out_w), dtype=np.result_type(x, weight))
    for i in range(kh):
        for j in range(kw):
            out += windows[:, :, None, :, :, i, j] * filters[None, :, :, i, j, None, None]
    return out.reshape(n, c * filters.shape[1], out_h, out_w)


def _depthwise_weight_grad(grad: np.ndarray, x: np.ndarray, kernel: tuple, g: Geometry) -> np.ndarray:
    """d(depthwise)/d(weight) applied to ``grad``: (C * m, 1, kH, kW)."""
    windows = _windows(x, kernel, g)
    n, c, out_h, out_w, kh, kw = windows.shape
    per_channel = _blas_ready(grad).reshape(n, c, grad.shape[1] // c, out_h, out_w)  # (N, C, m, oH, oW)
    d_weight = np.empty((c, per_channel.shape[2], kh, kw), dtype=grad.dtype)
    for i in range(kh):
        for j in range(kw):
            d_weight[:, :, i, j] = np.einsum("ncmhw,nchw->cm", per_channel, windows[:, :, :, :, i, j])
    return d_weight.reshape(-1, 1, kh, kw)


def _depthwise_input_grad(grad: np.ndarray, weight: np.ndarray, input_size: tuple, g: Geometry) -> np.ndarray:
    """d(depthwise)/d(input) applied to ``grad``: each offset's share added back where it was read."""
    n, _, out_h, out_w = grad.shape
    c, (kh, kw) = g.groups, weight.shape[2:]
    filters = weight.reshape(c, weight.shape[0] // c, kh, kw)
    per_channel = _blas_ready(grad).reshape(n, c, weight.shape[0] // c, out_h, out_w)  # (a broadcast grad: slow)
    # each offset's share computed as it is added (the kH * kW columns are never stored at once)
    return _add_back_per_offset(lambda i, j: np.einsum("ncmhw,cm->nchw", per_channel, filters[:, :, i, j]),
                                (n, c), (kh, kw), (out_h, out_w), input_size, grad.dtype, g)


# ---------------------------------------------------------------------------------------
# max pooling


def _pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * pad - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # PyTorch: the last window must start inside the input or its left padding
    return out


def pool_output_shape(input_size: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple,
                      ceil_mode: bool) -> tuple[int, int]:
    """(outH, outW) of a max or average pool over an (H, W) input."""
    return tuple(_pool_output_size(*dims, ceil_mode) for dims in zip(input_size, kernel, stride, padding, dilation))


def _pool_geometry(input_size: tuple, kernel, stride, padding, dilation, out_size: tuple) -> Geometry:
    """The padding a pool's windows read: ``padding`` before, and after only as much as the last
    window (in ceil_mode it may hang over the end) needs."""
    after = [max((out - 1) * s + d * (k - 1) + 1 - size - p, 0)
             for out, s, d, k, size, p in zip(out_size, stride, dilation, kernel, input_size, padding)]
    return Geometry(stride, (padding[0], after[0], padding[1], after[1]), dilation)


def max_pool2d(x: Tensor, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool):
    """(pooled output, int64 indices of the chosen elements within each H*W plane)."""
    indices = window_argmax(x._data, kernel, stride, padding, dilation, ceil_mode)
    return MaxPool2d.apply(x, indices=indices), Tensor._wrap(indices)


def window_argmax(x: np.ndarray, kernel, stride, padding, dilation, ceil_mode: bool) -> np.ndarray:
    """Where each window's maximum sits in its input plane (row * W + col), PyTorch's return_indices."""
    n, c, h, w = x.shape
    out_h, out_w = pool_output_shape((h, w), kernel, stride, padding, dilation, ceil_mode)
    geometry = _pool_geometry((h, w), kernel, stride, padding, dilation, (out_h, out_w))
    windows = _windows(x, kernel, geometry, fill=-np.inf)[:, :, :out_h, :out_w]  # -inf never wins a max
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
# average pooling


def avg_pool2d(x: Tensor, kernel: tuple, stride: tuple, padding: tuple, ceil_mode: bool, count_include_pad: bool,
               divisor_override: int | None) -> Tensor:
    """Each window's sum divided by its divisor: PyTorch's divisor is the window's size clipped to
    the padded input (``count_include_pad``) or to the input itself, unless ``divisor_override``."""
    input_size = x._data.shape[-2:]
    dilation = (1, 1)
    out_size = pool_output_shape(input_size, kernel, stride, padding, dilation, ceil_mode)
    if divisor_override is not None:
        divisor = np.full(out_size, divisor_override, dtype=x._data.dtype)
    else:
        # the divisor of window (i, j) is (its height) * (its width): one factor per axis
        heights, widths = (_window_lengths(*dims, count_include_pad)
                           for dims in zip(input_size, kernel, stride, padding, out_size))
        divisor = np.outer(heights, widths).astype(x._data.dtype)
    geometry = _pool_geometry(input_size, kernel, stride, padding, dilation, out_size)
    return AvgPool2d.apply(x, kernel=kernel, geometry=geometry, divisor=divisor)


def _as_batch(images: np.ndarray) -> np.ndarray:
    """(C, H, W) or (N, C, H, W) as (N, C, H, W): PyTorch pools unbatched images in the same node."""
    return images if images.ndim == 4 else images[None]


def _window_lengths(size: int, kernel: int, stride: int, pad: int, out: int, count_include_pad: bool) -> np.ndarray:
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)  # a ceil_mode window stops at the end of the padding
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Op):
    """out[n, c, i, j] = (sum of window (i, j)) / divisor[i, j]: linear in x, like a convolution
    with a kernel of ones, so its derivative spreads grad / divisor back over each window."""

    backward_name = "AvgPool2DBackward0"
    symbol = "avgpool"

    def forward(self, x, kernel: tuple, geometry: Geometry, divisor: np.ndarray):
        self.kernel, self.geometry, self.divisor = kernel, geometry, divisor
        self.input_size = x._data.shape[-2:]
        out_h, out_w = divisor.shape
        windows = _windows(_as_batch(x._data), kernel, geometry)[:, :, :out_h, :out_w]
        return (windows.sum(axis=(4, 5)) / divisor).reshape(x._data.shape[:-2] + divisor.shape)

    def backward(self, grad):
        return AvgPool2dTranspose.apply(grad, kernel=self.kernel, geometry=self.geometry, divisor=self.divisor,
                                        input_size=self.input_size)


class AvgPool2dTranspose(Op):
    """d(avg_pool2d)/d(input) applied to ``grad``: each window gets grad / divisor at every element."""

    backward_name = "AvgPool2DBackwardBackward0"

    def forward(self, grad, kernel: tuple, geometry: Geometry, divisor: np.ndarray, input_size: tuple):
        self.kernel, self.geometry, self.divisor = kernel, geometry, divisor
        share = _as_batch(grad._data / divisor)
        n, c, out_h, out_w = share.shape
        columns = np.broadcast_to(share[:, :, None, None], (n, c) + tuple(kernel) + (out_h, out_w))
        return _add_windows_back(columns, input_size, geometry).reshape(grad._data.shape[:-2] + tuple(input_size))

    def backward(self, upstream):
        return AvgPool2d.apply(upstream, kernel=self.kernel, geometry=self.geometry, divisor=self.divisor)


# ---------------------------------------------------------------------------------------
# linear maps along the last axes: adaptive average pooling, and padding that repeats pixels


class AxisMap(NamedTuple):
    """A linear map along one axis: output position i is the sum (``average``: the mean) of the
    input positions ``starts[i]`` to ``ends[i] - 1``, of an axis of ``size`` positions.

    Adaptive average pooling is such a map (one window per bin), and so are reflect, replicate
    and circular padding (windows of one position: the input position each output copies).
    """

    size: int
    starts: np.ndarray
    ends: np.ndarray
    average: bool


class AxisMaps(Op):
    """One `AxisMap` applied along each of x's last axes (``transposed``: their transposes).

    The derivative of a map is its transpose and the transpose's derivative the map again, so
    each op here names the two nodes it stands for. Only sums of the windows' own elements and
    copies are computed, never a product with a 0/1 matrix: an inf or nan stays in the outputs
    that read it (0 * inf would spread nan everywhere), as in PyTorch.
    """

    def forward(self, x, maps: tuple, transposed: bool, names: tuple[str, str]):
        self.maps, self.transposed, self.names = maps, transposed, names
        out = x._data
        for axis, m in enumerate(maps, start=out.ndim - len(maps)):
            out = _spread(out, axis, m) if transposed else _gather(out, axis, m)
        return np.ascontiguousarray(out)

    def backward(self, grad):
        return AxisMaps.apply(grad, maps=self.maps, transposed=not self.transposed, names=self.names[::-1])

    def name(self) -> str:
        return self.names[0]


def _gather(x: np.ndarray, axis: int, m: AxisMap) -> np.ndarray:
    lengths = m.ends - m.starts
    if (lengths == 1).all():
        return np.take(x, m.starts, axis=axis)  # padding: copies
    # Window sums with one reduceat over [s0, e0, s1, e1, ...] (every other result is a window);
    # a zero appended along the axis keeps an end at `size` a valid index.
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, 1)
    bounds = np.stack([m.starts, m.ends], axis=1).reshape(-1)
    sums = np.take(np.add.reduceat(np.pad(x, widths), bounds, axis=axis), np.arange(0, bounds.size, 2), axis=axis)
    if m.average:
        shape = [1] * x.ndim
        shape[axis] = lengths.size
        sums = sums / lengths.reshape(shape).astype(x.dtype)
    return sums


def _spread(g: np.ndarray, axis: int, m: AxisMap) -> np.ndarray:
    """The transpose of `_gather`: each output position's value added back over its window."""
    moved = np.moveaxis(g, axis, 0)
    out = np.zeros((m.size,) + moved.shape[1:], dtype=g.dtype)
    lengths = m.ends - m.starts
    if (lengths == 1).all():
        np.add.at(out, m.starts, moved)
    else:
        for i, (start, end) in enumerate(zip(m.starts, m.ends)):  # one per bin: a few, for pooling
            out[start:end] += moved[i] / g.dtype.type(end - start) if m.average else moved[i]
    return np.moveaxis(out, 0, axis)


def adaptive_pool_map(size: int, out: int) -> AxisMap:
    """Bin i averages input positions floor(i*size/out) to ceil((i+1)*size/out) - 1."""
    i = np.arange(out)
    return AxisMap(size, (i * size) // out, -(-((i + 1) * size) // out), average=True)


def padding_map(size: int, before: int, after: int, mode: str) -> AxisMap:
    """Which input position each padded position copies (``before + size + after`` of them)."""
    if mode == "circular":  # PyTorch crops (negative padding) first, then wraps around what is left
        lo, hi = max(-before, 0), size - max(-after, 0)
        sources = lo + np.arange(-max(before, 0), hi - lo + max(after, 0)) % (hi - lo)
    else:
        positions = np.arange(-before, size + after)
        if mode == "reflect":  # ... 2 1 | 0 1 2 ... n-1 | n-2 ... (the edge is not repeated)
            sources = np.abs(positions)
            sources = np.where(sources > size - 1, 2 * (size - 1) - sources, sources)
        else:  # replicate: the edge pixel, again and again
            sources = np.clip(positions, 0, size - 1)
    return AxisMap(size, sources, sources + 1, average=False)


class ConstantPadNd(Op):
    """Pad with a constant (negative padding crops); the derivative crops the padding away again,
    which is padding by the negated amounts, as PyTorch computes it."""

    symbol = "pad"

    def forward(self, x, pairs: tuple, value):
        self.pairs = pairs
        return pad_or_crop(x._data, pairs, value)

    def backward(self, grad):
        return ConstantPadNd.apply(grad, pairs=tuple((-a, -b) for a, b in self.pairs), value=0)


def pad_or_crop(x: np.ndarray, pairs: tuple, value) -> np.ndarray:
    """``pairs[k] = (before, after)`` for the last len(pairs) axes; a negative amount removes elements."""
    pairs = ((0, 0),) * (x.ndim - len(pairs)) + tuple(pairs)
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(pairs, x.shape))
    widths = tuple((max(a, 0), max(b, 0)) for a, b in pairs)
    return np.pad(x[crop], widths, constant_values=value)


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
