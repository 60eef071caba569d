"""PNG plots of a :class:`~properties.profile.Profile` and of one bound (the optional matplotlib extra).

Figures are drawn on the Agg canvas directly (no pyplot, no global state, no display).
Every figure's title names the model and the domain; index and count axes get whole-number
ticks; labels are matplotlib math text; legends sit outside the axes, so they cover no bar;
the bars of the bounds figure carry the bounds' names (the registry's, shortened) and
formulas, not only B0..B5.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from sparsecert.sparse_models.errors import InvalidArgument, MissingDependency

from .profile import Profile

# The instance bounds of InstanceMeasures.bounds() (docs/theory.md §2): key -> (registry entry the
# bound is an instance of, or None; short name; formula in math text). The registry name is shown
# without its "influence_" prefix.
BOUND_LABELS: dict[str, tuple[str | None, str, str]] = {
    "B0": (None, "B0 edge sum", r"$\frac{1}{4}\mathbb{E}\sum_j(\sum_{i\in T_j}2|a_i w_{ij}|)^2$"),
    "B1": (None, "B1 Cauchy-Schwarz", r"$\mathbb{E}\sum_j|T_j|\sum_{i\in T_j}a_i^2w_{ij}^2$"),
    "B2": (None, "B2 flip rates", r"$\min(2k,s)\sum_{i,j}q_{ij}a_i^2w_{ij}^2$"),
    "B3": (None, "B3 rates", r"$\min(2k,s)\sum_i\min(1,2p_i)c_i$"),
    "B4": (None, "B4 mean activity", r"$4k\sum_i p_i c_i$"),
    "B5": ("influence_sparse_relu", "B5", r"$\min(2k,s)^2\Lambda^2$"),
    "4k^2 Lambda^2": ("influence_sparse_relu", "", r"$4k^2\Lambda^2$"),
    "dense s*sum c_i": ("influence_dense_relu", "", r"$s\sum_i c_i$"),
    "dense s^2 Lambda^2": ("influence_dense_relu", "", r"$s^2\Lambda^2$"),
    "A2 step": (None, "A2 flip sums", r"$\frac{\min(2k,s)}{4}\sum_i a_i^2 AS_i$"),
    "A2 corollary": ("influence_step", "",
                     r"$\frac{\min(2k,s)}{2}B_a^2\min(nk,\sqrt{n}\sum_i\sqrt{p_i(1-p_i)})$"),
    "A2 k<=s/2": ("influence_step", "", r"$kB_a^2\min(nk,\sqrt{nsk})$"),
    "A2 dense": (None, "A2 dense", r"$\frac{s}{2}B_a^2\sqrt{n}\sum_i\sqrt{p_i(1-p_i)}$"),
    "A2 dense cap": ("influence_step", "", r"$\frac{1}{4}s^2\sqrt{n}B_a^2$"),
}
MEASURED = r"$I[f]$ measured"


def _figure(size: tuple[float, float] = (7.5, 4.0)):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency("plots need matplotlib: pip install 'sparsecert[plot]'"
                                " (or drop --plots)") from None
    fig = Figure(figsize=size, dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _integer_ticks(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _legend_outside(ax) -> None:
    """The legend to the right of the axes: it covers no bar whatever the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8)


def _title(ax, model: str, domain: str, what: str) -> None:
    ax.set_title(f"{model} on {domain}\n{what}", fontsize=10)


def bound_label(key: str) -> str:
    """The bar label of one instance bound: its short name (with the registry entry it instantiates) and formula."""
    entry, short, formula = BOUND_LABELS.get(key, (None, key, ""))
    if entry is not None:
        from .bounds.registry import get_bound

        registry_name = get_bound(entry).name.removeprefix("influence_")
        short = f"{short} {registry_name}" if short else registry_name
    return f"{short}: {formula}" if formula else short


