"""``POST /import``: a bulk import — a workbook, CSV files or a Salesforce export as a
multipart upload, or a JSON body with the same record lists — validated as a whole and
applied atomically, exactly like ``powermap import``."""

from __future__ import annotations

import json
import re
import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import WriteKey, WritesDep
from api.problems import ApiProblem, errors, import_problem
from api.responses import json_response
from api.schemas import ImportBody, ImportResult
from api.writes import raw_tables_from_records
from graph.exceptions import ImportProblem, ImportRejected
from importers import read_paths

__all__ = ["router", "IMPORT_REQUEST_BODY"]

router = APIRouter(tags=["import"])
MAX_FILES = 100

IMPORT_REQUEST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ImportBody"}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["files"],
        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                                 "description": "A workbook (.xlsx), CSV files named after their tables "
                                                "(contacts.csv, 联系人.csv …) or a Salesforce export's CSVs."}}}},
}}}


@router.post("/import", response_model=ImportResult, summary="Import records (upload or JSON)",
             openapi_extra=IMPORT_REQUEST_BODY, responses=errors(400, 401, 403, 413, 415, 422, 503, 507))
async def import_records(
    request: Request, who: WriteKey, writes: WritesDep,
    dry_run: Annotated[bool, Query(description="Validate only; write nothing.")] = False,
    format: Annotated[Literal["auto", "workbook", "salesforce"], Query(
        description="Uploads: auto detects a Salesforce export by its Account.csv/Contact.csv.")] = "auto",
) -> Response:
    """Validate everything, then write it in one transaction. On any problem nothing is
    written and the answer is 422 with every problem (file, row as a spreadsheet shows it,
    column as written; JSON records also get a JSON pointer). Re-importing the same data
    changes nothing. Raises `import.completed` (and `stance.changed`) webhooks."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            payload = json.loads(await request.body())
            body = ImportBody.model_validate(payload)
        except ValueError as err:  # JSONDecodeError, UnicodeDecodeError and ValidationError are ValueErrors
            raise _invalid_json(err) from None
        except RecursionError:
            raise ApiProblem(422, "the JSON is nested too deeply", type="urn:powermap:problem:invalid-request",
                             errors=[{"loc": ["body"], "message": "nested too deeply"}]) from None
        records = body.model_dump(exclude_none=True)
        try:
            tables = raw_tables_from_records(records)
            report = await request.app.state.running_imports.run(
                request, partial(writes.apply, tables, who, action="import", dry_run=dry_run))
        except ImportRejected as rejected:
            return import_problem(rejected, pointers=True)
    elif content_type == "multipart/form-data":
        async with request.form(max_files=MAX_FILES, max_fields=MAX_FILES) as form:
            uploads = [u for u in form.getlist("files") + form.getlist("file") if isinstance(u, UploadFile)]
            if not uploads:
                raise ApiProblem(422, "no files: send them as multipart field 'files'",
                                 type="urn:powermap:problem:invalid-request",
                                 errors=[{"loc": ["body", "files"], "message": "no files"}])
            files = [(u.filename or "", await u.read()) for u in uploads]
        try:
            report = await request.app.state.running_imports.run(
                request, _import_files, files, writes, who, format, dry_run)
        except ImportRejected as rejected:
            return import_problem(rejected)
    else:
        raise ApiProblem(415, "send application/json records or a multipart/form-data upload",
                         type="urn:powermap:problem:unsupported-media-type")
    return json_response(report.as_dict())


def _invalid_json(err: Exception) -> ApiProblem:
    if isinstance(err, ValidationError):
        found = [{"loc": ["body", *[p for p in e["loc"] if isinstance(p, (str, int))]], "message": e["msg"]}
                 for e in err.errors()]
    else:
        found = [{"loc": ["body"], "message": "not valid JSON"}]
    return ApiProblem(422, "the request is not valid", type="urn:powermap:problem:invalid-request", errors=found)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def _file_name(name: str, index: int) -> str:
    name = _UNSAFE.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".")
    return name[:200] or f"upload-{index + 1}"


def _import_files(files: list[tuple[str, bytes]], writes, who, format: str, dry_run: bool):
    """Save the uploads in a private folder, read them like `powermap import FOLDER`, apply."""
    with tempfile.TemporaryDirectory(prefix="powermap-upload-") as folder:
        root = Path(folder)
        names: list[str] = []
        problems = []
        for index, (given, data) in enumerate(files):
            name = _file_name(given, index)
            if name.lower() in (n.lower() for n in names):
                problems.append(ImportProblem(name, None, None, "the same file name was sent twice"))
            elif Path(name).suffix.lower() not in (".csv", ".xlsx"):
                problems.append(ImportProblem(name, None, None, "not a .xlsx or .csv file"))
            else:
                (root / name).write_bytes(data)
            names.append(name)
        if problems:
            raise ImportRejected(problems)
        try:
            tables, warnings = read_paths([root], format)  # type: ignore[arg-type]
        except ImportRejected as rejected:
            raise ImportRejected([_scrubbed(p, root) for p in rejected.problems]) from None
        for raw in tables:
            raw.file = _scrub(raw.file, root)
        warnings = [_scrub(w, root) for w in warnings]
        try:
            return writes.apply(tables, who, action="import", dry_run=dry_run, warnings=warnings)
        except ImportRejected as rejected:
            raise ImportRejected([_scrubbed(p, root) for p in rejected.problems]) from None


def _scrub(text: str, root: Path) -> str:
    """Text with the private folder's path taken out (no server path reaches a client)."""
    for prefix in (str(root.resolve()), str(root)):
        text = text.replace(prefix + "/", "").replace(prefix, "(upload)")
    return text


def _scrubbed(problem: ImportProblem, root: Path) -> ImportProblem:
    return ImportProblem(_scrub(problem.file, root), problem.row, problem.column, _scrub(problem.message, root))
