"""More op-table entries, one module per op family; each module defines ``OPS: list[OpSpec]``.

`chainrule.testing.op_table.OPS` includes them all (in module-name order).
"""
