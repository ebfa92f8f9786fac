"""The SOR-team's import of activities and milestones from a spreadsheet
(`milestones.imports` on the one import engine, its pages in `core.imports.pages`)."""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.imports import pages
from core.spreadsheets import XLSX_CONTENT_TYPE
from parties.access import request_access

from ..imports import plan_import, template_xlsx

TEMPLATE = "milestones/plan_import.html"


@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a plan file: its preview (a dry run) or every error; nothing is written yet."""
    request_access(request).require_plan_editor()
    return pages.upload_page(request, run=plan_import, prefix="plan", template=TEMPLATE)


@require_POST
def import_confirm(request):
    """Import the previewed file for real (all or nothing)."""
    request_access(request).require_plan_editor()
    return pages.confirm(
        request,
        run=plan_import,
        prefix="plan",
        template=TEMPLATE,
        again="milestones:plan_import",
        done="milestones:activity_list",
    )


@require_safe
def import_template(request):
    """The .xlsx template: Danish headers and drop-down lists."""
    request_access(request).require_plan_editor()
    response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="plan-skabelon.xlsx"'
    return response
