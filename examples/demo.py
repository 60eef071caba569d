"""make demo: sparsecert's main job on networks trained on real data.

Trains two scikit-learn ReLU MLPs (digits, breast cancer), then proves how many hidden
units can fire at once: on the test data, on the data's bounding box, on the binarised
pixel cube, and in L-infinity balls around every test point. Writes reports/demo.md
(plus PNG plots when matplotlib is installed) and prints a summary.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from sparsecert.sparse_models import Box, Hypercube, PointSet, save_npz  # noqa: E402
from sparsecert.sparse_models.io.sklearn_io import from_sklearn  # noqa: E402
from sparsecert.verify import max_active  # noqa: E402
from sparsecert.verify.batch import certify_balls  # noqa: E402
from sparsecert.verify.cli.common import Progress  # noqa: E402

RADII = (0.0, 0.001, 0.003, 0.01)
TIMEOUT = 15.0  # seconds per whole-domain question
BALL_TIMEOUT = 0.5  # seconds per ball
BALLS = 150  # test points whose balls are certified (the first ones of the test split)


def train(name: str):
    from sklearn.datasets import load_breast_cancer, load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    if name == "digits":
        X, y = load_digits(return_X_y=True)
        X = X / 16.0  # pixels in [0, 1]
    else:
        X, y = load_breast_cancer(return_X_y=True)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", max_iter=400, random_state=0, alpha=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a convergence notice at max_iter is expected for this small demo
        clf.fit(Xtr, ytr)
    block = from_sklearn(clf).layer_block(0).replace(name=f"{name}-mlp32")
    return block, Xtr, Xte, yte, float(clf.score(Xte, yte))


def accuracy(block, X, y) -> float:
    """Accuracy of the block's logits (one logit: class 1 iff > 0; else argmax)."""
    logits = block.forward(X)
    pred = (logits[:, 0] > 0).astype(int) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return float(np.mean(pred == y))


def fmt_result(r) -> str:
    return f"{r.value}" if r.optimal else f"[{r.value}, {r.upper_bound}]"


def run_model(name: str, out: Path, lines: list[str], summary: list[str]) -> dict:
    t0 = time.monotonic()
    block, Xtr, Xte, yte, acc = train(name)
    path = save_npz(block, out / f"{name}.npz")
    data_box = Box(np.minimum(Xtr.min(0), Xte.min(0)), np.maximum(Xtr.max(0), Xte.max(0)))
    domains = [("test points", PointSet(Xte)), ("data bounding box", data_box)]
    if name == "digits":
        domains.append(("binary pixels {0,1}^64", Hypercube(block.n, (0, 1))))
    rows = []
    for label, dom in domains:
        r = max_active(block, dom, timeout=TIMEOUT)
        status = "proved" if r.optimal else "bracketed (proved bounds)"
        rows.append((label, fmt_result(r), status, r.stats.time_s, r.stats.units_fixed_off))
    counts = block.active_count(Xte)
    k_data = int(counts.max())
    cert = []
    prog = Progress(len(RADII), f"{name}: balls")
    for radius in RADII:
        table = certify_balls(block, Xte[:BALLS], radius, timeout=BALL_TIMEOUT)
        cert.append((radius, table.certified_fraction(k_data), float(np.mean(table.upper_bounds)),
                     int(table.values.max()), table.all_optimal, table.time_s, BALLS))
        prog.advance()
    prog.close()
    lines += [f"## {name}: `{path.name}` (n={block.n}, s={block.s}, test accuracy {acc:.3f})", "",
              "| domain | max active units | status | time (s) | units proved dead |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d:.2f} | {e} |" for a, b, c, d, e in rows]
    lines += ["", f"Measured on the {len(Xte)} test points: mean active count {counts.mean():.2f}, max {k_data}.", "",
              f"Local certification: share of test points whose L-inf ball is proved {k_data}-sparse "
              f"(k = the max on the test data; the first {BALLS} test points):", "",
              "| radius | certified k-sparse | mean proved max | worst ball | all exact | time (s) | balls |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {r:g} | {f:.1%} | {m:.2f} | {w} | {o} | {t:.2f} | {nb} |" for r, f, m, w, o, t, nb in cert]
    lines.append("")
    lines += _extras(block, Xte, yte, acc, k_data)
    summary.append(f"{name:<14} n={block.n:<3} s={block.s:<3} acc={acc:.3f}  " + "  ".join(
        f"{lab.split()[0]}={val}" for lab, val, *_ in rows))
    summary.append(" " * 15 + "certified " + ", ".join(f"r={r:g}:{f:.0%}" for r, f, *_ in cert))
    _plots(out, name, counts, cert)
    return {"time": time.monotonic() - t0}


