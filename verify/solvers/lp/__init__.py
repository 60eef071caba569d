"""The LP branch and bound: safe dual bounds, relaxation rows, conflicts and propagation."""
