"""Tools for testing derivatives: the op table that drives chainrule's own trust suite.

`chainrule.testing.op_table` lists every tensor op with a NumPy reference, a domain to
sample from and the properties that hold for it. `chainrule.autograd.gradcheck` is the
user-facing checker.
"""
