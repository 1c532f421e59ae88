"""`chainrule.nn.functional`: the layers and losses as functions (``import ... as F``).

This module checks arguments and raises PyTorch's errors; the arithmetic is in ops.
Where PyTorch records one graph node (``linear`` -> AddmmBackward0, ``mse_loss`` ->
MseLossBackward0, layer and batch norm, leaky_relu, silu, the losses) chainrule does too:
those ops are in `chainrule.nn._fused_ops`. Convolution, pooling and embedding lookup are
in `chainrule.nn.conv_ops`, because composing them from small ops would loop over pixels.
The rest (dropout, label smoothing, probability targets) are compositions of tensor ops.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from chainrule._tensor import Tensor
from chainrule.autograd.grad_mode import no_grad
from chainrule.nn import _fused_ops, conv_ops
from chainrule.ops._operands import promote
from chainrule.ops.reduce import scalar_type_name

# ---------------------------------------------------------------------------------------
# activations


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else input.relu()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    return input.gelu(approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish), one graph node as in PyTorch.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.silu(cr.tensor([-1.0, 0.0, 2.0], requires_grad=True))
    tensor([-0.2689,  0.0000,  1.7616], grad_fn=<SiluBackward0>)
    """
    _require_float(input, "silu")
    return _fused_ops.Silu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope * x``.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.leaky_relu(cr.tensor([-1.0, 0.0, 2.0], requires_grad=True), 0.1)
    tensor([-0.1000,  0.0000,  2.0000], grad_fn=<LeakyReluBackward0>)
    """
    _require_float(input, "leaky_relu")
    return _fused_ops.LeakyRelu.apply(input, negative_slope=negative_slope)


def _require_float(input: Tensor, name: str, kernel: str | None = None) -> None:
    """Refuse integer input as PyTorch does, naming its kernel (``name``_cpu unless given)."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel or name + "_cpu"}" not implemented for '
                                  f"'{scalar_type_name(input._data.dtype)}': convert the input to floating point "
                                  f"first, e.g. {name}(x.float())")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return input.softplus(beta=beta, threshold=threshold)


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably (the tensor engine's softmax)."""
    return input.softmax(_softmax_dim(input, dim, "softmax"), dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    return input.log_softmax(_softmax_dim(input, dim, "log_softmax"), dtype=dtype)


def _softmax_dim(input: Tensor, dim: int | None, name: str) -> int:
    if dim is not None:
        return dim
    # PyTorch's legacy rule (with a deprecation warning): dim 0 for 0-, 1- and 3-d input, else 1.
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if input.dim() in (0, 1, 3) else 1


# ---------------------------------------------------------------------------------------
# layers


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: the affine map of `nn.Linear`.

    With a bias it is one ``addmm`` node, as in PyTorch (other input ranks are viewed as rows):

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.linear(cr.ones(2, 3), cr.ones(4, 3, requires_grad=True), cr.zeros(4))
    tensor([[3., 3., 3., 3.],
            [3., 3., 3., 3.]], grad_fn=<AddmmBackward0>)
    """
    if input.shape[-1:] != weight.shape[-1:]:
        rows = int(np.prod(input.shape[:-1])) if input.dim() > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1] if input.dim() else 1} and "
            f"{weight.shape[-1]}x{weight.shape[0]}): linear expects input's last dimension to equal "
            f"in_features={weight.shape[-1]}"
        )
    if _fits_addmm(input, weight, bias):
        # PyTorch's kernel: one addmm node (AddmmBackward0) on the rows, then a view back.
        rows = input.reshape((-1, input.shape[-1])) if input.dim() != 2 else input
        out = _fused_ops.Addmm.apply(bias, rows, weight)
        return out if input.dim() == 2 else out.reshape(tuple(input.shape[:-1]) + (weight.shape[0],))
    out = input.matmul(weight.transpose(0, 1)) if weight.dim() == 2 else input.matmul(weight)
    return out + bias if bias is not None else out


def _fits_addmm(input: Tensor, weight: Tensor, bias: Tensor | None) -> bool:
    """A bias, a 2-D weight and float operands of one dtype (the rest takes the matmul path)."""
    if bias is None or weight.dim() != 2 or input.dim() == 0 or bias.dim() > 1:
        return False
    dtype = input._data.dtype
    return dtype.kind == "f" and weight._data.dtype == dtype and bias._data.dtype == dtype


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (when training).

    The mask comes from chainrule's default generator, so ``manual_seed`` makes it repeatable.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    from chainrule.random import _rng

    keep = _rng(None).random(input.shape) >= p
    mask = Tensor._wrap((keep / (1.0 - p)).astype(input._data.dtype))
    return input * mask


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions to mean 0, variance 1.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.layer_norm(cr.tensor([[1.0, 2.0, 3.0]], requires_grad=True), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]], grad_fn=<NativeLayerNormBackward0>)
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    if tuple(input.shape[input.dim() - len(shape):]) != shape or len(shape) > input.dim():
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    axes = tuple(range(input.dim() - len(shape), input.dim()))
    weight, bias = _affine_or_identity(input, weight, bias, shape)
    return _fused_ops.NativeLayerNorm.apply(input, weight, bias, axes=axes, eps=eps)


def _affine_or_identity(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                        shape: tuple) -> tuple[Tensor, Tensor]:
    """weight and bias reshaped to ``shape``; a missing one becomes a constant 1 or 0."""
    dtype = input._data.dtype if input._data.dtype.kind == "f" else np.float32
    weight = weight.reshape(shape) if weight is not None else Tensor._wrap(np.ones((), dtype=dtype))
    bias = bias.reshape(shape) if bias is not None else Tensor._wrap(np.zeros((), dtype=dtype))
    return weight, bias


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dimension 1) over the batch and the other dimensions (length, height, width).

    When training, the batch's statistics normalise and the running estimates move toward
    them (the variance estimate is unbiased, as in PyTorch); in eval mode the running
    estimates normalise.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.batch_norm(cr.tensor([[1.0], [3.0]], requires_grad=True), None, None, training=True)
    tensor([[-1.0000],
            [ 1.0000]], grad_fn=<NativeBatchNormBackward0>)
    """
    if input.dim() < 2:
        n = max(input.dim(), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got 1): "
                         "batch_norm normalises the channels, dimension 1 of (N, C, ...) input")
    axes = (0,) + tuple(range(2, input.dim()))
    channels = input.shape[1]
    channel_shape = (1, channels) + (1,) * (input.dim() - 2)
    count = int(np.prod(input.shape)) // channels if channels else 0
    if training and count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    if not training and (running_mean is None or running_var is None):
        name = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{name} must be defined in evaluation mode")
    per_channel = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    for name, t in per_channel.items():
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    if count == 0:
        return input.clone()  # nothing to normalise, no statistics to update (PyTorch's shortcut)
    weight, bias = _affine_or_identity(input, weight, bias, channel_shape)
    if not training:
        # a copy of the running statistics: later training steps update them in place
        mean, var = (np.array(t._data.reshape(channel_shape)) for t in (running_mean, running_var))
        return _fused_ops.NativeBatchNormEval.apply(input, weight, bias, mean=mean, var=var, eps=eps)
    out = _fused_ops.NativeBatchNorm.apply(input, weight, bias, axes=axes, eps=eps)
    if running_mean is not None and running_var is not None:
        with no_grad():
            data = input._data
            mean = data.mean(axis=axes)
            unbiased = data.var(axis=axes) * count / (count - 1)
            running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
            running_var._data[...] = (1 - momentum) * running_var._data + momentum * unbiased
            running_mean._bump_version()
            running_var._bump_version()
    return out


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``; row ``padding_idx`` gets no gradient."""
    if input._data.dtype.kind not in "iu":
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.dtype} instead (while checking arguments for embedding)"
        )
    rows = weight.shape[0]
    if input.numel() and (input._data.min() < 0 or input._data.max() >= rows):
        raise IndexError(f"index out of range in self: embedding indices must be in [0, {rows - 1}], "
                         f"got values from {input._data.min()} to {input._data.max()}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += rows
    return conv_ops.EmbeddingLookup.apply(weight, indices=input._data, padding_idx=padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    if tensor._data.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    classes = int(tensor._data.max()) + 1 if num_classes == -1 else num_classes
    if tensor.numel() and (tensor._data.min() < 0 or tensor._data.max() >= classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap(np.eye(classes, dtype=np.int64)[tensor._data])


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) input with (O, C / groups, kH, kW) weight, as
    `torch.nn.functional.conv2d`. With ``groups`` the channels split into that many groups,
    each convolved with its own O / groups filters (``groups == C`` is depthwise convolution).

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.conv2d(cr.ones(1, 1, 3, 3, requires_grad=True), cr.ones(1, 1, 2, 2), cr.tensor([0.5]))
    tensor([[[[4.5000, 4.5000],
              [4.5000, 4.5000]]]], grad_fn=<ConvolutionBackward0>)
    >>> F.conv2d(cr.ones(1, 2, 3, 3), cr.tensor([1.0, 2.0]).reshape(2, 1, 1, 1), groups=2)[0, :, 0, 0]
    tensor([1., 2.])
    """
    batched = input.dim() == 4
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"{list(input.shape)}")
    x = input if batched else input.unsqueeze(0)  # as PyTorch: the output of unbatched input is squeezed
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    _check_conv_shapes(x, weight, bias, groups)
    if x.dtype != weight.dtype:
        raise RuntimeError(f"conv2d: expected input and weight of the same dtype, but got {x.dtype} and "
                           f"{weight.dtype}; convert one with .to(), e.g. x.to({weight.dtype})")
    padding = _conv_padding(padding, weight.shape[2:], stride, dilation)
    if min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    operands = (x, weight) if bias is None else (x, weight, bias)
    out = conv_ops.Conv2d.apply(*operands, geometry=conv_ops.Geometry(stride, padding, dilation, groups))
    return out if batched else out.squeeze(0)


