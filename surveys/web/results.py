"""Results pages and downloads; individual responses for the consultation's facilitators."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from deliberation.errors import NotFound
from surveys import exports
from surveys.presentation import crosstab_choices, question_views
from surveys.results import compute_results
from surveys.web.common import load, render, survey_url


def _version(request: Request) -> int | None:
    raw = request.query_params.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


async def results_page(request: Request) -> Response:
    db, principal = request.state.db, request.state.principal
    consultation, survey = await load(request)
    by = request.query_params.get("by", "")[:64] or None
    results = await compute_results(
        db, principal, consultation, survey, version_number=_version(request), by=by
    )
    return render(
        request,
        "surveys/results.html",
        consultation=consultation,
        survey=survey,
        results=results,
        views=question_views(results),
        crosstab_choices=crosstab_choices(results.definition),
        can_export=True,
        export_base=survey_url(request, "surveys:answer", survey) + "/export",
    )


async def export(request: Request) -> Response:
    """results.csv|xlsx|json (as visible as the results), responses.* (facilitators only)."""
    db, principal = request.state.db, request.state.principal
    consultation, survey = await load(request)
    what, fmt = request.path_params["what"], request.path_params["fmt"]
    if fmt not in exports.FORMATS or what not in ("results", "responses"):
        raise NotFound()
    if what == "results":
        results = await compute_results(
            db, principal, consultation, survey, version_number=_version(request), quotes=False
        )
        header, rows = exports.results_table(results)
        raw = {
            "survey": survey.title,
            "version": results.version.number,
            "columns": header,
            "rows": rows,
        }
    else:
        header, rows, records = await exports.response_table(db, principal, consultation, survey)
        raw = {"survey": survey.title, "responses": records}
    body = exports.encode(fmt, what, header, rows, raw)
    filename = f"survey-{survey.id}-{what}.{fmt}"
    return Response(
        body,
        media_type=exports.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def responses_page(request: Request) -> Response:
    """Individual responses (facilitators): list with answers, newest first."""
    db, principal = request.state.db, request.state.principal
    consultation, survey = await load(request)
    header, rows, _records = await exports.response_table(db, principal, consultation, survey)
    latest = list(reversed(rows))[:200]
    return render(
        request,
        "surveys/responses.html",
        consultation=consultation,
        survey=survey,
        header=header,
        rows=latest,
        total=len(rows),
        export_base=survey_url(request, "surveys:answer", survey) + "/export",
    )
