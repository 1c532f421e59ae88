"""Tools for testing derivatives.

* `chainrule.testing.op_table`: every tensor op with a NumPy reference, a domain to sample
  from and the properties that hold for it; it drives chainrule's own trust suite.
* `chainrule.testing.recording`: remember what each graph node was applied to and where
  user code made it (how `chainrule.autograd.gradcheck` finds the op to blame).
"""
