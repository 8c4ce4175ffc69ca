"""Errors a client can cause, each mapped to an HTTP status with a JSON body that names it."""

from __future__ import annotations


class ClientError(Exception):
    """Base of client-caused errors: `status` and a machine-readable `code`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error": self.code, "detail": self.message}


class PayloadTooLarge(ClientError):
    status = 413
    code = "payload_too_large"


class UnsupportedMedia(ClientError):
    status = 415
    code = "unsupported_media"


class UndecodableInput(ClientError):
    status = 422
    code = "undecodable_input"


class InvalidClip(ClientError):
    """Decoded, but unusable: mismatched modalities, too many frames, too large frames."""

    status = 422
    code = "invalid_clip"


class MissingModality(ClientError):
    status = 422
    code = "missing_modality"


class Overloaded(ClientError):
    """The inference queue is full: the client should retry later. The API's word for the
    scheduler's `QueueFull` (the inference core raises no HTTP errors)."""

    status = 503
    code = "overloaded"


class NotReady(ClientError):
    """The model is still loading."""

    status = 503
    code = "not_ready"


class Unauthorized(ClientError):
    status = 401
    code = "unauthorized"


class TooManyStreams(ClientError):
    status = 429
    code = "too_many_streams"


class NotFound(ClientError):
    status = 404
    code = "not_found"


class Conflict(ClientError):
    """The request cannot run in the server's present state (no camera to record from,
    an adapt run already going, a recording in progress)."""

    status = 409
    code = "conflict"


class InvalidRequest(ClientError):
    """A well-formed request with a value the server cannot use."""

    status = 422
    code = "invalid_request"


class ForbiddenOrigin(ClientError):
    """A browser page of another origin than the server's or `GESTURE_CORS_ORIGINS`."""

    status = 403
    code = "forbidden_origin"
