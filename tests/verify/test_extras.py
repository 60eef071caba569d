"""The extras say what they are for, and a missing backend is named once (issue 17 item 3)."""

from __future__ import annotations


def test_missing_extras_are_named_once(monkeypatch, caplog):
    import sparsecert.verify.extras as extras

    monkeypatch.setattr(extras, "HAVE_HIGHS", False)
    monkeypatch.setattr(extras, "_said", False)
    with caplog.at_level("WARNING", logger="sparsecert"):
        extras.notice_missing_extras()
        extras.notice_missing_extras()
    said = [r.getMessage() for r in caplog.records if "sparsecert[" in r.getMessage()]
    assert len(said) == 1 and "sparsecert[solvers]" in said[0] and "highspy" in said[0]
