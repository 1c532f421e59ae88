"""`torch.utils`: `chainrule.utils.data` is `chainrule.data`, so `from torch.utils.data import DataLoader` ports."""

import sys

from chainrule import data

sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
