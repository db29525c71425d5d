"""schema.org ClaimReview JSON-LD, one object per approved or published claim, and a DataFeed.

Follows Google's fact-check structured data guidelines
(https://developers.google.com/search/docs/appearance/structured-data/factcheck) and the
shape real fact-checkers publish (the objects in shared/data/claimreview/extracted/):

- required: claimReviewed (the claim as checked: our summary), reviewRating with
  alternateName (the verdict's label, always) and, where the team's scale has numbers,
  ratingValue, bestRating and worstRating (the largest and smallest value of the team's
  active ratings), url (the public fact check: the claim's public URL);
- recommended: author (the organisation of the team's publishing settings: an Organization
  with name, url and logo), itemReviewed, a Claim with its author (the claimant),
  datePublished (the article's date) and appearance (the article: a NewsArticle with url,
  headline, datePublished and publisher), datePublished (of the review).

The tool's own address appears nowhere: `url` is the public fact check or is left out (a
claim published without a public URL; search engines ignore such a review, and the export
counts them), and the author's `url` is the organisation's site or is left out. Nothing
outside schema.org's vocabulary is added to mark them, so validators accept every object.

Rating numbers are JSON numbers (schema.org allows Number or Text; some publishers send "1").
Claimants are free text: "the Pentagon" and "President Zelensky" are both claimants. A
claimant naming an institution (a word like ministry, agency, party, police, ...) becomes an
Organization, anyone else a Person. Desks write a person with their role after a comma ("Pat
Ryder, Pentagon spokesman"): the name before the comma decides, and a role after it
(spokesman, minister, ...) makes the claimant a Person even when it names an institution.

Pure: works on the dicts of ourjson, no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from annotations.exports.formats.ourjson import dumps

CONTEXT = "https://schema.org"
STATUSES = ("approved", "published")

# Words that make a claimant an institution rather than a person.
ORGANISATION_WORDS = frozenset(
    re.findall(
        r"[a-z]+",
        """
        agency army association authority bank bureau cabinet campaign centre center church
        club commission committee company corporation council court department directorate embassy
        federation foundation government group inc institute kremlin league llc ltd media
        ministry navy network news newspaper office organisation organization parliament party
        pentagon police press senate service society team television times tv union university
        """,
    )
)


# Words of a role that only a person holds, as written after a name ("…, Pentagon spokesman").
PERSON_ROLES = frozenset(
    re.findall(
        r"[a-z]+",
        """
        adviser advisor ambassador chairman chairwoman chancellor colonel commander deputy
        director general governor head leader mayor minister president professor secretary
        senator spokesman spokesperson spokeswoman
        """,
    )
)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def author_type(claimant: str) -> str:
    name, _comma, role = claimant.partition(",")
    if _words(name) & ORGANISATION_WORDS:
        return "Organization"
    if _words(role) & PERSON_ROLES:
        return "Person"
    return "Organization" if _words(claimant) & ORGANISATION_WORDS else "Person"


def organization(publisher: Mapping[str, Any]) -> dict[str, Any]:
    """The fact checker as an Organization: name, and url and logo when known."""
    result: dict[str, Any] = {"@type": "Organization", "name": publisher["name"]}
    if publisher.get("url"):
        result["url"] = publisher["url"]
    if publisher.get("logo"):
        result["logo"] = {"@type": "ImageObject", "url": publisher["logo"]}
    return result


def review_rating(
    verdict: Mapping[str, Any], *, worst: int | float | None, best: int | float | None
) -> dict[str, Any]:
    rating = verdict["rating"]
    result: dict[str, Any] = {"@type": "Rating"}
    if rating["value"] is not None and worst is not None and best is not None:
        result.update(ratingValue=rating["value"], bestRating=best, worstRating=worst)
    result["alternateName"] = rating["label"]
    return result


def appearance(article: Mapping[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "NewsArticle" if article.get("url") else "CreativeWork"}
    if article.get("url"):
        work["url"] = article["url"]
    work["headline"] = article["title"]
    if article.get("published_at"):
        work["datePublished"] = article["published_at"]
    if article.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": article["publisher"]}
    if article.get("author"):
        work["author"] = {"@type": author_type(article["author"]), "name": article["author"]}
    return work


def claim_review(
    claim: Mapping[str, Any],
    *,
    article: Mapping[str, Any],
    publisher: Mapping[str, Any],
    worst: int | float | None,
    best: int | float | None,
    date_published: datetime | str,
    context: bool = True,
) -> dict[str, Any]:
    """One claim (ourjson.claim_dict) as a ClaimReview. It must have a final verdict.

    `publisher` is the team's organisation ({"name", "url", "logo"}: publishing.organisation).
    """
    verdict = claim["final_verdict"]
    if verdict is None:
        raise ValueError(f"Claim {claim['id']} has no final verdict to publish.")
    item: dict[str, Any] = {"@type": "Claim"}
    if claim["claimant"]:
        item["author"] = {"@type": author_type(claim["claimant"]), "name": claim["claimant"]}
    if article.get("published_at"):
        item["datePublished"] = article["published_at"]
    item["appearance"] = [appearance(article)]
    published = (
        date_published.isoformat() if isinstance(date_published, datetime) else date_published
    )
    review: dict[str, Any] = {"@context": CONTEXT} if context else {}
    review["@type"] = "ClaimReview"
    if claim.get("public_url"):
        review["url"] = claim["public_url"]
    review.update(
        {
            "name": f"{verdict['rating']['label']}: {claim['summary']}",
            "claimReviewed": claim["summary"],
            "itemReviewed": item,
            "author": organization(publisher),
            "reviewRating": review_rating(verdict, worst=worst, best=best),
            "datePublished": published,
        }
    )
    if verdict["rationale"]:
        review["reviewBody"] = verdict["rationale"]
    if article.get("language"):
        review["inLanguage"] = article["language"]
    correction = claim.get("correction")
    if correction:
        # schema.org CreativeWork.correction: what was corrected, and when.
        review["correction"] = {
            "@type": "CorrectionComment",
            "text": correction["note"],
            "datePublished": correction["at"],
        }
    return review


def feed_item(review: Mapping[str, Any]) -> dict[str, Any]:
    """A DataFeedItem wrapping one ClaimReview, as in Google's and Data Commons' feeds."""
    item: dict[str, Any] = {"@type": "DataFeedItem", "dateCreated": review["datePublished"]}
    if review.get("url"):
        item["url"] = review["url"]
    item["item"] = [dict(review)]
    return item


def feed(
    reviews: Iterable[Mapping[str, Any]],
    *,
    publisher: Mapping[str, Any],
    date_modified: datetime,
) -> Iterator[str]:
    """A schema.org DataFeed of the team's ClaimReviews, streamed one element per line."""
    head: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "DataFeed",
        "name": f"{publisher['name']}: fact checks",
    }
    if publisher.get("url"):
        head["url"] = publisher["url"]
    head["dateModified"] = date_modified.isoformat()
    yield dumps(head)[:-1] + ',\n"dataFeedElement":['
    separator = "\n"
    for review in reviews:
        yield separator + dumps(feed_item(review))
        separator = ",\n"
    yield "\n]}\n"
