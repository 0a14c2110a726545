"""Pipeline steps: each a ``run(params, ctx) -> XResult`` in the skeleton of :mod:`.skeleton`.

Shared by the command line, pipeline files, notebooks and the Python API.
"""
