"""PNG plots of a :class:`~properties.profile.Profile` (the optional matplotlib extra).

Figures are drawn on the Agg canvas directly (no pyplot, no global state, no display).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sparsecert.sparse_models.errors import InvalidArgument, MissingDependency

from .profile import Profile


def _figure():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency("plots need matplotlib: pip install 'sparsecert[plot]'"
                                " (or drop --plots)") from None
    fig = Figure(figsize=(7.0, 4.0), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def write_plots(profile: Profile, directory: "str | os.PathLike[str]") -> list[Path]:
    """Write rates.png, active_counts.png and, with a spectrum, spectrum.png, influences.png, bounds.png."""
    _figure()  # fail early, before creating the directory, when matplotlib is missing
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise InvalidArgument(f"--plots {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    st = profile.stats
    kind = "exact" if st.exact else f"sampled, N={st.points}"

    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(np.arange(st.s), st.rates, color="tab:blue")
    if st.rate_intervals is not None:
        iv = st.rate_intervals
        ax.errorbar(np.arange(st.s), st.rates, yerr=[st.rates - iv.lower, iv.upper - st.rates], fmt="none",
                    ecolor="black", lw=0.7)
    ax.set(xlabel="hidden unit i", ylabel="p_i = P[unit i active]", title=f"activation rates ({kind})")
    written.append(_save(fig, out / "rates.png"))

    fig = _figure()
    ax = fig.add_subplot()
    dist = st.count_distribution()
    top = int(np.max(np.flatnonzero(dist))) if dist.any() else 0
    ax.bar(np.arange(top + 1), dist[: top + 1], color="tab:green")
    ax.axvline(st.max_active, color="red", ls="--",
               label=f"max {st.max_active} ({'exact' if st.max_is_exact else 'lower bound'})")
    ax.axvline(st.mean_active, color="black", ls=":", label=f"E|A| = {st.mean_active:.3g}")
    ax.set(xlabel="|A(x)|, number of active units", ylabel="fraction of points", title=f"active count ({kind})")
    ax.legend()
    written.append(_save(fig, out / "active_counts.png"))

    if profile.spectrum is not None:
        sp = profile.spectrum
        fig = _figure()
        ax = fig.add_subplot()
        d = np.arange(sp.n + 1)
        floor = 1e-13 * sp.energy  # float64 round-off of the WHT: smaller weights are numerically 0
        w = sp.weights_by_degree
        ax.bar(d, np.where(w > floor, w, np.nan), color="tab:purple", label="W^{=d}")
        tails = sp.tail_weights
        ax.plot(d, np.where(tails > floor, tails, np.nan), "k.-", label="W^{>d}")
        if profile.theory is not None:
            ax.plot(d, sp.total_influence / (d + 1), "r--", label="I/(d+1) (Lemma B)")
        ax.set_yscale("log")
        ax.set(xlabel="degree d", ylabel="Fourier weight", title=f"spectrum of {profile.output}")
        ax.legend()
        written.append(_save(fig, out / "spectrum.png"))

        fig = _figure()
        ax = fig.add_subplot()
        ax.bar(np.arange(sp.n), sp.influences, color="tab:orange")
        ax.set(xlabel="coordinate j", ylabel="Inf_j", title=f"influences (I = {sp.total_influence:.4g})")
        written.append(_save(fig, out / "influences.png"))

    if profile.theory is not None:
        m = profile.theory.measures
        items = [("I (measured)", m.I)] + [(k, v) for k, v in m.bounds().items()
                                           if _applies(k, m.activation) and v > 0]
        fig = _figure()
        ax = fig.add_subplot()
        names = [k for k, _ in items][::-1]
        vals = [v for _, v in items][::-1]
        ax.barh(names, vals, color=["tab:red" if n.startswith("I ") else "tab:gray" for n in names])
        ax.set_xscale("log")
        ax.set(xlabel="total influence and its bounds (log scale)", title="measured influence against the bounds")
        fig.tight_layout()
        written.append(_save(fig, out / "bounds.png"))
    return written


def _applies(name: str, activation: str) -> bool:
    if activation == "relu":
        return not name.startswith("A2")
    if activation == "step":
        return name.startswith("A2")
    return False


def _save(fig, path: Path) -> Path:
    fig.savefig(path)
    return path
