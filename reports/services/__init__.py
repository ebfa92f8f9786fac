"""Writes of the reports app: the monthly status report (`status_report`) and its
delivery by e-mail (`delivery`). The public names are importable from here."""

from .delivery import (
    delivery_send,
    distribution_list,
    editors_addresses,
    report_message_id,
    status_report_deliveries_create,
    status_report_ready_notify,
    status_report_resend_failed,
)
from .status_report import (
    APPENDIX_FULL_LIST_MAX,
    XLSX_NAME,
    document_context,
    monthly_report_period,
    previous_month,
    report_as_of,
    report_period_parse,
    status_report_data,
    status_report_generate,
    status_report_html,
    status_report_pdf,
    status_report_publish,
    status_report_publish_request,
    status_report_render,
    status_report_texts_update,
)

__all__ = [
    "APPENDIX_FULL_LIST_MAX",
    "XLSX_NAME",
    "delivery_send",
    "distribution_list",
    "document_context",
    "editors_addresses",
    "monthly_report_period",
    "previous_month",
    "report_as_of",
    "report_message_id",
    "report_period_parse",
    "status_report_data",
    "status_report_deliveries_create",
    "status_report_generate",
    "status_report_html",
    "status_report_pdf",
    "status_report_publish",
    "status_report_publish_request",
    "status_report_ready_notify",
    "status_report_render",
    "status_report_resend_failed",
    "status_report_texts_update",
]
