"""``runtime.collection.collection_paused``: the garbage collector paused inside, as it was after, whatever happens
inside (issue #28). A collector left paused would let a whole run's cyclic garbage pile up."""

from __future__ import annotations

import gc

import pytest

from runtime.collection import collection_paused


def test_paused_inside_and_running_again_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause ends inside the outer one
    assert gc.isenabled()


def test_running_again_after_an_error() -> None:
    with pytest.raises(ImportError), collection_paused():
        import a_module_that_does_not_exist  # noqa: F401
    assert gc.isenabled()


def test_left_paused_when_it_was_paused() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
