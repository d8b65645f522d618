"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error a client sees has ``type``, ``title``, ``status`` and ``detail``; a
validation error adds ``errors`` (one entry per field or spreadsheet cell). No stack
trace, file path or query text ever reaches a client: anything unexpected becomes a
plain 500 and is logged on the server.
"""

from __future__ import annotations

import http
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.exceptions import ImportRejected, NotFound, PowermapError, StoreFull, StoreUnavailable
from importers.limits import ImportCancelled

__all__ = [
    "Problem",
    "FieldError",
    "ApiProblem",
    "PROBLEM_MEDIA_TYPE",
    "problem_response",
    "import_problem",
    "install_problem_handlers",
    "errors",
    "not_found",
]

log = logging.getLogger("powermap.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One invalid value: a request field (``loc``) or an import cell (``file``/``row``/``column``)."""

    model_config = ConfigDict(extra="allow")

    message: str
    loc: list[str | int] | None = Field(default=None, description="Where in the request (FastAPI style).")
    file: str | None = Field(default=None, description="Import: the file, sheet or table.")
    row: int | None = Field(default=None, description="Import: the row as a spreadsheet shows it "
                                                       "(header = 1); for JSON records, index + 2.")
    column: str | None = Field(default=None, description="Import: the column as it was written.")
    pointer: str | None = Field(default=None, description="JSON import: a JSON pointer to the value.")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raise from a route or dependency to answer with a problem."""

    def __init__(self, status: int, detail: str | None = None, *, type: str = "about:blank",
                 title: str | None = None, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title or http.HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers


def not_found(what: str, record_id: object) -> ApiProblem:
    """The 404 for an id that does not exist or lies outside the key's accounts (same answer)."""
    return ApiProblem(404, f"no {what} {record_id!r}", type="urn:powermap:problem:not-found")


def problem_response(status: int, detail: str | None = None, *, type: str = "about:blank",
                     title: str | None = None, errors: list[dict[str, Any]] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": type, "title": title or http.HTTPStatus(status).phrase,
                            "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _from_problem(request: Request, exc: ApiProblem) -> JSONResponse:
    return problem_response(exc.status, exc.detail, type=exc.type, title=exc.title, errors=exc.errors,
                            headers=exc.headers)


def _from_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such endpoint {request.url.path!r}"
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def _from_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if isinstance(part, (str, int))]
        errors.append({"loc": loc, "message": str(error.get("msg", "invalid value"))})
    return problem_response(422, "the request is not valid", type="urn:powermap:problem:invalid-request",
                            errors=errors)


def _from_import(request: Request, exc: ImportRejected) -> JSONResponse:
    return import_problem(exc)


def import_problem(exc: ImportRejected, *, pointers: bool = False) -> JSONResponse:
    """The 422 of a rejected import: every problem with file, row and column (and, for
    JSON records, a JSON pointer ``/contacts/0/stance`` to the value)."""
    errors = []
    for problem in exc.problems:
        error = {"message": problem.message, "file": problem.file, "row": problem.row,
                 "column": problem.column}
        if pointers and problem.row is not None:
            error["pointer"] = "/" + "/".join(
                str(part).replace("~", "~0").replace("/", "~1")
                for part in (problem.file, problem.row - 2, *([problem.column] if problem.column else [])))
        errors.append(error)
    return problem_response(422, str(exc), type="urn:powermap:problem:import-rejected",
                            title="Import rejected", errors=errors)


def _from_not_found(request: Request, exc: NotFound) -> JSONResponse:
    return problem_response(404, str(exc), type="urn:powermap:problem:not-found")


def _from_cancelled(request: Request, exc: ImportCancelled) -> JSONResponse:
    log.warning("%s", exc)
    return problem_response(503, str(exc), type="urn:powermap:problem:import-stopped")


def _from_full(request: Request, exc: StoreFull) -> JSONResponse:
    log.error("store full: %s", exc)
    return problem_response(507, "the store's disk is full: nothing was written; try again once space has "
                                 "been freed", type="urn:powermap:problem:insufficient-storage")


def _from_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
    log.error("store unavailable: %s", exc)
    return problem_response(503, "the store is unavailable; try again later",
                            type="urn:powermap:problem:store-unavailable")


def _from_powermap(request: Request, exc: PowermapError) -> JSONResponse:
    # deliberate refusals of the library (e.g. deleting an account that has sub-accounts)
    return problem_response(409, str(exc), type="urn:powermap:problem:conflict")


def _from_anything(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(500, "an unexpected error occurred; it has been logged",
                            type="urn:powermap:problem:internal")


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to problem+json; the last handler catches anything unexpected."""
    app.add_exception_handler(ApiProblem, _from_problem)
    app.add_exception_handler(StarletteHTTPException, _from_http)
    app.add_exception_handler(RequestValidationError, _from_validation)
    app.add_exception_handler(ImportRejected, _from_import)
    app.add_exception_handler(NotFound, _from_not_found)
    app.add_exception_handler(ImportCancelled, _from_cancelled)
    app.add_exception_handler(StoreFull, _from_full)
    app.add_exception_handler(StoreUnavailable, _from_unavailable)
    app.add_exception_handler(PowermapError, _from_powermap)
    app.add_exception_handler(Exception, _from_anything)


_DESCRIPTIONS = {
    304: "Not modified: the resource still has the ETag given in If-None-Match.",
    400: "Bad request.",
    401: "No API key, or an unknown or revoked one (Authorization: Bearer … or the session cookie).",
    403: "The key's scope does not allow this (read < write < admin).",
    404: "No such record, or it lies outside the key's accounts (the same answer).",
    409: "The request conflicts with the stored data.",
    412: "If-Match did not match the record's current ETag.",
    413: "The request body or upload is larger than the configured limit.",
    415: "Unsupported content type.",
    422: "The request or the records in it are not valid; `errors` lists every problem.",
    500: "Unexpected error (logged on the server; no details are given).",
    503: "The store is unavailable, or an import was stopped (its deadline passed, the server is shutting "
         "down); nothing was written.",
    507: "The store's disk is full: nothing was written.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each a problem+json document."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if status == 304:
            out[status] = {"description": _DESCRIPTIONS[status]}
        else:
            out[status] = {"model": Problem, "description": _DESCRIPTIONS[status]}
    return out
