"""Say once which optional extra to install when a slower path is taken for want of it.

Without highspy (the ``solvers`` extra) boxes and balls go to Z3 alone and large cubes to the
compiled branch and bound (numba) or Z3: the same ball ``maxact`` took 30 s and stayed
unproved without it, 1.3 s proved with it. Without numba (the
``fast`` extra) the compiled branch and bound, annealing and counting kernels are not offered.
"""

from __future__ import annotations

import logging

from .solvers.cube_bnb import HAVE_NUMBA
from .backends.highs import HAVE_HIGHS

log = logging.getLogger("sparsecert")
_said = False


def missing_extras() -> list[str]:
    """The extras whose backends are missing: 'solvers' (HiGHS), 'fast' (numba)."""
    return [name for name, have in (("solvers", HAVE_HIGHS), ("fast", HAVE_NUMBA)) if not have]


def notice_missing_extras() -> None:
    """Log one warning per process naming the extras to install, if any is missing."""
    global _said
    if _said:
        return
    _said = True
    missing = missing_extras()
    if missing:
        log.warning("sparsecert: slower exact paths are used because %s; pip install 'sparsecert[%s]' for the"
                    " fast ones", " and ".join({"solvers": "highspy (HiGHS) is not installed",
                                                "fast": "numba is not installed"}[m] for m in missing),
                    ",".join(missing))
