"""One exception tree for the whole toolkit.

Every error raised on purpose by sparsecert derives from :class:`SparsecertError`,
so callers (and the CLI, which turns them into exit status 2) can catch one class.
Where a built-in category fits, the class also derives from it (``ValueError``,
``TypeError``), so code written against plain Python still works.
Messages say what is wrong, show the bad value, and say what to do.
"""

from __future__ import annotations


class SparsecertError(Exception):
    """Base class of every error sparsecert raises on purpose."""


class InvalidArgument(SparsecertError, ValueError):
    """An argument has the wrong value: k out of range, tau not finite, bad option."""


class ShapeError(InvalidArgument):
    """Arrays whose shapes disagree (weights against biases, a point against a domain)."""


class NonFiniteError(InvalidArgument):
    """NaN or infinity where a finite number is required."""


class UnsupportedActivation(InvalidArgument):
    """An activation name sparsecert does not know, or cannot encode exactly where asked."""


class DomainError(InvalidArgument):
    """A domain that is empty, of the wrong dimension, or otherwise unusable."""


class ModelFormatError(SparsecertError, ValueError):
    """A file that is not a model sparsecert can read (wrong format, missing keys, corrupt)."""


class UnsupportedLayer(ModelFormatError):
    """A layer or graph node that the loader cannot translate; the message names it."""


class MissingDependency(SparsecertError, ImportError):
    """An optional dependency (an extra) is needed for this call and is not installed."""


class SolverError(SparsecertError, RuntimeError):
    """A solver backend failed in a way that is not a timeout (timeouts give Unknown)."""


class SoundnessError(SparsecertError, AssertionError):
    """An internal cross-check failed: a claimed witness or proof did not re-check.

    This is never expected; it is raised instead of reporting an unproved answer.
    """
