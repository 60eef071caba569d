"""A property test for a learner: copy this and replace LowDegreeLearner by yours.

A learner needs fit(X, y, seed=...) and predict(X). Hypothesis picks target functions
(here: juntas, which low-degree learning must handle), and assert_learns fails with the
simplest target on which the learner misses error eps more often than delta allows.
The sample size comes from the bounds registry (docs/theory.md §4, Theorems C1/C2).

    pytest test_my_learner.py
"""

import math

import numpy as np
from hypothesis import given, settings

from sparsecert.properties import assert_learns
from sparsecert.properties.bounds import evaluate
from sparsecert.properties.strategies import juntas, labelled_samples
from sparsecert.sparse_models import Hypercube, LowDegreeLearner

N, DEGREE, EPS, DELTA = 6, 2, 0.1, 0.1
VALUES = {"F": 1, "n": N, "d": DEGREE, "epsilon": EPS, "delta": DELTA}
M = min(math.ceil(evaluate("lmn_samples_hoeffding", VALUES).number),
        math.ceil(evaluate("lmn_samples_mcdiarmid", VALUES).number))


def make_learner():
    return LowDegreeLearner(DEGREE, clip=1.0)  # <- your learner here


def test_learner_reaches_eps_with_the_promised_samples():
    assert_learns(make_learner(), juntas(n=N, max_t=DEGREE), eps=EPS, delta=DELTA, m=M, trials=10, max_examples=8)


@settings(max_examples=10, deadline=None)
@given(labelled_samples(juntas(n=N, max_t=DEGREE), M, noise=0.05))
def test_learner_tolerates_label_noise(sample):
    X, y = sample
    learner = make_learner()
    learner.fit(X, y, seed=0)
    cube = np.concatenate([P for _, P in Hypercube(N).chunks()])
    truth = sample.block.forward(cube)[:, 0]
    disagree = np.mean(np.sign(learner.predict(cube)) != np.sign(truth))
    assert disagree <= 0.05, f"sign of the prediction is wrong on {disagree:.1%} of the cube"
