"""Op-table entries for the image ops of chainrule.nn.functional: average pooling, padding
modes and grouped convolution (PyTorch is the reference)."""

from __future__ import annotations

from chainrule.testing.op_table import OpSpec, _functional, distinct

_IMAGE = ((1, 2, 5, 5),)

OPS = [
    OpSpec("avg_pool2d", lambda lib, x: _functional(lib).avg_pool2d(x, 2), None, shapes=(_IMAGE,),
           needs=("nn.functional.avg_pool2d",)),
    OpSpec("avg_pool2d_padded", lambda lib, x: _functional(lib).avg_pool2d(
        x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), None, shapes=(_IMAGE,),
        needs=("nn.functional.avg_pool2d",)),
    OpSpec("adaptive_avg_pool2d", lambda lib, x: _functional(lib).adaptive_avg_pool2d(x, (2, 3)), None,
           shapes=(_IMAGE,), needs=("nn.functional.adaptive_avg_pool2d",)),
    OpSpec("pad_reflect", lambda lib, x: _functional(lib).pad(x, (1, 2, 2, 1), mode="reflect"), None,
           shapes=(_IMAGE,), needs=("nn.functional.pad",)),
    OpSpec("pad_replicate", lambda lib, x: _functional(lib).pad(x, (2, 0, 1, 3), mode="replicate"), None,
           shapes=(_IMAGE,), needs=("nn.functional.pad",)),
    OpSpec("pad_circular", lambda lib, x: _functional(lib).pad(x, (1, 1, 2, 0), mode="circular"), None,
           shapes=(_IMAGE,), needs=("nn.functional.pad",), tags=frozenset({"grad_fn_name_differs_by_design"})),
    OpSpec("pad_constant", lambda lib, x: _functional(lib).pad(x, (1, 0, 0, 2), value=0.5), None,
           shapes=(_IMAGE,), needs=("nn.functional.pad",)),
    OpSpec("conv2d_grouped", lambda lib, x, w, b: _functional(lib).conv2d(x, w, b, padding=1, groups=2), None,
           shapes=(((2, 4, 4, 4), (6, 2, 3, 3), (6,)),), needs=("nn.functional.conv2d",)),
    OpSpec("conv2d_depthwise", lambda lib, x, w: _functional(lib).conv2d(x, w, stride=2, groups=3), None,
           shapes=(((1, 3, 5, 5), (3, 1, 2, 2)),), needs=("nn.functional.conv2d",)),
    OpSpec("max_pool2d_padded", lambda lib, x: _functional(lib).max_pool2d(x, 3, stride=2, padding=1), None,
           shapes=(_IMAGE,), domains=(distinct(),), needs=("nn.functional.max_pool2d",)),
]
