"""``/template``: a blank workbook in the import format, to fill in and upload to ``POST /import``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ReadKey
from api.exports import XLSX_MEDIA_TYPE
from api.problems import errors

__all__ = ["router"]

router = APIRouter(prefix="/template", tags=["imports"])


@router.get("", summary="A blank workbook to fill in", response_class=Response,
            responses={200: {"description": "The workbook", "content": {XLSX_MEDIA_TYPE: {
                "schema": {"type": "string", "format": "binary"}}}}, **errors(401, 422)})
def template(who: ReadKey,
             lang: Annotated[Literal["zh", "en"], Query(description="Sheet names, headers and the words of the "
                                                                    "drop-down lists in Chinese or English.")] = "zh",
             ) -> Response:
    """The same workbook as `powermap template`: a sheet per table, drop-down lists for the
    enumerated columns, ranges for the 0..1 columns, example rows and an instructions sheet."""
    from importers.workbook_writer import template_workbook

    return Response(template_workbook(lang), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="powermap-template.xlsx"'})