def _check_conv_shapes(x: Tensor, weight: Tensor, bias: Tensor | None, groups: int) -> None:
    """PyTorch's checks: O filters split evenly into the groups, C / groups channels each, one bias per filter."""
    if weight.dim() != 4:
        raise RuntimeError(f"conv2d: expected a 4-d weight (out_channels, in_channels / groups, kH, kW), got size "
                           f"{list(weight.shape)}")
    if weight.shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(weight.shape)} instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
                           f"weight of size [{list(weight.shape)}] instead")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} to have "
            f"{weight.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead")


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of 2 values to match the "
                           f"convolution dimensions, but got {name}={list(pair)}")
    if not all(isinstance(v, numbers.Integral) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def _conv_padding(padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zero padding; 'same' puts the odd extra pixel at the end, as PyTorch."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    if isinstance(padding, str):
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    ph, pw = _pair(padding, "padding")
    return (ph, ph, pw, pw)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """The largest value of each window; the gradient flows to that element only."""
    kernel, stride, padding, dilation = _pool_arguments("max_pool2d", kernel_size, stride, padding, dilation)
    if input.dim() not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    _check_pool_output(input, kernel, stride, padding, dilation, ceil_mode)
    x = input if input.dim() == 4 else input.reshape((1,) + tuple(input.shape))
    out, indices = conv_ops.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    if input.dim() == 3:
        out = out.reshape(tuple(out.shape[1:]))
        indices = indices.reshape(tuple(indices.shape[1:]))
    return (out, indices) if return_indices else out


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each ``kernel_size`` window (stride defaults to the kernel size).

    Windows that overlap the zero padding divide by their full size unless
    ``count_include_pad=False``; ``divisor_override`` replaces every divisor.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.avg_pool2d(cr.arange(16.0).reshape(1, 1, 4, 4).requires_grad_(), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]], grad_fn=<AvgPool2DBackward0>)
    """
    kernel, stride, padding, dilation = _pool_arguments("avg_pool2d", kernel_size, stride, padding, 1)
    if divisor_override is not None:
        if not isinstance(divisor_override, numbers.Integral) or isinstance(divisor_override, bool):
            raise TypeError(f"avg_pool2d(): argument 'divisor_override' must be int, not "
                            f"{type(divisor_override).__name__}")
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    if input.dim() not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(input.shape)}")
    _require_float(input, "avg_pool2d", kernel="avg_pool2d")
    _check_pool_output(input, kernel, stride, padding, dilation, ceil_mode)
    return conv_ops.avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)


_POOL_ARGUMENT_FORMS = {
    "kernel_size": "kernel_size must either be a single int, or a tuple of two ints",
    "stride": "stride must either be omitted, a single int, or a tuple of two ints",
    "padding": "padding must either be a single int, or a tuple of two ints",
    "dilation": "dilation must be either a single int, or a tuple of two ints",
}


def _pool_arguments(op: str, kernel_size, stride, padding, dilation) -> tuple:
    """(kernel, stride, padding, dilation) as (h, w) pairs, checked in PyTorch's order with its messages."""

    def pair(value, name: str) -> tuple[int, int]:
        values = (value,) if isinstance(value, numbers.Integral) else tuple(value)
        if len(values) not in (1, 2):
            raise RuntimeError(f"{op}: {_POOL_ARGUMENT_FORMS[name]}")
        for v in values:
            if not isinstance(v, numbers.Integral) or isinstance(v, bool):
                raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(v).__name__}")
        return (int(values[0]), int(values[-1]))

    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else pair(stride, "stride")
    padding, dilation = pair(padding, "padding"), pair(dilation, "dilation")
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    for p, k, d in zip(padding, kernel, dilation):
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                               f"and dilation={d}")
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    return kernel, stride, padding, dilation


