"""Assertion helpers for a user's own pytest suite: sparsity, equivalence, learning.

Each helper proves its claim or fails with an :class:`AssertionError` subclass whose
message shows the witness input, the active units and the exact call that reproduces
it. An undecided check (solver timeout) fails too, saying it could not prove the claim
within the timeout: never a pass. Outcomes are counted for the pytest plugin's summary.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Domain, Hypercube, MLPBlock, Network, check_domain
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.verify import Equivalence, Stats, Unknown, Verified, Violated, check_sparsity, equivalent

from ._internal import codegen, failures, session

__all__ = ["assert_k_sparse", "assert_equivalent", "assert_learns", "SparsecertAssertionError",
           "SparsityAssertionError", "EquivalenceAssertionError", "LearningAssertionError",
           "NotProvedError", "SparsityNotProved", "EquivalenceNotProved", "binomial_tail"]


class SparsecertAssertionError(AssertionError):
    """A sparsecert property does not hold (or could not be proved); ``result`` is the verifier's answer."""

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


class SparsityAssertionError(SparsecertAssertionError):
    """More than k units are active at once somewhere in the domain."""


class EquivalenceAssertionError(SparsecertAssertionError):
    """Two functions differ by more than tol somewhere in the domain."""


class LearningAssertionError(SparsecertAssertionError):
    """A learner failed more often than delta allows (binomial test)."""


class NotProvedError(SparsecertAssertionError):
    """The verifier stopped (timeout) before deciding: the claim is not proved, so the test fails."""


class SparsityNotProved(NotProvedError, SparsityAssertionError):
    """assert_k_sparse timed out: k-sparsity is neither proved nor refuted."""


class EquivalenceNotProved(NotProvedError, EquivalenceAssertionError):
    """assert_equivalent timed out: equivalence is neither proved nor refuted."""


def _timeout(timeout: float | None) -> float | None:
    return session.default_timeout() if timeout is None else timeout


def _fmt_vec(x: np.ndarray) -> str:
    return codegen.summary(x)


def _reproduce(lines: list[str]) -> str:
    return "reproduce:\n" + "\n".join("    " + ln for ln in lines)


def _quote(path: Path) -> str:
    return json.dumps(str(path))  # a valid Python string literal for the path


def _inline(block: MLPBlock) -> str | None:
    """MLPBlock(...) source when the block is tiny and the native fields say all of it."""
    if getattr(block, "skip", None) is not None or getattr(block, "output_activation", None) is not None:
        return None
    return codegen.block_code(block)


def _saved_line(paths: list[tuple[str, Path | None, str]], witness: bool, domain_arrays: bool) -> str:
    """``  saved to PATH (the block, with the witness input as witness_x)``, or why it could not be.

    The witness and the domain's arrays are in the first file that was saved."""
    context = (["the witness input as witness_x"] if witness else []) + (["the domain's arrays"] if domain_arrays else [])
    parts, first = [], True
    for what, path, why in paths:
        if path is None:
            parts.append(f"{what}: not saved ({why})")
            continue
        part = f"{what} saved to {path}" if len(paths) > 1 else f"saved to {path}"
        if first and context:
            part += f" ({'the block, ' if len(paths) == 1 else ''}with {' and '.join(context)})"
        first = False
        parts.append(part)
    return "  " + "; ".join(parts)


def _exact_difference(d: Any) -> str:
    text = str(d.exact_difference)
    if len(text) <= 40:
        return f"{text} exactly ({d.float_difference!r} in float64)"
    return f"{d.float_difference!r} in float64 (the exact rational is {len(text)} characters long)"


