"""How a rating is coloured on every page: the default scale's slugs have their own classes in
app.css; any other rating is grey there, and the team's ratings.css (pages.teams.
team_ratings_css) gives `rating-<id>` the colour the team chose."""

from __future__ import annotations

from annotations.services import DEFAULT_SCALE

STYLED_RATINGS = frozenset(slug for slug, *_ in DEFAULT_SCALE)


def rating_class(slug: str, pk: int | None = None) -> str:
    """The CSS class that colours a rating. The default scale's slugs have classes in app.css;
    any other rating is grey there, and `rating-<id>` in the team's ratings.css gives it the
    colour the team chose (pages.teams.team_ratings_css, which also recolours the defaults)."""
    if slug in STYLED_RATINGS:
        return f"verdict-{slug}"
    return f"verdict-other rating-{pk}" if pk else "verdict-other"
