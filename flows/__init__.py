"""The call-flow app: a pure-Python graph model (graph, findings, layout, trace, outline, svg)
and the canvas views. Only views.py, urls.py and models.py know about Django."""
