"""Assertion helpers for a user's own pytest suite: sparsity, equivalence, learning.

Each helper proves its claim or fails with an :class:`AssertionError` subclass whose
message shows the witness input, the active units and the exact call that reproduces
it. An undecided check (solver timeout) fails too, saying it could not prove the claim
within the timeout: never a pass. Outcomes are counted for the pytest plugin's summary.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Hypercube, MLPBlock, check_domain
from sparsecert.sparse_models._validate import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.verify import Stats, Unknown, Verified, Violated, check_sparsity, equivalent

from ._internal import codegen, session

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
    return codegen.array(x)


def _reproduce(lines: list[str]) -> str:
    return "reproduce:\n" + "\n".join("    " + ln for ln in lines)


# -- k-sparsity ------------------------------------------------------------------------------------

def assert_k_sparse(block: MLPBlock, k: int, domain: Any, *, timeout: float | None = None,
                    tau: float = 0.0) -> Verified:
    """Prove that at most ``k`` units of ``block`` are active at once on ``domain``; return the proof.

    Fails with :class:`SparsityAssertionError` (witness, active units, pre-activations, the
    reproducing call) when more are active somewhere, and with :class:`NotProvedError` when
    the verifier times out. ``timeout=None`` uses the plugin's ``--sparsecert-timeout``.
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
    ref, note = codegen.block_reference(block)
    dom = codegen.domain_code(domain)
    extra = (f", tau={codegen.number(tau)}" if tau else "") + (f", timeout={t!r}" if t is not None else "")
    repro = [f"from sparsecert.sparse_models import MLPBlock, {type(domain).__name__}", "from sparsecert.verify import check_sparsity"]
    repro += [note] if note else []
    repro.append(f"check_sparsity({ref}, {k}, {dom}{extra})")
    name = f"block{(' ' + repr(block.name)) if block.name else ''} (n={block.n}, s={block.s})"
    if isinstance(res, Violated):
        session.record(counterexamples=1)
        w = res.witness
        z = block.pre_activations(w.x)
        zs = ", ".join(f"{i}: {codegen.number(z[i])}" for i in w.active_units[:32])
        more = " ..." if len(w.active_units) > 32 else ""
        lines = [f"{name} is not {k}-sparse on {dom}: {w.count} units are active at once (tau = {tau:g}).",
                 f"  witness input x = {_fmt_vec(w.x)}",
                 f"  active units: {list(w.active_units)}",
                 f"  their pre-activations z_i(x): {{{zs}{more}}}"]
        if w.exact_x is not None:
            lines.append(f"  exact (rational) witness: [{', '.join(str(v) for v in w.exact_x)}]")
        if w.borderline:
            lines.append(f"  borderline units (within float rounding of tau at x): {list(w.borderline)}")
        raise SparsityAssertionError("\n".join(lines) + "\n" + _reproduce(repro), res)
    assert isinstance(res, Unknown)
    session.record(undecided=1)
    lines = [f"could not prove within timeout ({t} s) that {name} is {k}-sparse on {dom}: the verifier stopped"
             f" with the max-active number proved to lie in [{res.lower}, {res.upper}] ({res.reason}).",
             "  This is not a pass. Give the solver more time (timeout=..., or --sparsecert-timeout), or shrink the domain."]
    if res.witness is not None:
        lines.append(f"  best input found: x = {_fmt_vec(res.witness.x)} with active units {list(res.witness.active_units)}")
    raise SparsityNotProved("\n".join(lines) + "\n" + _reproduce(repro), res)


# -- equivalence -----------------------------------------------------------------------------------

def _function_ref(f: Any, var: str) -> tuple[str, str]:
    if isinstance(f, MLPBlock):
        return codegen.block_reference(f, var)
    return var, f"# {var}: the {type(f).__name__} you passed (a pruned function: block plus exact skip term)"


def _base_block(f: Any) -> MLPBlock:
    return f if isinstance(f, MLPBlock) else f.block