class _Repro:
    """The lines of a reproduction: imports, ``var = load(path)``, ``saved = np.load(path)``, the call."""

    def __init__(self, verify_name: str, domain: Any) -> None:
        self.verify_name = verify_name
        self.models: set[str] = {codegen.domain_class(domain)}
        self.setup: list[str] = []
        self.numpy = False

    def block(self, block: MLPBlock, path: Path | None, var: str, why: str = "") -> str:
        code = _inline(block)
        if code is not None:
            self.models.add("MLPBlock")
            return code
        if path is not None:
            self.models.add("load")
            self.setup.append(f"{var} = load({_quote(path)})")
        else:
            self.setup.append(f"# {var}: the {block.s} x {block.n} block under test (not saved: {why})")
        return var

    def note(self, line: str) -> None:
        self.setup.append(line)

    def arrays(self, path: Path) -> None:
        """``saved = np.load(path)``, on the line that loads the block from the same file when there is one."""
        self.numpy = True
        load_line = next((i for i, ln in enumerate(self.setup) if ln.endswith(f" = load({_quote(path)})")), None)
        if load_line is None:
            self.setup.append(f"saved = np.load({_quote(path)})  # the domain's arrays")
        else:
            var = self.setup[load_line].split(" = ", 1)[0]
            self.setup[load_line] = f"{var}, saved = load({_quote(path)}), np.load({_quote(path)})"

    def lines(self, call: str) -> list[str]:
        head = ["import numpy as np"] if self.numpy else []
        head.append(f"from sparsecert.sparse_models import {', '.join(sorted(self.models))}")
        head.append(f"from sparsecert.verify import {self.verify_name}")
        return head + self.setup + [call]


def _domain_source(domain: Any, arrays: codegen.Arrays, path: Path | None, repro: _Repro) -> str:
    """The domain's constructor source, reading long vectors from the saved file (written out if none)."""
    if not arrays:
        return codegen.domain_code(domain)
    if path is None:
        return codegen.domain_code(domain)  # no file to read them from: write them out
    repro.arrays(path)
    return codegen.domain_code(domain, codegen.Arrays())


# -- k-sparsity ------------------------------------------------------------------------------------

