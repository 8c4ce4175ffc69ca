"""A plug for generated gesture streams (the demo live feed, `gesture stream --synth`).

The service may not import the generator (it lives in `training/`, see the conventions);
the `gesture` command line registers it at start-up, so the service gets generated frames
without depending on the training code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from service.sources.frames import FramePair

# (seed, number of gestures) -> (frames, fps, the gestures' names in order)
StreamFactory = Callable[[int, int], tuple[Sequence[FramePair], float, list[str]]]

_factory: StreamFactory | None = None


def register(factory: StreamFactory) -> None:
    """Install the generator (the `gesture` CLI does this)."""
    global _factory
    _factory = factory


def render(seed: int, gestures: int) -> tuple[Sequence[FramePair], float, list[str]]:
    """A generated stream: frames, fps and the gestures performed, in order.

    Raises:
        RuntimeError: no generator registered (run the server with `gesture serve`).
    """
    if _factory is None:
        raise RuntimeError("generated streams need the SynthGesture generator: start the server with `gesture serve`")
    return _factory(seed, gestures)