def assert_equivalent(a: Any, b: Any, domain: Any, *, tol: float = 0.0, timeout: float | None = None) -> Any:
    """Prove |a(x) - b(x)| <= tol on every output and every x in ``domain``; return the proof.

    ``a`` and ``b`` are MLPBlocks or pruned functions (:func:`verify.prune` results). Fails
    with :class:`EquivalenceAssertionError` showing the input where they differ, both outputs
    and each one's active units there, or :class:`NotProvedError` on a timeout.
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not this helper
    t = _timeout(timeout)
    res = equivalent(a, b, domain, tol=tol, timeout=t)
    if res.status == "verified":
        session.record(proofs=1)
        return res
    ref_a, note_a = _function_ref(a, "a")
    ref_b, note_b = _function_ref(b, "b")
    dom = codegen.domain_code(domain)
    extra = (f", tol={codegen.number(tol)}" if tol else "") + (f", timeout={t!r}" if t is not None else "")
    repro = [f"from sparsecert.sparse_models import MLPBlock, {type(domain).__name__}", "from sparsecert.verify import equivalent"]
    repro += [n for n in (note_a, note_b) if n]
    repro.append(f"equivalent({ref_a}, {ref_b}, {dom}{extra})")
    if res.status == "violated":
        session.record(counterexamples=1)
        d = res.difference
        x = d.x
        fa, fb = (np.atleast_1d(f.forward(x)) for f in (a, b))
        ba, bb = _base_block(a), _base_block(b)
        lines = [f"the two functions differ on {dom} by more than tol = {tol:g}.",
                 f"  witness input x = {_fmt_vec(x)}",
                 f"  output {d.output}: a(x) - b(x) = {d.exact_difference} exactly ({d.float_difference!r} in float64)",
                 f"  a(x) = {_fmt_vec(fa)}, b(x) = {_fmt_vec(fb)}",
                 f"  active units of a at x: {np.flatnonzero(ba.active_mask(x)).tolist()};"
                 f" of b: {np.flatnonzero(bb.active_mask(x)).tolist()}"]
        if d.exact_x is not None:
            lines.append(f"  exact (rational) witness: [{', '.join(str(v) for v in d.exact_x)}]")
        raise EquivalenceAssertionError("\n".join(lines) + "\n" + _reproduce(repro), res)
    session.record(undecided=1)
    msg = (f"could not prove within timeout ({t} s) that the two functions agree on {dom} ({res.reason}).\n"
           "  This is not a pass. Give the solver more time (timeout=..., or --sparsecert-timeout).")
    raise EquivalenceNotProved(msg + "\n" + _reproduce(repro), res)


# -- learning --------------------------------------------------------------------------------------

def binomial_tail(failures: int, trials: int, p: float) -> float:
    """P[Binomial(trials, p) >= failures], exactly summed."""
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
            ref = codegen.block_code(target)
            strat = f"st.just({ref})" if ref is not None else "st.just(target)"
            lines = [f"{learner!r} failed on {fails} of {trials} draws of m={m} samples (error > eps = {eps:g},"
                     f" squared L2 {how}); a failure rate of delta = {delta:g} gives P[Binomial({trials}, {delta:g})"
                     f" >= {fails}] = {p:.3g} < alpha = {alpha:g}.",
                     f"  target: {ref if ref is not None else repr(target)}",
                     f"  errors: {[float(f'{e:.4g}') for e in errors]}",
                     f"  allowed failures: at most {threshold - 1} of {trials}",
                     _reproduce(["from hypothesis import strategies as st", "from sparsecert.sparse_models import MLPBlock",
                                 "from sparsecert.properties import assert_learns", learner_import,
                                 call.format(strategy=strat)])]
            raise LearningAssertionError("\n".join(lines), {"errors": errors, "failures": fails})

    run = settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))(given(strategy)(check))
    try:
        run()
    except LearningAssertionError:
        session.record(learning_checks=1, learning_failures=1)
        raise
    session.record(learning_checks=1)

