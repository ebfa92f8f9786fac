from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedcomConfig(AppConfig):
    name = "medcom"
    verbose_name = _("MedComs certificeringsmatrix")
