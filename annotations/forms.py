"""Forms for the pages. They validate what the user typed; services decide what it means."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from .models import ArticleStatus, Team


class ArticleFilterForm(forms.Form):
    """The article list's search box and filters (GET parameters; every field optional)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": "Title or publisher"}),
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="All teams"
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *ArticleStatus.choices],
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class ImportSource:
    TEXT = "text"
    HTML = "html"
    FILE = "file"
    URL = "url"

    choices = [
        (TEXT, "Paste text"),
        (HTML, "Paste HTML"),
        (FILE, "Upload a file"),
        (URL, "From a web address"),
    ]


TEXT_FORMATS = [("text", "Plain text"), ("markdown", "Markdown")]
UPLOAD_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
UPLOAD_ACCEPT = ",".join([*UPLOAD_SUFFIXES, "text/plain", "text/markdown", "text/html"])


def size_text(size: int) -> str:
    """A byte count as people say it: "5 MB", "1 KB"."""
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes >= 1 else f"{size // 1024 or 1} KB"


class ArticleImportForm(forms.Form):
    """One article from exactly one source: the `source` choice says which input is used.

    The other inputs are kept as typed (so switching back loses nothing) but ignored.
    """

    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.none(), empty_label=None)
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=500,
        help_text="Optional: taken from the article when left empty.",
    )
    source = forms.ChoiceField(
        label="Where the article comes from",
        choices=ImportSource.choices,
        initial=ImportSource.TEXT,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Article text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Separate paragraphs with a blank line.",
    )
    text_format = forms.ChoiceField(
        label="Format",
        choices=TEXT_FORMATS,
        initial="text",
        widget=forms.RadioSelect,
        required=False,
    )
    html = forms.CharField(
        label="Article HTML",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="The page's source; the main text is extracted from it.",
    )
    file = forms.FileField(
        label="File",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )
    url = forms.CharField(
        label="Web address",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        limit = size_text(settings.FACTCHECK_MAX_UPLOAD_BYTES)
        self.fields["file"].help_text = f"A .txt, .md or .html file of at most {limit}."

    def clean_file(self):  # noqa: ANN201 - Django's hook
        upload = self.cleaned_data.get("file")
        limit = settings.FACTCHECK_MAX_UPLOAD_BYTES
        # Checked here so an oversized upload is refused before it is read into memory.
        if upload and upload.size > limit:
            raise forms.ValidationError(
                f"The file is larger than the {size_text(limit)} limit.", code="too_large"
            )
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        source = cleaned.get("source")
        missing = {
            ImportSource.TEXT: "Paste the article's text, or choose another source.",
            ImportSource.HTML: "Paste the page's HTML, or choose another source.",
            ImportSource.FILE: "Choose a file to upload, or choose another source.",
            ImportSource.URL: "Give the article's web address, or choose another source.",
        }
        if source in missing and source not in self.errors:
            value = cleaned.get(source)
            if not value or (isinstance(value, str) and not value.strip()):
                self.add_error(source, missing[source])
        return cleaned

    def service_input(self) -> dict:
        """The keyword arguments for services.article_import (after is_valid())."""
        data = self.cleaned_data
        source = data["source"]
        kwargs: dict = {"team": data["team"], "title": data.get("title") or ""}
        if source == ImportSource.TEXT:
            kind = "markdown" if data.get("text_format") == "markdown" else "text"
            kwargs[kind] = data["text"]
        elif source == ImportSource.HTML:
            kwargs["html"] = data["html"]
        elif source == ImportSource.URL:
            kwargs["url"] = data["url"].strip()
        else:
            upload = data["file"]
            kwargs["file_name"] = upload.name
            kwargs["file_data"] = upload.read()
        return kwargs

    def field_for_error(self, service_field: str | None) -> str | None:
        """The form field a service error belongs beside; None for the form as a whole."""
        mapping = {"markdown": "text", "text": "text", "html": "html", "file": "file"}
        mapping |= {"url": "url", "title": "title", "team": "team"}
        if service_field in mapping:
            return mapping[service_field]
        if service_field in (None, "", "__all__"):
            # Errors about the content (empty, binary, unsupported, too large) belong to the
            # input the user chose.
            return self.cleaned_data.get("source")
        return None
