"""Budget and Goal: shares never outlive their parent, nodes are charged upwards, and a
goal is settled exactly when its bracket answers it."""

from sparsecert.verify.budget import COMPILED_NODES_PER_NODE, Budget, OutOfBudget
from sparsecert.verify.goal import Goal


def test_share_ends_no_later_than_the_parent():
    parent = Budget.start(10.0)
    child = parent.share(0.5, cap=2.0)
    assert child.deadline <= parent.deadline and child.remaining() <= 2.0
    assert Budget.unlimited().share(0.5).deadline is None
    assert Budget.unlimited().share(0.5, cap=1.0).remaining() <= 1.0


def test_nodes_are_charged_to_every_parent():
    parent = Budget(None, 10)
    child = parent.share(nodes=0.5)
    assert child.node_limit == 5 and child.deterministic
    child.charge(5)
    assert child.nodes_expired() and parent.nodes_used == 5 and not parent.nodes_expired()
    child.charge_compiled(COMPILED_NODES_PER_NODE + 1)  # rounded up to whole LP nodes
    assert parent.nodes_used == 7
    parent.charge(3)
    assert parent.expired() and parent.reason() == "node limit"
    try:
        parent.check()
    except OutOfBudget as e:
        assert e.reason == "node limit"
    else:
        raise AssertionError("check() must raise once the nodes are spent")


def test_extend_moves_the_parents_too():
    parent = Budget.start(1.0)
    child = parent.share(1.0)
    before = (parent.deadline, child.deadline)
    child.extend(5.0)
    assert (parent.deadline, child.deadline) == (before[0] + 5.0, before[1] + 5.0)


def test_goal_settlement():
    g = Goal.maximise()
    assert not g.is_check and g.settled(3, 3) and not g.settled(2, 3)
    k = Goal.at_most(4)
    assert k.settled(5, 9) and k.settled(0, 4) and not k.settled(4, 5)
    assert k.target(1) == 5 and g.target(1) == 2
    part = k.for_part(2, 3)  # others proved within [2, 3]
    assert (part.exceed, part.within) == (2, 1)
    assert part.settled(3, 9) and part.settled(0, 1) and not part.settled(1, 2)
