"""Seeing a graph: drawings (`chainrule.viz.dot`), the chain rule in words
(`chainrule.viz.explain`) and the interactive explorer (`chainrule.viz.html`).

All of them read a graph through the node protocol of `chainrule.graph`, so they
work for `Value` and `Tensor` graphs alike, and none of them changes the graph.
"""
