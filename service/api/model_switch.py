"""Switch the server to another model without a restart.

The new model loads and warms beside the old one; then new requests, new streams and the
live feeds use it, while streams and requests already going finish on the old one, which
closes when the last of them ends (`Runtime.retire`).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from service.api.state import ServiceState
from service.errors import Conflict, InvalidRequest
from service.inference.runtime import Runtime

log = logging.getLogger("gesture.app")


async def switch_model(state: ServiceState, path: Path) -> Runtime:
    """Load `path` and make it the served model; returns its runtime.

    Raises:
        Conflict: another switch is loading a model now.
        InvalidRequest: the model cannot be loaded (the old one keeps serving).
    """
    if state.switching:
        raise Conflict("another model switch is loading a model now")
    state.switching = True
    try:
        new = Runtime(state.settings.model_copy(update={"model": Path(path)}), state.metrics, state.runtime.after_idle)
        try:
            await asyncio.get_running_loop().run_in_executor(None, new.start)
        except Exception as exc:  # a broken file: say why, keep serving the old model
            new.retire()  # closes what it opened; the readiness gauge stays the old model's
            raise InvalidRequest(f"model {Path(path).name} could not be loaded: {exc}") from None
        old, state.runtime = state.runtime, new
        for feed in state.feeds.values():
            feed.use_runtime(new)
        old.retire()
        log.info("switched to model %s (%d users finish on the previous one)", Path(path).name, old.users)
        return new
    finally:
        state.switching = False
