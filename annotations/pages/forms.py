"""Forms for the pages. They validate what the user typed; services decide what it means."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotations.errors import ServiceError
from annotations.lib.text import human_size
from annotations.models import ArticleStatus, ClaimStatus, Stance, Team


class PageForm(forms.Form):
    """The pages' forms: labels without a colon, and a service's refusal shown on the field
    it names (or above the form)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_service_error(self, error: ServiceError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


def optional_text(label: str, *, max_length: int, help_text: str = "") -> forms.CharField:
    """A one-line text field that may stay empty (the pages' forms have many)."""
    return forms.CharField(label=label, max_length=max_length, required=False, help_text=help_text)


def search_field(label: str, *, placeholder: str) -> forms.CharField:
    """A list's search box (a GET parameter)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": placeholder}),
    )


def status_filter(label: str, statuses: list[tuple[str, str]]) -> forms.ChoiceField:
    """A list's status filter: any status, or one of `statuses`."""
    return forms.ChoiceField(label=label, required=False, choices=[("", "Any status"), *statuses])


class ArticleFilterForm(PageForm):
    """The article list's search box and filters (GET parameters; every field optional)."""

    q = search_field("Search", placeholder="Title or publisher")
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="All teams"
    )
    status = status_filter("Status", ArticleStatus.choices)
    # The "Archived" tab: archived articles only (otherwise they are left out).
    archived = forms.BooleanField(required=False, widget=forms.HiddenInput)
    assignee = forms.ChoiceField(label="Assigned to", required=False, choices=[("", "Anyone")])

    def __init__(
        self,
        *args,  # noqa: ANN002
        teams: QuerySet[Team],
        assignees: Iterable[str] = (),
        **kwargs,  # noqa: ANN003
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["assignee"].choices = [("", "Anyone"), *((n, n) for n in assignees)]


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


class ArticleImportForm(PageForm):
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

    # Sent by the "Import anyway" button after a page was found not to look like an article.
    force = forms.BooleanField(required=False)

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        limit = human_size(settings.FACTCHECK_MAX_UPLOAD_BYTES)
        self.fields["file"].help_text = f"A .txt, .md or .html file of at most {limit}."

    def clean_file(self):  # noqa: ANN201 - Django's hook
        upload = self.cleaned_data.get("file")
        limit = settings.FACTCHECK_MAX_UPLOAD_BYTES
        # Checked here so an oversized upload is refused before it is read into memory.
        if upload and upload.size > limit:
            raise forms.ValidationError(
                f"The file is larger than the {human_size(limit)} limit.", code="too_large"
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
        kwargs: dict = {
            "team": data["team"],
            "title": data.get("title") or "",
            "force": bool(data.get("force")),
        }
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files (Django's documented pattern for <input multiple>)."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": UPLOAD_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # noqa: ANN001, ANN201 - Django's signature
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class BulkImportForm(PageForm):
    """Several articles at once: files, and web addresses one per line. Each is imported on
    its own; the form only checks the team, the number of items and the file sizes."""

    # Labels differ from the single import form's ("Team", "File", "Web address"), so each
    # field keeps a name of its own for screen readers (and tests) on the shared page.
    team = forms.ModelChoiceField(
        label="Import into", queryset=Team.objects.none(), empty_label=None
    )
    files = MultipleFileField(label="Documents", required=False)
    urls = forms.CharField(
        label="Addresses, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "https://…", "spellcheck": "false"}),
        help_text="http:// or https:// pages.",
    )
    force = forms.BooleanField(
        label="Also import pages that do not look like articles",
        required=False,
        help_text="Otherwise such pages are listed with the reason, to import one by one.",
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        limit = human_size(settings.FACTCHECK_MAX_UPLOAD_BYTES)
        most = settings.FACTCHECK_IMPORT_BATCH_MAX
        self.fields[
            "files"
        ].help_text = (
            f".txt, .md or .html files of at most {limit} each; up to {most} items in all."
        )

    def url_list(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data.get("urls", "").splitlines() if line.strip()
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        count = len(cleaned.get("files") or []) + len(self.url_list())
        most = settings.FACTCHECK_IMPORT_BATCH_MAX
        if not count:
            raise forms.ValidationError("Choose files or give web addresses to import.")
        if count > most:
            raise forms.ValidationError(
                f"That is {count} items; import at most {most} at once, in several batches."
            )
        return cleaned


class ImportItemForm(forms.Form):
    """One item of a batch, posted on its own by the import page's script (or by an "Import
    anyway" button): a file, an address, or a page's HTML kept from an earlier try."""

    team = forms.ModelChoiceField(queryset=Team.objects.none())
    file = forms.FileField(required=False)
    url = forms.CharField(required=False, max_length=2000)
    html = forms.CharField(required=False, strip=False)
    name = forms.CharField(required=False, max_length=500)
    force = forms.BooleanField(required=False)

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self) -> dict:
        cleaned = super().clean()
        given = [name for name in ("file", "url", "html") if cleaned.get(name)]
        if len(given) != 1:
            raise forms.ValidationError("Send one file, one web address or one page's HTML.")
        return cleaned


# --- the reviewing workspace -------------------------------------------------------------------


def _lf(value: str) -> str:
    """Browsers send line breaks in form fields as CRLF; the article text uses LF only."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


class ClaimFilterForm(PageForm):
    """The claim panel's search box and filters (GET parameters; every field optional)."""

    # Labels avoid the claim form's own field names ("Claimant", "Verdict"), so a screen reader
    # user (or a test) looking for those finds the form's fields only.
    q = search_field("Search the list", placeholder="Search quote, claim, claimant")
    status = status_filter("Filter: status", ClaimStatus.choices)
    verdict = forms.ChoiceField(label="Filter: rating", required=False)
    claimant = forms.ChoiceField(label="Filter: said by", required=False)
    reviewer = forms.ChoiceField(label="Filter: reviewer", required=False)

    FIELDS = ("q", "status", "verdict", "claimant", "reviewer")

    def __init__(
        self,
        *args,  # noqa: ANN002
        ratings: Iterable[tuple[str, str]],
        claimants: Iterable[str],
        reviewers: Iterable[tuple[str, str]],
        **kwargs,  # noqa: ANN003
    ) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = [
            ("", "Any verdict"),
            ("none", "No verdict yet"),
            *ratings,
        ]
        self.fields["claimant"].choices = [("", "Anyone"), *((c, c) for c in claimants)]
        self.fields["reviewer"].choices = [("", "Any reviewer"), *reviewers]

    def select_html(self, name: str) -> SafeString:
        """One filter as a <select>, written here: Django renders each option through the
        template engine, which for a list of claimants and reviewers costs more than the rest
        of the panel."""
        field = self[name]
        current = str(field.value() or "")
        options = "".join(
            f'<option value="{escape(value)}"{" selected" if str(value) == current else ""}>'
            f"{escape(label)}</option>"
            for value, label in self.fields[name].choices
        )
        return mark_safe(  # noqa: S308 - values and labels are escaped above
            f'<select name="{field.html_name}" id="{field.id_for_label}">{options}</select>'
        )

    def chosen(self) -> dict[str, str]:
        """The valid, non-empty filters; an unknown value is ignored rather than fatal."""
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: str(cleaned[name]).strip() for name in self.FIELDS if cleaned.get(name)}


class ClaimForm(PageForm):
    """A claim's own fields and the user's verdict, for creating or revising a claim.

    Creating takes the selector (`start`/`end` from the selection script, `exact`, `prefix`,
    `suffix`), or only `exact` typed by hand; revising takes the `version` the form was opened
    at. The services decide whether the selector fits the text.
    """

    exact = forms.CharField(
        label="Quote from the article",
        required=False,
        strip=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The exact words as they stand in the article.",
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    prefix = forms.CharField(required=False, strip=False, max_length=200, widget=forms.HiddenInput)
    suffix = forms.CharField(required=False, strip=False, max_length=200, widget=forms.HiddenInput)
    claimant = forms.CharField(
        label="Claimant",
        required=False,
        max_length=300,
        help_text="Who made the claim.",
    )
    summary = forms.CharField(
        label="Claim",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The claim as you check it. It starts as the quote; reword it freely.",
    )
    rating = forms.ChoiceField(label="Verdict", required=False)
    rationale = forms.CharField(
        label="Rationale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why this verdict: what the sources show.",
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,  # noqa: ANN002
        ratings: Iterable[tuple[str, str]],
        creating: bool,
        **kwargs,  # noqa: ANN003
    ) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["rating"].choices = [("", "No verdict yet"), *ratings]
        if creating:
            del self.fields["version"]
            # The new-claim form opens with the cursor where typing starts.
            first = "claimant" if self.from_selection else "exact"
            self.fields[first].widget.attrs["autofocus"] = True
        else:
            for name in ("exact", "start", "end", "prefix", "suffix"):
                del self.fields[name]

    @property
    def from_selection(self) -> bool:
        """Whether the quote came from a selection in the text (shown, not typed)."""
        if not self.creating:
            return False
        source = self.data if self.is_bound else self.initial
        return all(str(source.get(name) or "").strip() for name in ("start", "end", "exact"))

    def clean_exact(self) -> str:
        return _lf(self.cleaned_data.get("exact") or "")

    def clean_prefix(self) -> str:
        return _lf(self.cleaned_data.get("prefix") or "")

    def clean_suffix(self) -> str:
        return _lf(self.cleaned_data.get("suffix") or "")

    def clean_summary(self) -> str:
        return _lf(self.cleaned_data.get("summary") or "").strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.creating and not (cleaned.get("exact") or "").strip():
            self.add_error(
                "exact", "Select the claim in the article, or type its exact words here."
            )
        if (cleaned.get("rationale") or "").strip() and not cleaned.get("rating"):
            self.add_error("rating", "Choose a verdict for this rationale, or clear it.")
        return cleaned

    def selector(self) -> dict:
        """The keyword arguments that place a new claim (after is_valid())."""
        data = self.cleaned_data
        return {
            "start": data.get("start"),
            "end": data.get("end"),
            "exact": data["exact"],
            "prefix": data.get("prefix") or "",
            "suffix": data.get("suffix") or "",
        }

    def field_for_error(self, service_field: str | None) -> str | None:
        """The form field a service error belongs beside; None for the form as a whole."""
        mapping = {"exact": "exact", "start": "exact", "end": "exact", "rating": "rating"}
        mapping |= {"claimant": "claimant", "summary": "summary", "rationale": "rationale"}
        field = mapping.get(service_field or "")
        return field if field in self.fields else None


_web_address = URLValidator(schemes=["http", "https"])


class SourceForm(PageForm):
    """One source (evidence) row. A row left empty is skipped."""

    url = forms.CharField(
        label="Source URL",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    title = forms.CharField(label="Title", required=False, max_length=500)
    excerpt = forms.CharField(
        label="Excerpt",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The passage that bears on the claim.",
    )
    stance = forms.ChoiceField(
        label="Stance",
        choices=Stance.choices,
        initial=Stance.CONTEXT,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        url = (cleaned.get("url") or "").strip()
        if not url:
            if (cleaned.get("title") or "").strip() or (cleaned.get("excerpt") or "").strip():
                self.add_error("url", "Give the source's web address (http:// or https://).")
            return cleaned
        try:
            _web_address(url)
        except forms.ValidationError:
            self.add_error(
                "url", "This is not a web address: a source needs an http:// or https:// URL."
            )
        return cleaned

    @property
    def has_input(self) -> bool:
        """Whether the user typed into this row (so it shows even when extra rows are folded)."""
        if not self.is_bound:
            return False
        names = ("url", "title", "excerpt")
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in names)

    def as_source(self) -> dict | None:
        """The keyword arguments for services.source_add, or None for an empty row."""
        data = getattr(self, "cleaned_data", {})
        if not (data.get("url") or "").strip():
            return None
        return {
            "url": data["url"].strip(),
            "title": (data.get("title") or "").strip(),
            "excerpt": _lf(data.get("excerpt") or "").strip(),
            "stance": data.get("stance") or Stance.CONTEXT,
        }


# Rows for new sources: the claim form shows the first and reveals more on request; without
# JavaScript all of them show. Empty rows are ignored.
SOURCE_ROWS = 3
SourceFormSet = forms.formset_factory(SourceForm, extra=SOURCE_ROWS, max_num=SOURCE_ROWS)
SourceRowFormSet = forms.formset_factory(SourceForm, extra=1, max_num=1)


def new_sources(formset: forms.BaseFormSet) -> list[dict]:
    """The filled rows of a valid source formset, as services.source_add arguments."""
    return [source for form in formset.forms if (source := form.as_source())]


class ArticleRevisionForm(ArticleImportForm):
    """A new version of an existing article: the import form without the team."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, teams=Team.objects.none(), **kwargs)
        del self.fields["team"]
        del self.fields["force"]  # a new version is never refused as "not an article"
        self.fields["title"].help_text = "Optional: the current title stays when left empty."

    def service_input(self) -> dict:
        """The keyword arguments for services.article_revise (after is_valid())."""
        self.cleaned_data.setdefault("team", None)
        kwargs = super().service_input()
        kwargs.pop("team")
        kwargs.pop("force")
        return kwargs
