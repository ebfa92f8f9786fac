"""The upload pages every import shares: choose a file, see its dry run (or every
error), confirm to import the same file for real; and the management command's body.

The previewed file waits in the storage under `imports/<prefix>-<token>` with the token
in the session, so the confirmation imports exactly what was previewed; previews never
confirmed are dropped after a day. An app passes its `run(data=, filename=, user=,
dry_run=)` (e.g. `register_import`), its template and where to go afterwards."""

import datetime
import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .spec import ImportRefused

IMPORT_DIR = "imports"
STALE_AFTER = datetime.timedelta(days=1)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Regneark"),
        help_text=gettext_lazy(
            ".xlsx eller .csv (UTF-8, semikolon eller komma) med skabelonens kolonner."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(
                _("Filen skal være et Excel-regneark (.xlsx) eller en CSV-fil (.csv).")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen er større end 5 MB."))
        return upload


def _forget_stale_uploads(prefix: str) -> None:
    """Previews never confirmed leave their file behind; drop those older than a day."""
    try:
        _dirs, files = default_storage.listdir(IMPORT_DIR)
    except FileNotFoundError:
        return
    limit = timezone.now() - STALE_AFTER
    for name in files:
        path = f"{IMPORT_DIR}/{name}"
        if name.startswith(f"{prefix}-") and default_storage.get_modified_time(path) < limit:
            default_storage.delete(path)


def _stored_path(prefix: str, token: str, filename: str) -> str:
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"{IMPORT_DIR}/{prefix}-{token}{suffix}"


def upload_page(request, *, run, prefix: str, template: str, context: dict | None = None):
    """Upload a file: its preview (a dry run) or every error; nothing is written yet."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {**(context or {}), "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        filename = upload.name.rsplit("/", 1)[-1][:150]
        try:
            result = run(data=data, filename=filename, user=request.user, dry_run=True)
        except ImportRefused as refused:
            context["errors"] = refused.errors
            context["filename"] = filename
        else:
            _forget_stale_uploads(prefix)
            token = uuid.uuid4().hex
            default_storage.save(_stored_path(prefix, token, filename), ContentFile(data))
            request.session[f"{prefix}_import"] = {"token": token, "filename": filename}
            context.update(result=result, token=token, filename=filename)
    return render(request, template, context)


def confirm(request, *, run, prefix: str, template: str, again: str, done: str, context=None):
    """Import the previewed file for real (all or nothing); `again` is the upload page's
    URL name, `done` where to go after."""
    session_key = f"{prefix}_import"
    stored = request.session.get(session_key) or {}
    token = request.POST.get("token", "")
    if not stored or stored.get("token") != token:
        messages.error(request, _("Forhåndsvisningen er udløbet. Vælg filen igen."))
        return redirect(again)
    path = _stored_path(prefix, token, stored["filename"])
    try:
        with default_storage.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        messages.error(request, _("Forhåndsvisningen er udløbet. Vælg filen igen."))
        return redirect(again)
    try:
        result = run(data=data, filename=stored["filename"], user=request.user)
    except ImportRefused as refused:
        return render(
            request,
            template,
            {
                **(context or {}),
                "form": ImportForm(),
                "errors": refused.errors,
                "filename": stored["filename"],
            },
        )
    finally:
        default_storage.delete(path)
        request.session.pop(session_key, None)
    messages.success(
        request,
        _(
            "%(name)s er importeret: %(created)s oprettet, %(updated)s ændret, %(unchanged)s uændret."
        )
        % {
            "name": stored["filename"],
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
        },
    )
    return redirect(done)


def _key_label(key) -> str:
    """A row's key as text: a key of several columns (MedCom's rows) joined by ' / '."""
    return " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def command_import(command, *, run, file: str, user, dry_run: bool) -> None:
    """A management command's import: the changes row by row, every error, a summary."""
    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"Filen {file} kan ikke læses: {error.strerror}.") from error
    try:
        result = run(data=data, filename=path.name, user=user, dry_run=dry_run)
    except ImportRefused as refused:
        for message in refused.errors:
            command.stderr.write(message)
        raise CommandError(
            f"{path.name} er ikke importeret ({len(refused.errors)} fejl); intet er gemt."
        ) from None
    for change in result.changes:
        if change.action == change.CREATE:
            command.stdout.write(f"Række {change.row.number}: {_key_label(change.key)} oprettes")
        elif change.action == change.UPDATE:
            fields = ", ".join(change.fields)
            command.stdout.write(
                f"Række {change.row.number}: {_key_label(change.key)} ændres ({fields})"
            )
    summary = (
        f"{len(result.created)} oprettet, {len(result.updated)} ændret, "
        f"{len(result.unchanged)} uændret"
    )
    if dry_run:
        command.stdout.write(f"Prøvekørsel, intet gemt: {summary}.")
    else:
        command.stdout.write(command.style.SUCCESS(f"{path.name} importeret: {summary}."))
