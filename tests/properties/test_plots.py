"""The profile and bound plots (issue 17 item 13): titles name the model and the domain, index and count
axes have whole-number ticks, labels are math text, legends cover no bar, bound bars carry their names."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.ticker import MaxNLocator  # noqa: E402

from sparsecert.properties import profile_block  # noqa: E402
from sparsecert.properties.bounds.registry import bound_names, get_bound  # noqa: E402
from sparsecert.properties.plots import (  # noqa: E402
    BOUND_LABELS, MEASURED, bound_figure, bound_label, profile_figures, write_plots)
from sparsecert.sparse_models import Box, Hypercube, MLPBlock, random_block  # noqa: E402

INTEGER_X = ("rates.png", "active_counts.png", "spectrum.png", "influences.png")


@pytest.fixture(scope="module")
def relu_profile():
    block = random_block(8, 10, seed=3).replace(name="relu8x10")
    return profile_block(block, Hypercube(8), output=0)


def _drawn(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _has_integer_ticks(axis) -> bool:
    loc = axis.get_major_locator()
    ticks = [t for t in axis.get_ticklocs() if np.isfinite(t)]
    return type(loc) is MaxNLocator and loc._integer and bool(ticks) and all(float(t).is_integer() for t in ticks)


def test_every_figure_is_written_and_titled_with_model_and_domain(relu_profile, tmp_path):
    written = write_plots(relu_profile, tmp_path / "figs", model="my_model.npz")
    assert sorted(p.name for p in written) == sorted(["bounds.png", *INTEGER_X])
    for p in written:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figs = profile_figures(relu_profile, model="my_model.npz")
    for name, fig in figs.items():
        title = fig.axes[0].get_title()
        assert "my_model.npz" in title and relu_profile.domain in title, (name, title)
    # without model=, the block's name
    assert all("relu8x10" in f.axes[0].get_title() for f in profile_figures(relu_profile).values())


def test_index_and_count_axes_have_integer_ticks(relu_profile):
    figs = profile_figures(relu_profile)
    for name in INTEGER_X:
        fig = figs[name]
        _drawn(fig)
        assert _has_integer_ticks(fig.axes[0].xaxis), name


def test_labels_are_math_text(relu_profile):
    figs = profile_figures(relu_profile)
    ax = figs["rates.png"].axes[0]
    assert "$p_i" in ax.get_ylabel() and "$i$" in ax.get_xlabel()
    assert "$|A(x)|$" in figs["active_counts.png"].axes[0].get_xlabel()
    assert "$d$" in figs["spectrum.png"].axes[0].get_xlabel()
    assert r"$\mathrm{Inf}_j[f]$" == figs["influences.png"].axes[0].get_ylabel()
    legend = [t.get_text() for t in figs["spectrum.png"].axes[0].get_legend().get_texts()]
    assert "$W^{=d}[f]$" in legend and "$W^{>d}[f]$" in legend
    for fig in figs.values():  # every math text parses and renders
        _drawn(fig)


def test_legends_cover_no_bar_and_stay_in_the_figure(relu_profile):
    figs = profile_figures(relu_profile)
    checked = 0
    for name, fig in figs.items():
        ax = fig.axes[0]
        legend = ax.get_legend()
        if legend is None:
            continue
        renderer = _drawn(fig)
        box = legend.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1
        bars = [p.get_window_extent(renderer) for p in ax.patches]
        bars = [b for b in bars if np.all(np.isfinite(b.get_points())) and b.width > 0 and b.height > 0]
        assert bars, name
        assert not any(box.overlaps(b) for b in bars), name
        checked += 1
    assert checked == 2  # active_counts and spectrum have legends


def test_bound_bars_carry_the_registry_names(relu_profile):
    ax = profile_figures(relu_profile)["bounds.png"].axes[0]
    _drawn(ax.figure)
    labels = [t.get_text() for t in ax.get_yticklabels()][::-1]  # barh draws the first item at the bottom
    m = relu_profile.theory.measures
    expected = [MEASURED] + [bound_label(k) for k, v in m.bounds().items() if not k.startswith("A2") and v > 0]
    assert labels == expected
    assert len(set(labels)) == len(labels) == len(ax.patches)
    assert not any(lab in ("B0", "B1", "B2", "B3", "B4", "B5") for lab in labels)
    assert labels[1].startswith("B0 ") and any(lab.startswith("B5 sparse_relu") for lab in labels)
    assert any(lab.startswith("dense_relu") for lab in labels)


def test_step_bounds_use_the_step_entry():
    b = random_block(6, 8, seed=1)
    block = MLPBlock(b.W1, b.b1, b.W2, b.b2, activation="step", name="step6x8")
    prof = profile_block(block, Hypercube(6), output=0)
    ax = profile_figures(prof)["bounds.png"].axes[0]
    _drawn(ax.figure)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(lab.startswith("step:") for lab in labels) and not any("relu" in lab for lab in labels)


def test_every_registry_name_in_the_labels_exists():
    names = set(bound_names())
    for entry, _, _ in BOUND_LABELS.values():
        assert entry is None or entry in names
    assert bound_label("B5").startswith("B5 sparse_relu: $")


def test_sampled_profile_plots(tmp_path):
    block = random_block(30, 6, seed=2).replace(name="wide")
    prof = profile_block(block, Box.uniform(30, -1, 1), output=0, samples=500)
    figs = profile_figures(prof)
    assert set(figs) == {"rates.png", "active_counts.png"}
    for fig in figs.values():
        _drawn(fig)
        assert "Box.uniform(30, -1, 1)" in fig.axes[0].get_title() and "$N = 500$" in fig.axes[0].get_title()


def test_bound_figure():
    b = get_bound("lmn_degree")
    xs = list(range(1, 11))
    ys = [float(max(0, x - 3)) for x in xs]
    fig = bound_figure(b, "k", xs, ys, {"s": 64, "B_a": 1}, log_x=False, integer_x=True)
    ax = fig.axes[0]
    _drawn(fig)
    assert ax.get_xlabel() == "$k$"
    assert "lmn_degree" in ax.get_title() and "$B_{a} = 1$" in ax.get_title()
    assert _has_integer_ticks(ax.xaxis) and _has_integer_ticks(ax.yaxis)
    fig = bound_figure(get_bound("influence_sparse_relu"), "B_w", [0.5, 1.5], [0.25, 2.25], {}, log_x=False,
                       integer_x=False)
    _drawn(fig)
    assert not _has_integer_ticks(fig.axes[0].xaxis)  # B_w is not a whole number: matplotlib's own ticks
    assert fig.axes[0].get_xlabel() == "$B_{w}$"