def _check_pool_output(input: Tensor, kernel, stride, padding, dilation, ceil_mode: bool) -> None:
    """Refuse (3-d or 4-d) input that is empty or whose pooled output would have no pixel."""
    if 0 in input.shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(input.shape)}")
    channels, height, width = input.shape[-3:]
    out_h, out_w = conv_ops.pool_output_shape((height, width), kernel, stride, padding, dilation, ceil_mode)
    if out_h < 1 or out_w < 1:
        raise RuntimeError(f"Given input size: ({channels}x{height}x{width}). Calculated output size: "
                           f"({channels}x{out_h}x{out_w}). Output size is too small")


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over ``output_size`` bins that tile the image: bin i of n spans rows
    floor(i H / n) to ceil((i + 1) H / n), so bins overlap when n does not divide H.
    ``None`` in ``output_size`` keeps that dimension's size.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.adaptive_avg_pool2d(cr.arange(10.0).reshape(1, 2, 5).requires_grad_(), (1, 2))
    tensor([[[3.5000, 5.5000]]], grad_fn=<AdaptiveAvgPool2DBackward0>)
    """
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    for dim in range(1, input.dim()):
        if input.shape[dim] == 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {list(input.shape)} with dimension {dim} being empty")
    sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) else tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    out_h, out_w = (size if out is None else int(out) for out, size in zip(sizes, input.shape[-2:]))
    if out_h < 0 or out_w < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{out_h}, {out_w}}}")
    _require_float(input, "adaptive_avg_pool2d", kernel="adaptive_avg_pool2d")
    if (out_h, out_w) == (1, 1):
        return input.mean((-1, -2), keepdim=True)  # PyTorch's shortcut (a MeanBackward1 node)
    maps = (conv_ops.adaptive_pool_map(input.shape[-2], out_h), conv_ops.adaptive_pool_map(input.shape[-1], out_w))
    return conv_ops.AxisMaps.apply(input, maps=maps, transposed=False,
                                   names=("AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0"))


_PAD_NODE_NAMES = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0",
                   "circular": "CircularPad{}DBackward0"}


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions: ``pad`` is (left, right) for the last dimension,
    then (top, bottom) for the one before, and so on, as in PyTorch.

    ``mode`` is 'constant' (``value``, default 0; negative padding crops), 'reflect' (mirror
    at the edge, without repeating it), 'replicate' (repeat the edge) or 'circular' (wrap
    around); the last three pad 1 to 3 dimensions of a (batch of) 1-d, 2-d or 3-d inputs.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> x = cr.tensor([[[0.0, 1.0, 2.0]]])
    >>> F.pad(x, (2, 1)), F.pad(x, (2, 1), mode="reflect"), F.pad(x, (2, 1), mode="circular")
    (tensor([[[0., 0., 0., 1., 2., 0.]]]), tensor([[[2., 1., 0., 1., 2., 1.]]]), tensor([[[1., 2., 0., 1., 2., 0.]]]))
    """
    if isinstance(pad, Tensor):
        raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, not Tensor")
    for position, amount in enumerate(pad):
        if not isinstance(amount, numbers.Integral) or isinstance(amount, bool):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(amount).__name__} at pos {position}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    dims = len(pad) // 2
    if dims > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    # (before, after) per padded dimension, first to last: PyTorch lists the last dimension first
    pairs = tuple((int(pad[2 * k]), int(pad[2 * k + 1])) for k in reversed(range(dims)))
    if mode == "constant":
        for dim, (before, after) in enumerate(pairs, start=input.dim() - dims):
            if input.shape[dim] + min(before, 0) + min(after, 0) < 0:  # PyTorch crops first (narrow), then pads
                raise RuntimeError(f"narrow(): length must be non-negative. (Padding {before} and {after} would crop "
                                   f"more than the {input.shape[dim]} elements of dimension {dim}.)")
        return conv_ops.ConstantPadNd.apply(input, pairs=pairs, value=0 if value is None else value)
    if mode not in _PAD_NODE_NAMES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if dims not in (1, 2, 3) or input.dim() not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if 0 in input.shape[1:]:
        raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(input.shape)}")
    padded_dims = range(input.dim() - dims, input.dim())
    for dim, (before, after) in reversed(list(zip(padded_dims, pairs))):  # PyTorch checks the last one first
        size = input.shape[dim]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #{2 * (input.dim() - dim) + 2}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({before}, {after}) at dimension "
                               f"{dim} of input {list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    maps = tuple(conv_ops.padding_map(input.shape[dim], before, after, mode)
                 for dim, (before, after) in zip(padded_dims, pairs))
    # PyTorch builds circular padding from slices (a CopySlices node); chainrule's one node gets a name like the others'
    name = _PAD_NODE_NAMES[mode].format(dims)
    return conv_ops.AxisMaps.apply(input, maps=maps, transposed=False,
                                   names=(name, name.replace("Backward0", "BackwardBackward0")))


