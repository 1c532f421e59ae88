"""The tensor ops, one module per family. Importing this package registers them all."""

from chainrule.ops import pointwise, reduce, shape, index, inplace, linalg, softmax  # noqa: F401