def profile_figures(profile: Profile, model: str | None = None) -> dict[str, Any]:
    """The figures :func:`write_plots` saves, by file name (matplotlib ``Figure`` objects, Agg canvas).

    ``model`` names the model in the titles (default: the block's name).
    """
    _figure()  # fail early when matplotlib is missing
    model = model or profile.block.name or "block"
    domain = profile.domain
    figs: dict[str, Any] = {}
    st = profile.stats
    kind = "exact" if st.exact else f"sampled, $N = {st.points}$"

    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(np.arange(st.s), st.rates, color="tab:blue")
    if st.rate_intervals is not None:
        iv = st.rate_intervals
        ax.errorbar(np.arange(st.s), st.rates, yerr=[st.rates - iv.lower, iv.upper - st.rates], fmt="none",
                    ecolor="black", lw=0.7)
    ax.set(xlabel="hidden unit $i$", ylabel=r"$p_i = \Pr[z_i(x) > 0]$")
    _title(ax, model, domain, f"activation rates ({kind})")
    _integer_ticks(ax.xaxis)
    fig.tight_layout()
    figs["rates.png"] = fig

    fig = _figure()
    ax = fig.add_subplot()
    dist = st.count_distribution()
    top = int(np.max(np.flatnonzero(dist))) if dist.any() else 0
    top = max(top, st.max_active)
    ax.bar(np.arange(top + 1), dist[: top + 1], color="tab:green")
    ax.axvline(st.max_active, color="red", ls="--",
               label=rf"$\max|A| = {st.max_active}$ ({'exact' if st.max_is_exact else 'lower bound'})")
    ax.axvline(st.mean_active, color="black", ls=":", label=rf"$\mathbb{{E}}|A| = {st.mean_active:.3g}$")
    ax.set(xlabel="$|A(x)|$, number of active units", ylabel="fraction of points")
    _title(ax, model, domain, f"active count ({kind})")
    _integer_ticks(ax.xaxis)
    _legend_outside(ax)
    fig.tight_layout()
    figs["active_counts.png"] = fig

    if profile.spectrum is not None:
        sp = profile.spectrum
        of = profile.output or "f"
        fig = _figure()
        ax = fig.add_subplot()
        d = np.arange(sp.n + 1)
        floor = 1e-13 * sp.energy  # float64 round-off of the WHT: smaller weights are numerically 0
        w = sp.weights_by_degree
        ax.bar(d, np.where(w > floor, w, np.nan), color="tab:purple", label="$W^{=d}[f]$")
        tails = sp.tail_weights
        ax.plot(d, np.where(tails > floor, tails, np.nan), "k.-", label="$W^{>d}[f]$")
        if profile.theory is not None:
            ax.plot(d, sp.total_influence / (d + 1), "r--", label="$I[f]/(d+1)$ (Lemma B)")
        ax.set_yscale("log")
        ax.set(xlabel="degree $d$", ylabel="Fourier weight")
        _title(ax, model, domain, f"spectrum of $f$ = {of}")
        _integer_ticks(ax.xaxis)
        _legend_outside(ax)
        fig.tight_layout()
        figs["spectrum.png"] = fig

        fig = _figure()
        ax = fig.add_subplot()
        ax.bar(np.arange(sp.n), sp.influences, color="tab:orange")
        ax.set(xlabel="input coordinate $j$", ylabel=r"$\mathrm{Inf}_j[f]$")
        _title(ax, model, domain, f"influences of $f$ = {of} ($I[f] = {sp.total_influence:.4g}$)")
        _integer_ticks(ax.xaxis)
        fig.tight_layout()
        figs["influences.png"] = fig

    if profile.theory is not None:
        m = profile.theory.measures
        items = [(MEASURED, m.I)] + [(bound_label(k), v) for k, v in m.bounds().items()
                                     if _applies(k, m.activation) and v > 0]
        names = [k for k, _ in items][::-1]
        vals = [v for _, v in items][::-1]
        fig = _figure((9.0, 1.4 + 0.36 * len(items)))
        ax = fig.add_subplot()
        bars = ax.barh(names, vals, color=["tab:red" if n_ == MEASURED else "tab:gray" for n_ in names])
        ax.bar_label(bars, labels=[f"{v:.3g}" for v in vals], padding=2, fontsize=7)
        ax.set_xscale("log")
        ax.margins(x=0.12)  # room for the value labels at the bars' ends
        ax.tick_params(axis="y", labelsize=8)
        ax.set(xlabel=r"total influence $I[f]$ and its bounds (log scale)")
        _title(ax, model, domain, f"measured influence of $f$ = {profile.output or 'f'} against the bounds"
                                  f" ({profile.theory.applicable})")
        fig.tight_layout()
        figs["bounds.png"] = fig
    return figs


def write_plots(profile: Profile, directory: "str | os.PathLike[str]", model: str | None = None) -> list[Path]:
    """Write rates.png, active_counts.png and, with a spectrum, spectrum.png, influences.png, bounds.png.

    ``model`` names the model in the titles (default: the block's name).
    """
    _figure()  # fail early, before creating the directory, when matplotlib is missing
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise InvalidArgument(f"--plots {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    return [_save(fig, out / name) for name, fig in profile_figures(profile, model).items()]


def bound_figure(bound: Any, var: str, xs: Sequence[float], ys: Sequence[float], values: dict, *,
                 log_x: bool, integer_x: bool) -> Any:
    """The figure of ``sparsecert bounds plot``: ``bound`` (a registry entry) against parameter ``var``.

    ``values`` are the other parameters' values (shown in the title); ``integer_x`` gives a linear
    x axis whole-number ticks; a bound whose values are all whole numbers gets them on a linear y axis.
    """
    import sympy as sp

    from .bounds.symbols import symbol

    def tex(name: str) -> str:
        return f"${sp.latex(symbol(name))}$"

    fig = _figure((7.0, 4.5))
    ax = fig.add_subplot()
    ax.plot(xs, ys, marker=".")
    if log_x:
        ax.set_xscale("log")
    elif integer_x:
        _integer_ticks(ax.xaxis)
    if all(y > 0 for y in ys) and max(ys) / min(ys) > 100:
        ax.set_yscale("log")
    elif all(float(y).is_integer() for y in ys):
        _integer_ticks(ax.yaxis)
    ax.set_xlabel(tex(var))
    ax.set_ylabel(f"{bound.name} ({bound.quantity})", fontsize=8)
    fixed = ", ".join(f"${sp.latex(symbol(k_))} = {v}$" for k_, v in values.items())
    ax.set_title(f"{bound.name} {bound.label} against {tex(var)}" + (f"\n{fixed}" if fixed else ""), fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def _applies(name: str, activation: str) -> bool:
    if activation == "relu":
        return not name.startswith("A2")
    if activation == "step":
        return name.startswith("A2")
    return False


def _save(fig, path: Path) -> Path:
    fig.savefig(path)
    return path
