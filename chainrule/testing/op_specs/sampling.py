"""Op-table entries for ops that sample: only their deterministic settings can be compared with
PyTorch (its random streams are not chainrule's)."""

from __future__ import annotations

from chainrule.testing.op_table import OpSpec

OPS = [
    # torch.dropout with p = 0 keeps every element (and still passes the gradient through)
    OpSpec("dropout", lambda lib, x: lib.dropout(x, 0.0, True) * 2.0, lambda x: x * 2.0, shapes=(((3, 4),),)),
]
