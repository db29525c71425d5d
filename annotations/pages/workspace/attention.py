"""The article page's "needs attention" list after a new revision: each claim whose anchor is a
fuzzy match to confirm, an orphan to re-attach, or a published claim whose text moved."""

from __future__ import annotations

from annotations import queries
from annotations.models import Article

BADGES = {"fuzzy": "Fuzzy match", "orphaned": "Orphaned", "moved": "Published, moved"}


# --- needs attention ----------------------------------------------------------------------------


def attention_items(article: Article) -> list[dict]:
    """The article's claims needing attention, each with its badge and old/new quotes."""
    items = []
    for claim in queries.claims_needing_attention(article):
        comparison = queries.anchor_comparison(claim, article)
        items.append(
            {
                "claim": claim,
                "kind": comparison.attention,
                "badge": BADGES.get(comparison.attention, comparison.attention),
                "comparison": comparison,
                "can_confirm": comparison.attention in ("fuzzy", "moved"),
            }
        )
    return items
