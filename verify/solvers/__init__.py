"""One module per solving method, each behind the :class:`~.base.GroupSolver` protocol.

Which solver runs when is not decided here but in :mod:`sparsecert.verify.portfolio`.
"""
