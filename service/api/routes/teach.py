"""`/v1/teach`: record takes from the server's camera feed, adapt a model to them, and
`/v1/models/switch`: serve another model without a restart. Every route needs the API key
when one is set. See service/teach/ and docs/protocol.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import FeedsDep, StateDep, require_api_key
from service.api.model_switch import switch_model
from service.api.routes.rest import model_summary
from service.api.state import ServiceState
from service.errors import NotFound
from service.teach.teacher import CAMERA_FEED, MAX_TAKE_S, MIN_TAKE_S, Teacher

router = APIRouter(tags=["teach"], dependencies=[Depends(require_api_key)])


class TakeRequest(BaseModel):
    """Record the camera feed's next `seconds` as a take of gesture `label`."""

    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=40)
    seconds: float = Field(2.0, ge=MIN_TAKE_S, le=MAX_TAKE_S, allow_inf_nan=False)


class AdaptRequest(BaseModel):
    """Run `gesture adapt` on the takes within `minutes`."""

    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(10.0, ge=1, le=60, allow_inf_nan=False)


class SwitchRequest(BaseModel):
    """Serve model `name`: an adapted model of the Teach folder, or the server's start-up model."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


def _teacher(state: ServiceState) -> Teacher:
    assert state.teacher is not None
    return state.teacher


def _serving(state: ServiceState) -> str:
    model = state.runtime.model
    return Path(model.path).name if model is not None else state.settings.model.name


@router.get("/v1/teach")
async def overview(state: StateDep, feeds: FeedsDep) -> dict[str, Any]:
    """The takes (by gesture), the adapt run, the adapted models and the model served now."""
    return _teacher(state).overview(feeds.get(CAMERA_FEED), _serving(state), state.settings.model.name)


@router.post("/v1/teach/takes", status_code=201)
async def record_take(body: TakeRequest, state: StateDep, feeds: FeedsDep) -> dict[str, Any]:
    """Keep the camera feed's next `seconds` of frames as a take (answers when it is saved)."""
    take = await _teacher(state).record(feeds.get(CAMERA_FEED), body.label, body.seconds)
    return take.to_json()


@router.get("/v1/teach/takes/{clip_id}/preview", response_class=Response)
async def take_preview(clip_id: str, state: StateDep) -> Response:
    """A JPEG strip of four colour frames of the take."""
    return Response(_teacher(state).preview(clip_id), media_type="image/jpeg")


@router.delete("/v1/teach/takes/{clip_id}")
async def delete_take(clip_id: str, state: StateDep) -> dict[str, str]:
    """Delete a take."""
    _teacher(state).delete(clip_id)
    return {"deleted": clip_id}


@router.post("/v1/teach/adapt", status_code=202)
async def start_adapt(body: AdaptRequest, state: StateDep) -> dict[str, Any]:
    """Start `gesture adapt` on the takes from the server's start-up model; follow it with GET."""
    return _teacher(state).start_adapt(state.settings.model, body.minutes).to_json()


@router.get("/v1/teach/adapt")
async def adapt_progress(state: StateDep) -> dict[str, Any]:
    """The latest adapt run: state, stage, progress, messages, and the report once done."""
    job = _teacher(state).job
    if job is None:
        raise NotFound("no adapt run yet")
    return job.to_json()


@router.delete("/v1/teach/adapt")
async def cancel_adapt(state: StateDep) -> dict[str, Any]:
    """Cancel the adapt run going now."""
    teacher = _teacher(state)
    teacher.cancel_adapt()
    return teacher.job.to_json()  # type: ignore[union-attr]


@router.post("/v1/models/switch", tags=["models"])
async def switch(body: SwitchRequest, state: StateDep) -> dict[str, Any]:
    """Serve another model from now on: streams already open finish on the old one."""
    startup = state.settings.model
    path = startup if body.name == startup.name else _teacher(state).model_path(body.name)
    runtime = await switch_model(state, path)
    return {"models": [model_summary(runtime)], "startup_model": startup.name}
