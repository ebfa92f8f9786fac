"""The register's list as a file (`milestones.exports.list_export`): its columns, once."""

from django.utils.translation import gettext_lazy as _

from milestones.exports import ExportColumn


def _label(party) -> str:
    return party.label if party is not None else ""


ENTRY_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda e: e.key),
    ExportColumn(_("Navn"), lambda e: e.name, width=40),
    ExportColumn(_("Type"), lambda e: e.get_kind_display()),
    ExportColumn(_("NSP-service"), lambda e: e.is_nsp_service),
    ExportColumn(_("Kategori"), lambda e: e.get_category_display()),
    ExportColumn(_("Ejer"), lambda e: _label(e.owner), width=30),
    ExportColumn(_("Leverandør"), lambda e: _label(e.supplier), width=30),
    ExportColumn(_("Kritikalitet"), lambda e: e.get_criticality_display()),
    ExportColumn(_("SHAK-tilstand"), lambda e: e.get_state_display()),
    ExportColumn(_("Dato for tilstanden"), lambda e: e.state_date),
    ExportColumn(_("Præcision"), lambda e: e.get_state_date_precision_display()),
    ExportColumn(_("Bekræftet af"), lambda e: e.state_confirmed_by),
    ExportColumn(_("Release"), lambda e: e.release_name),
    ExportColumn(_("Demodata"), lambda e: e.is_demo),
]