def assert_k_sparse(block: MLPBlock | Network, k: int, domain: Domain, *, timeout: float | None = None,
                    tau: float = 0.0) -> Verified:
    """Prove that at most ``k`` units of ``block`` are active at once on ``domain``; return the proof.

    Fails with :class:`SparsityAssertionError` (witness, active units, pre-activations, the
    reproducing call) when more are active somewhere, and with :class:`NotProvedError` when
    the verifier times out. ``timeout=None`` uses the plugin's ``--sparsecert-timeout``.
    The failing block is saved (native ``.npz``, in ``.sparsecert/failures/`` under the pytest
    rootdir) and the message prints its path and a short reproduction that loads it.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block).
    k : int
        The claimed sparsity (>= 0; ``k >= block.s`` holds trivially).
    domain : Domain
        Any sparsecert domain of dimension ``block.n``.
    timeout : float or None, default None
        Seconds for the proof (None: the plugin's ``--sparsecert-timeout``, or no limit).
    tau : float, default 0.0
        Activity threshold.

    Returns
    -------
    Verified
        The proof (``upper`` is the proved bound on the max-active number).

    Raises
    ------
    SparsityAssertionError
        More than ``k`` units are active at the reported witness (``result``: the :class:`Violated`).
    SparsityNotProved
        The verifier stopped first (a :class:`NotProvedError`; ``result``: the :class:`Unknown`).
    InvalidArgument, DomainError, ShapeError
        A bad block, ``k`` or domain.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube, parity_block
    >>> from sparsecert.properties import assert_k_sparse
    >>> proof = assert_k_sparse(parity_block(4, [0, 1]), 1, Hypercube(4))
    >>> proof.status.value, proof.upper
    ('verified', 1)
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not this helper
    block = as_block(block, "assert_k_sparse")  # a one-hidden-layer Network is its block
    k = as_count("k", k, low=0)
    check_domain(domain, block.n)
    t = _timeout(timeout)
    if k >= block.s:  # at most s units exist: nothing to search
        session.record(proofs=1)
        return Verified(k, block.s, Stats(method="trivial: k >= s", units_total=block.s))
    res = check_sparsity(block, k, domain, tau=tau, timeout=t)
    if isinstance(res, Verified):
        session.record(proofs=1)
        return res
    arrays = codegen.Arrays()
    codegen.domain_code(domain, arrays)  # which of the domain's vectors are too long to print
    dom = codegen.domain_text(domain)
    w = res.witness
    saved = dict(arrays.arrays)
    if w is not None:
        saved.update(failures.witness_arrays(w.x, w.exact_x))
    path, why = failures.save(block, saved)
    repro = _Repro("check_sparsity", domain)
    ref = repro.block(block, path, "block", why)
    dom_src = _domain_source(domain, arrays, path, repro)
    extra = (f", tau={codegen.number(tau)}" if tau else "") + (f", timeout={t!r}" if t is not None else "")
    repro_text = _reproduce(repro.lines(f"check_sparsity({ref}, {k}, {dom_src}{extra})"))
    saved_line = _saved_line([("the block", path, why)], witness=w is not None, domain_arrays=bool(arrays))
    name = f"block{(' ' + repr(block.name)) if block.name else ''} (n={block.n}, s={block.s})"
    if isinstance(res, Violated):
        session.record(counterexamples=1)
        z = block.pre_activations(w.x)
        shown = w.active_units[:6]
        zs = ", ".join(f"{i}: {codegen.short_number(z[i], 4)}" for i in shown)
        more = ", ..." if len(w.active_units) > len(shown) else ""
        lines = [f"{name} is not {k}-sparse on {dom}: {w.count} units are active at once (tau = {tau:g}).",
                 f"  witness input x = {_fmt_vec(w.x)}",
                 f"  active units: {codegen.int_list(w.active_units)}; their pre-activations z_i(x): {{{zs}{more}}}"]
        if w.exact_x is not None:
            exact = (f"[{', '.join(str(v) for v in w.exact_x)}]" if len(w.exact_x) <= codegen.SHORT
                     else "in the file, as strings (witness_exact_x)")
            lines.append(f"  exact (rational) witness: {exact}")
        if w.borderline:
            lines.append(f"  borderline units (within float rounding of tau at x): {codegen.int_list(w.borderline)}")
        lines.append(saved_line)
        raise SparsityAssertionError("\n".join(lines) + "\n" + repro_text, res)
    assert isinstance(res, Unknown)
    session.record(undecided=1)
    lines = [f"could not prove within timeout ({t} s) that {name} is {k}-sparse on {dom}: the verifier stopped"
             f" with the max-active number proved to lie in [{res.lower}, {res.upper}] ({res.reason}).",
             "  This is not a pass. Give the solver more time (timeout=..., or --sparsecert-timeout), or shrink the domain."]
    if w is not None:
        lines.append(f"  best input found: x = {_fmt_vec(w.x)} with active units {codegen.int_list(w.active_units)}")
    lines.append(saved_line)
    raise SparsityNotProved("\n".join(lines) + "\n" + repro_text, res)


# -- equivalence -----------------------------------------------------------------------------------

def _savable(f: Any) -> MLPBlock | None:
    """The block that is the whole function ``f`` (a block, or a pruned function without a skip term)."""
    if isinstance(f, MLPBlock):
        return f
    block = getattr(f, "block", None)
    if isinstance(block, MLPBlock) and getattr(f, "linear", None) is None:
        return block
    return None


def _base_block(f: Any) -> MLPBlock:
    return f if isinstance(f, MLPBlock) else f.block


def assert_equivalent(a: Any, b: Any, domain: Domain, *, tol: float = 0.0, timeout: float | None = None) -> Equivalence:
    """Prove |a(x) - b(x)| <= tol on every output and every x in ``domain``; return the proof.

    ``a`` and ``b`` are MLPBlocks or pruned functions (:func:`verify.prune` results). Fails
    with :class:`EquivalenceAssertionError` showing the input where they differ, both outputs
    and each one's active units there, or :class:`NotProvedError` on a timeout. Both
    blocks are saved as in :func:`assert_k_sparse` (``...-a.npz``, ``...-b.npz``).

    Parameters
    ----------
    a, b : MLPBlock or Network or PruneResult
        The two functions, as in :func:`verify.equivalent`.
    domain : Domain
        Any sparsecert domain of their input dimension.
    tol : float, default 0.0
        Allowed absolute difference per output.
    timeout : float or None, default None
        Seconds for the proof (None: the plugin's ``--sparsecert-timeout``, or no limit).

    Returns
    -------
    Equivalence
        The proof (status VERIFIED).

    Raises
    ------
    EquivalenceAssertionError
        The functions differ by more than ``tol`` at the reported input.
    EquivalenceNotProved
        The verifier stopped first (a :class:`NotProvedError`).
    InvalidArgument, UnsupportedActivation, DomainError, ShapeError
        As for :func:`verify.equivalent`.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube, parity_block
    >>> from sparsecert.properties import assert_equivalent
    >>> block = parity_block(4, [0, 1])
    >>> assert_equivalent(block, block.replace(name="copy"), Hypercube(4)).status.value
    'verified'
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not this helper
    t = _timeout(timeout)
    res = equivalent(a, b, domain, tol=tol, timeout=t)
    if res.status == "verified":
        session.record(proofs=1)
        return res
    arrays = codegen.Arrays()
    codegen.domain_code(domain, arrays)
    dom = codegen.domain_text(domain)
    d = res.difference if res.status == "violated" else None
    context = dict(arrays.arrays)
    if d is not None:
        context.update(failures.witness_arrays(d.x, d.exact_x))
    repro = _Repro("equivalent", domain)
    refs, saved, context_path = [], [], None
    for var, f in (("a", a), ("b", b)):
        block = _savable(f)
        if block is None:
            refs.append(var)
            repro.note(f"# {var}: the {type(f).__name__} you passed (a pruned function: block plus exact skip term)")
            continue
        path, why = failures.save(block, context if context_path is None else None, suffix=f"-{var}")
        if path is not None and context_path is None:
            context_path = path
        saved.append((var, path, why))
        refs.append(repro.block(block, path, var, why))
    dom_src = _domain_source(domain, arrays, context_path, repro)
    extra = (f", tol={codegen.number(tol)}" if tol else "") + (f", timeout={t!r}" if t is not None else "")
    repro_text = _reproduce(repro.lines(f"equivalent({refs[0]}, {refs[1]}, {dom_src}{extra})"))
    saved_line = _saved_line(saved, witness=d is not None, domain_arrays=bool(arrays)) if saved else None
    if d is not None:
        session.record(counterexamples=1)
        x = d.x
        fa, fb = (np.atleast_1d(f.forward(x)) for f in (a, b))
        ba, bb = _base_block(a), _base_block(b)
        lines = [f"the two functions differ on {dom} by more than tol = {tol:g}.",
                 f"  witness input x = {_fmt_vec(x)}",
                 f"  output {d.output}: a(x) - b(x) = {_exact_difference(d)}",
                 f"  a(x) = {_fmt_vec(fa)}, b(x) = {_fmt_vec(fb)}",
                 f"  active units of a at x: {codegen.int_list(np.flatnonzero(ba.active_mask(x)))};"
                 f" of b: {codegen.int_list(np.flatnonzero(bb.active_mask(x)))}"]
        if d.exact_x is not None:
            exact = (f"[{', '.join(str(v) for v in d.exact_x)}]" if len(d.exact_x) <= codegen.SHORT
                     else "in the file, as strings (witness_exact_x)")
            lines.append(f"  exact (rational) witness: {exact}")
        lines += [saved_line] if saved_line else []
        raise EquivalenceAssertionError("\n".join(lines) + "\n" + repro_text, res)
    session.record(undecided=1)
    lines = [f"could not prove within timeout ({t} s) that the two functions agree on {dom} ({res.reason}).",
             "  This is not a pass. Give the solver more time (timeout=..., or --sparsecert-timeout)."]
    lines += [saved_line] if saved_line else []
    raise EquivalenceNotProved("\n".join(lines) + "\n" + repro_text, res)


# -- learning --------------------------------------------------------------------------------------

def binomial_tail(failures: int, trials: int, p: float) -> float:
    """P[Binomial(trials, p) >= failures], exactly summed.

    Parameters
    ----------
    failures : int
        The threshold F (0 gives 1.0).
    trials : int
        Number of trials.
    p : float
        Success probability of each trial, in [0, 1].

    Returns
    -------
    float
        sum_{i >= F} C(trials, i) p^i (1 - p)^(trials - i).

    Raises
    ------
    TypeError
        Non-integer ``failures`` or ``trials``.

    Examples
    --------
    >>> from sparsecert.properties.assertions import binomial_tail
    >>> round(binomial_tail(2, 10, 0.1), 4)
    0.2639
    >>> binomial_tail(0, 10, 0.1)
    1.0
    """
    return float(sum(math.comb(trials, i) * p ** i * (1 - p) ** (trials - i) for i in range(failures, trials + 1)))


def _target_values(target: MLPBlock, X: np.ndarray) -> np.ndarray:
    out = target.forward(X)
    return out[:, 0]


def _squared_error(learner: Any, target: MLPBlock, X_test: np.ndarray) -> float:
    pred = np.asarray(learner.predict(X_test), dtype=np.float64).reshape(X_test.shape[0], -1)[:, 0]
    return float(np.mean((pred - _target_values(target, X_test)) ** 2))


def assert_learns(learner: Any, strategy: SearchStrategy[MLPBlock], eps: float, delta: float, m: int, *,
                  trials: int = 20, alpha: float = 0.01, max_examples: int = 25, noise: float = 0.0,
                  seed: int = 0, exact_max_n: int = 14, test_size: int = 4096) -> None:
    """Hypothesis searches ``strategy`` for a target the learner fails to learn to error ``eps`` with ``m`` samples.

    For each target f (first output of a block on {-1,1}^n): ``trials`` independent data sets
    of m uniform points (labels f(x), sign-flipped with probability ``noise``), one
    ``learner.fit(X, y, seed=r)`` each, and the squared L2 error E[(h - f)^2] over the whole
    cube (n <= ``exact_max_n``) or a fixed sample of ``test_size`` points. A fit fails when the
    error exceeds eps. The target fails when the failure count F is too large for a rate of
    ``delta``: P[Binomial(trials, delta) >= F] < ``alpha`` (a one-sided exact binomial test).
    The search is derandomised (``seed`` and the strategy fix it); failures are shrunk.
    Call it from a plain test function, not from inside another ``@given`` test.

    Parameters
    ----------
    learner : object
        Has ``fit(X, y, seed=...)`` and ``predict(X)`` (for example :class:`~sparsecert.sparse_models.LowDegreeLearner`).
    strategy : SearchStrategy of MLPBlock
        The targets (their first output is learned), e.g. :func:`properties.strategies.juntas`.
    eps : float
        Allowed squared L2 error (> 0).
    delta : float
        Allowed failure rate of one fit, in (0, 1).
    m : int
        Samples per data set.
    trials : int, default 20
        Data sets per target.
    alpha : float, default 0.01
        Significance of the binomial test, in (0, 1).
    max_examples : int, default 25
        Targets Hypothesis tries.
    noise : float, default 0.0
        Label-flip probability, in [0, 0.5].
    seed : int, default 0
        Seed of the data sets.
    exact_max_n : int, default 14
        Errors are exact over the cube up to this n, sampled above.
    test_size : int, default 4096
        Test points when sampled.

    Returns
    -------
    None
        The learner learned every target tried.

    Raises
    ------
    LearningAssertionError
        A (shrunk) target the learner fails on too often; the target is saved and a reproduction printed.
    InvalidArgument
        A bad learner, strategy or parameter.

    Examples
    --------
    >>> from hypothesis import strategies as st
    >>> from sparsecert.sparse_models import LowDegreeLearner, parity_block
    >>> from sparsecert.properties import assert_learns
    >>> assert_learns(LowDegreeLearner(degree=2), st.just(parity_block(4, [0, 1])), eps=0.1, delta=0.1, m=400,
    ...               trials=5, max_examples=1)  # passes: returns None
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not this helper
    if not callable(getattr(learner, "fit", None)) or not callable(getattr(learner, "predict", None)):
        raise InvalidArgument(f"learner needs fit(X, y, seed=...) and predict(X) methods, got {type(learner).__name__}")
    if not isinstance(strategy, SearchStrategy):
        raise InvalidArgument(f"strategy must be a Hypothesis strategy of target blocks, got {type(strategy).__name__}")
    eps = as_finite_float("eps", eps)
    delta = as_finite_float("delta", delta)
    alpha = as_finite_float("alpha", alpha)
    noise = as_finite_float("noise", noise)
    if eps <= 0 or not 0 < delta < 1 or not 0 < alpha < 1 or not 0 <= noise <= 0.5:
        raise InvalidArgument(f"need eps > 0, 0 < delta < 1, 0 < alpha < 1, 0 <= noise <= 0.5;"
                              f" got eps={eps}, delta={delta}, alpha={alpha}, noise={noise}")
    m = as_count("m", m, low=1)
    trials = as_count("trials", trials, low=1)
    max_examples = as_count("max_examples", max_examples, low=1)
    seed = as_count("seed", seed, low=0)
    exact_max_n = as_count("exact_max_n", exact_max_n, low=1, high=22)
    test_size = as_count("test_size", test_size, low=1)
    threshold = next((c for c in range(trials + 2) if c > trials or binomial_tail(c, trials, delta) < alpha))
    cls = type(learner)
    module = "sparsecert.sparse_models" if cls.__module__.startswith("sparsecert.sparse_models") else cls.__module__
    learner_import = f"from {module} import {cls.__name__}  # the learner, as its repr below rebuilds it"
    call = (f"assert_learns({learner!r}, {{strategy}}, eps={eps!r}, delta={delta!r}, m={m}, trials={trials},"
            f" alpha={alpha!r}, noise={noise!r}, seed={seed})")

    def check(target: MLPBlock) -> None:
        if not isinstance(target, MLPBlock):
            raise InvalidArgument(f"the strategy must produce MLPBlocks (targets), got {type(target).__name__}")
        cube = Hypercube(target.n)
        if target.n <= exact_max_n:
            X_test, how = np.concatenate([X for _, X in cube.chunks()]), "exact, over the whole cube"
        else:
            X_test, how = cube.sample(np.random.default_rng([seed, 1]), test_size), f"on {test_size} test points"
        errors = []
        for r in range(trials):
            rng = np.random.default_rng([seed, 0, r])
            X = cube.sample(rng, m)
            y = _target_values(target, X)
            if noise:
                y = np.where(rng.random(m) < noise, -y, y)
            learner.fit(X, y, seed=r)
            errors.append(_squared_error(learner, target, X_test))
        fails = sum(e > eps for e in errors)
        if fails >= threshold:
            p = binomial_tail(fails, trials, delta)
            head = (f"{learner!r} failed on {fails} of {trials} draws of m={m} samples (error > eps = {eps:g},"
                    f" squared L2 {how}); a failure rate of delta = {delta:g} gives P[Binomial({trials}, {delta:g})"
                    f" >= {fails}] = {p:.3g} < alpha = {alpha:g}.")
            raise LearningAssertionError(head, {"errors": errors, "failures": fails, "target": target})

    def report(exc: LearningAssertionError) -> LearningAssertionError:
        """The final (shrunk) failure with its target saved once, not at every shrinking step."""
        target, errors = exc.result["target"], exc.result["errors"]
        path, why = failures.save(target)
        ref = _inline(target)
        models = ["MLPBlock"] if ref is not None else ["load"]
        if ref is None:
            ref = f"load({_quote(path)})" if path is not None else "target"
        lines = [str(exc.args[0]),
                 f"  target: {codegen.block_text(target)}",
                 f"  errors: {[float(f'{e:.4g}') for e in errors]}",
                 f"  allowed failures: at most {threshold - 1} of {trials}",
                 (f"  target saved to {path}" if path is not None else f"  target not saved ({why})"),
                 _reproduce(["from hypothesis import strategies as st",
                             f"from sparsecert.sparse_models import {', '.join(models)}",
                             "from sparsecert.properties import assert_learns", learner_import,
                             call.format(strategy=f"st.just({ref})")])]
        out = LearningAssertionError("\n".join(lines), {"errors": errors, "failures": exc.result["failures"],
                                                        "target": target, "path": path})
        if getattr(exc, "__notes__", None):  # Hypothesis's "Falsifying example: ..." (set directly: Python 3.10 has no add_note)
            out.__notes__ = list(exc.__notes__)
        return out

    run = settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))(given(strategy)(check))
    try:
        run()
    except LearningAssertionError as exc:
        session.record(learning_checks=1, learning_failures=1)
        raise report(exc) from None
    session.record(learning_checks=1)