def spectral_section(out: Path, lines: list[str], summary: list[str]) -> None:
    """A ±1-input model small enough for exact Fourier analysis: spectrum, influence, the bounds of docs/theory.md."""
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    from sparsecert.properties import profile_block
    from sparsecert.properties.plots import write_plots

    X, y = load_digits(return_X_y=True)
    pix = np.argsort(-X.var(axis=0), kind="stable")[:16]
    Xb = np.where(X[:, pix] >= 8, 1.0, -1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier((16,), max_iter=400, random_state=0).fit(Xb[:1300], y[:1300])
    block = from_sklearn(clf).layer_block(0).replace(name="digits16pm1-mlp16")
    save_npz(block, out / "digits16pm1.npz")
    cube = Hypercube(16)
    res = max_active(block, cube)
    prof = profile_block(block, cube, output=3)
    plots = write_plots(prof, out / "profile")
    n_bad = None if prof.theory is None else sum(1 for c in prof.theory.checks if not c.holds)
    lines += ["## digits on 16 binarised pixels (±1 cube, exact Fourier analysis)", "",
              f"Model `digits16pm1.npz` (n=16, s=16, test accuracy {clf.score(Xb[1300:], y[1300:]):.3f}). "
              f"Max active units on the whole cube {{-1,1}}^16: **{res.value}** (proved, {res.stats.method}).",
              f"Spectrum of output 3, influences and the measured value against each bound of docs/theory.md: plots in "
              f"`reports/profile/` ({', '.join(p.name for p in plots)})."
              + ("" if n_bad is None else f" docs/theory.md inequalities checked: {n_bad} violated."), ""]
    summary.append(f"{'digits16 ±1':<14} n=16  s=16  max active on the cube = {res.value} (proved); spectrum plots")


def _extras(block, Xte, yte, acc, k_data) -> list[str]:
    """Pruning, sparsification, instance bounds and the activation profile, on the test set."""
    from sparsecert.properties import activation_stats
    from sparsecert.properties.bounds.instance import instance_bounds
    from sparsecert.verify import prune, sparsify

    test = PointSet(Xte)
    out = ["### Pruning, sparsification, bounds, profile (domain: the test points)", ""]
    pr = prune(block, test)
    out.append(f"- **Pruned** (proved): {block.s} -> {len(pr.kept)} units ({len(pr.dropped)} never active, "
               f"{len(pr.folded)} folded into an affine term); equivalence on the test set: {pr.proof.status}.")
    k = max(1, k_data // 2)
    sp = sparsify(block, k, test)
    if sp.status == "verified":
        out.append(f"- **Sparsified** to k = {k} (proved on the test set): uniform bias shift {sp.shift:.10g} "
                   f"(shift {sp.smaller_shift:.10g} is proved not enough); mean active units {sp.change.mean_active_before:.2f}"
                   f" -> {sp.change.mean_active_after:.2f} (measured); test accuracy {acc:.3f} -> "
                   f"{accuracy(sp.block, Xte, yte):.3f} (measured).")
    else:
        out.append(f"- Sparsify to k = {k}: {sp.status} ({'; '.join(sp.notes)})")
    rep = instance_bounds(block, test)
    vals = {e.name: e for e in rep.entries if e.evaluation is not None}
    if "rademacher_sparse" in vals and "rademacher_dense" in vals:
        out.append(f"- **Rademacher bounds** ({rep.heading}; m = {rep.parameters.get('m', '?')}): sparse (E3, "
                   f"{vals['rademacher_sparse'].label}) {float(vals['rademacher_sparse'].evaluation.value):.4g} vs dense "
                   f"(E1, {vals['rademacher_dense'].label}) {float(vals['rademacher_dense'].evaluation.value):.4g}. "
                   "At this network's k the sparse bound is "
                   + ("smaller." if float(vals['rademacher_sparse'].evaluation.value)
                      < float(vals['rademacher_dense'].evaluation.value)
                      else "not smaller: the block is not sparse enough for the sparse bound to pay."))
    st = activation_stats(block, test)
    rates = np.asarray(st.rates)
    out.append(f"- **Activation profile** (exact on the test set): unit firing rates min {rates.min():.2f}, "
               f"median {np.median(rates):.2f}, max {rates.max():.2f}; E|A(x)| = {rates.sum():.2f}.")
    out.append("")
    return out


def _plots(out: Path, name: str, counts, cert) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    ax[0].hist(counts, bins=np.arange(int(counts.max()) + 2) - 0.5, color="#4472c4")
    ax[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    ax[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    ax[0].set(title=f"{name} on the test points\nactive units per point (measured)", xlabel="$|A(x)|$, active units",
              ylabel="test points")
    ax[1].plot([c[0] for c in cert], [c[1] for c in cert], "o-")
    ax[1].set(title=f"{name} on $L_\\infty$ balls around test points\nshare proved $k$-sparse",
              xlabel=r"$L_\infty$ radius $r$", ylabel="fraction of balls", ylim=(0, 1.05))
    for a in ax:
        a.title.set_fontsize(9)
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=110)
    plt.close(fig)


def main() -> int:
    out = ROOT / "reports"
    out.mkdir(exist_ok=True)
    lines = ["# sparsecert demo report", "",
             "Every 'proved' number is exact (rational arithmetic on the float64 weights, Z3 or exact enumeration);",
             "'bracketed' gives proved lower and upper bounds after a timeout; 'measured' numbers come from data.", ""]
    summary: list[str] = []
    start = time.monotonic()
    for name in ("digits", "breast_cancer"):
        run_model(name, out, lines, summary)
    spectral_section(out, lines, summary)
    (out / "demo.md").write_text("\n".join(lines) + "\n")
    print("sparsecert demo: how many hidden units can fire at once (proved)")
    print("-" * 78)
    for s in summary:
        print(s[:100])
    print("-" * 78)
    print(f"report: {out / 'demo.md'}  (plots: reports/*.png)   total {time.monotonic() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