# ---------------------------------------------------------------------------------------
# losses

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_if_broadcast(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=3,
        )


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)²).

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.mse_loss(cr.tensor([-1.0, 0.0, 2.0], requires_grad=True), cr.zeros(3))
    tensor(1.6667, grad_fn=<MseLossBackward0>)
    """
    _check_reduction(reduction)
    _warn_if_broadcast(input, target)
    return _fused_ops.MseLoss.apply(*promote(input, target, op="mse_loss"), reduction=reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|input - target|)."""
    _check_reduction(reduction)
    _warn_if_broadcast(input, target)
    return _reduce((input - target).abs(), reduction)


def _check_targets(input: Tensor, target: Tensor) -> None:
    if input.dim() == 0:
        raise ValueError("Expected input to have at least 1 dimension (the classes), got a 0-d tensor")
    batch_shape = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.dim() > 1 else ()
    if tuple(target.shape) != batch_shape:
        if input.dim() > 1 and target.dim() >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
            )
        raise RuntimeError(f"Expected target of shape {list(batch_shape)} for input of shape {list(input.shape)}, "
                           f"got target of shape {list(target.shape)}")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes, given log-probabilities ``input`` (N, C, ...).

    With ``reduction='mean'`` the sum is divided by the total weight of the non-ignored
    targets (their count without ``weight``), as in PyTorch.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> logits = cr.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], requires_grad=True)
    >>> F.nll_loss(logits.log_softmax(1), cr.tensor([0, 2]))
    tensor(0.1755, grad_fn=<NllLossBackward0>)
    """
    _check_reduction(reduction)
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.name.capitalize()}")
    _check_targets(input, target)
    classes = input.shape[1] if input.dim() > 1 else input.shape[0]
    labels = target._data.reshape(-1)
    valid = labels != ignore_index
    out_of_range = valid & ((labels < 0) | (labels >= classes))
    if out_of_range.any():
        raise IndexError(f"Target {labels[out_of_range][0]} is out of bounds.")
    safe_labels = np.where(valid, labels, 0)
    per_class = np.ones(classes, dtype=input._data.dtype) if weight is None else weight._data.astype(input._data.dtype)
    sample_weight = np.where(valid, per_class[safe_labels], 0).astype(input._data.dtype)
    shape = tuple(target.shape)
    if input.dim() in (2, 4) or input.dim() < 2:
        return _fused_ops.NllLoss.apply(input, labels=safe_labels.reshape(shape), sample_weight=sample_weight.reshape(shape),
                                        valid=valid.reshape(shape), reduction=reduction)
    # PyTorch's 2-d kernel: other (N, C, d1, ...) inputs are viewed as (N, C, d1, rest).
    image = (shape[0], shape[1], int(np.prod(shape[2:], dtype=np.int64)))
    loss = _fused_ops.NllLoss.apply(input.reshape((image[0], classes) + image[1:]), labels=safe_labels.reshape(image),
                                    sample_weight=sample_weight.reshape(image), valid=valid.reshape(image),
                                    reduction=reduction)
    return loss.reshape(shape) if reduction == "none" else loss


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy from raw scores (logits): ``nll_loss(log_softmax(input, 1), target)``.

    ``target`` holds class indices (N,) or class probabilities (N, C). log_softmax
    subtracts the row maximum before exponentiating, so large logits do not overflow.
    With ``label_smoothing`` ε the target is mixed with the uniform distribution:
    (1 - ε) * nll + ε * mean over classes of -log p, PyTorch's formula.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> logits = cr.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, cr.tensor([0, 2]))
    >>> loss, loss.grad_fn.next_functions[0][0].name()
    (tensor(0.1755, grad_fn=<NllLossBackward0>), 'LogSoftmaxBackward0')
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 1 if input.dim() > 1 else 0
    log_probs = input.log_softmax(class_dim)
    classes = input.shape[class_dim]
    weight_shape = [1] * input.dim()
    weight_shape[class_dim] = classes
    if target._data.dtype.kind == "f":
        return _soft_cross_entropy(log_probs, target, weight, weight_shape, class_dim, reduction, label_smoothing)
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.name.capitalize()}")
    nll = nll_loss(log_probs, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    ignored = Tensor._wrap(target._data == ignore_index)
    weighted = log_probs if weight is None else log_probs * weight.reshape(tuple(weight_shape))
    smooth = (-weighted.sum(class_dim)).masked_fill(ignored, 0.0)
    if reduction == "mean":
        valid_labels = target._data[target._data != ignore_index]
        total = valid_labels.size if weight is None else weight._data[valid_labels].sum()
        smooth = smooth.sum() / float(total)
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def _soft_cross_entropy(log_probs: Tensor, target: Tensor, weight, weight_shape, class_dim: int,
                        reduction: str, label_smoothing: float) -> Tensor:
    if target.shape != log_probs.shape:
        raise RuntimeError(f"cross_entropy: probability targets must have the input's shape {list(log_probs.shape)}, "
                           f"got {list(target.shape)}")
    classes = log_probs.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = log_probs * target
    if weight is not None:
        terms = terms * weight.reshape(tuple(weight_shape))
    losses = -terms.sum(class_dim)
    if reduction == "mean":  # over samples (not weights), as PyTorch; an empty batch gives nan
        samples = log_probs.numel() // classes
        return losses.sum() / samples if samples else losses.sum() * float("nan")
    return _reduce(losses, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities ``input``; logs are clamped at -100, as PyTorch.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.binary_cross_entropy(cr.tensor([0.9, 0.2], requires_grad=True), cr.tensor([1.0, 0.0]))
    tensor(0.1643, grad_fn=<BinaryCrossEntropyBackward0>)
    """
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )
    if input.numel() and (input._data.min() < 0 or input._data.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    input, target = promote(input, target, op="binary_cross_entropy")
    weight = _constant_one(input) if weight is None else weight
    return _fused_ops.BinaryCrossEntropy.apply(input, target, weight, reduction=reduction)


def _constant_one(like: Tensor) -> Tensor:
    """A 0-d 1 in ``like``'s dtype: the weight of a loss called without one."""
    return Tensor._wrap(np.ones((), dtype=like._data.dtype))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy on logits, stable for any logit size.

    -log σ(x) = max(-x, 0) + log(1 + e^{-|x|}) never exponentiates a positive number.

    >>> import chainrule as cr, chainrule.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(cr.tensor([1000.0, -2.0], requires_grad=True), cr.tensor([0.0, 0.0]))
    tensor(500.0635, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)
    """
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    input, target = promote(input, target, op="binary_cross_entropy_with_logits")
    weight = _constant_one(input) if weight is None else weight
    pos_weight = _constant_one(input) if pos_weight is None else pos_weight
    return _fused_ops.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction=reduction)
