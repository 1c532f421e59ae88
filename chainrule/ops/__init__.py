"""The tensor ops, one module per family. Importing this package registers them all.

Every module in this package is imported, so a new op family is one new file.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from chainrule.ops import pointwise, reduce, shape, index, inplace, linalg, softmax  # noqa: F401

for _module in _pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        _importlib.import_module(f"{__name__}.{_module.name}")
