"""Ingestion is bounded: nesting is flattened past MAX_NESTING, an article of more blocks than
the ceiling is refused with a clear message before the costly steps, and Markdown's inline
markup cannot be made to take quadratic time. (CPU time is measured in
benchmarks/bench_hostile_input.py, not here.)"""

from __future__ import annotations

import pytest

from annotations.lib import ingest


def test_50000_nested_markdown_quotes_are_read_as_one_quote():
    article = ingest.load_markdown("Title\n\n" + "> " * 50_000 + "the deepest words")

    assert article.text == "Title\n\nthe deepest words"
    assert [block["kind"] for block in article.blocks] == ["paragraph", "quote"]


def test_12000_nested_quotes_without_spaces_are_read_as_one_quote():
    article = ingest.load_markdown(">" * 12_000 + " deep")

    assert article.text == "deep"


def test_quotes_up_to_the_nesting_limit_keep_their_blocks():
    lines = ["> " * depth + f"level {depth}" for depth in range(1, ingest.MAX_NESTING + 1)]
    article = ingest.load_markdown("\n\n".join(lines))

    assert article.text.split("\n\n") == [
        f"level {depth}" for depth in range(1, ingest.MAX_NESTING + 1)
    ]
    assert {block["kind"] for block in article.blocks} == {"quote"}


def test_quotes_nested_deeper_than_the_limit_join_the_deepest_quote():
    lines = ["> " * depth + f"level {depth}" for depth in range(1, 40)]
    article = ingest.load_markdown("\n".join(lines))

    assert "level 39" in article.text
    assert len(article.blocks) <= ingest.MAX_NESTING


def test_deeply_nested_lists_stop_at_the_nesting_limit():
    source = "\n".join("  " * depth + f"- item {depth}" for depth in range(200))
    article = ingest.load_markdown(source)

    assert "item 199" in article.text
    assert max(block["level"] for block in article.blocks) == ingest.MAX_NESTING


def test_deeply_nested_html_is_read_without_recursion_errors():
    html = "<p>An introduction long enough to be kept as the article text.</p>"
    html += "<blockquote><div><ul><li>" * 5_000 + "deep" + "</li></ul></div></blockquote>" * 5_000
    try:
        article = ingest.load_html(html)
    except ingest.IngestError as error:  # a page with no article text is a clear refusal
        assert error.status == 422
    else:
        assert "An introduction" in article.text


def test_deeply_nested_json_ld_in_a_page_is_ignored():
    body = "<p>" + "An article sentence with enough words to count. " * 10 + "</p>"
    nested = '{"a": ' * 5_000 + "1" + "}" * 5_000
    html = f'<head><script type="application/ld+json">{nested}</script></head><body>{body}</body>'

    assert "An article sentence" in ingest.load_html(html).text


def paragraphs(count: int) -> list[str]:
    return [f"Paragraph {number} of a long article." for number in range(count)]


@pytest.mark.parametrize(
    ("load", "join"),
    [
        pytest.param(ingest.load_text, "\n\n".join, id="text"),
        pytest.param(ingest.load_markdown, "\n\n".join, id="markdown"),
        pytest.param(
            ingest.load_html,
            lambda ps: "<article>" + "".join(f"<p>{p}</p>" for p in ps) + "</article>",
            id="html",
        ),
    ],
)
def test_an_article_over_the_block_ceiling_is_refused_with_a_clear_message(load, join):
    assert len(load(join(paragraphs(99)), max_blocks=100).blocks) == 99
    with pytest.raises(ingest.IngestError) as refused:
        load(join(paragraphs(150)), max_blocks=100)

    assert refused.value.code == "too_many_blocks"
    assert refused.value.status == 422
    assert "more than 100 paragraphs" in refused.value.message


def test_a_60000_paragraph_page_is_refused_at_the_default_ceiling():
    html = "<article>" + "".join(f"<p>{p}</p>" for p in paragraphs(60_000)) + "</article>"

    with pytest.raises(ingest.IngestError) as refused:
        ingest.load_html(html)

    assert refused.value.code == "too_many_blocks"
    assert f"{ingest.MAX_BLOCKS:,}" in refused.value.message


def test_uploaded_files_and_their_kinds_share_the_ceiling():
    data = "\n\n".join(paragraphs(150)).encode()
    for name in ("long.txt", "long.md"):
        with pytest.raises(ingest.IngestError) as refused:
            ingest.load_file(name, data, max_bytes=10**6, max_blocks=100)
        assert refused.value.code == "too_many_blocks"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("**a " * 250_000, id="unclosed strong"),
        pytest.param("*a " * 300_000, id="unclosed emphasis"),
        pytest.param("_a " * 300_000, id="unclosed underscores"),
        pytest.param("[" * 1_000_000, id="brackets"),
        pytest.param("![" * 500_000, id="image openers"),
        pytest.param("<!--" * 250_000, id="comment openers"),
        pytest.param("[a][" * 250_000, id="reference openers"),
    ],
)
def test_unclosed_inline_markup_in_one_long_paragraph_is_kept_as_text(source):
    article = ingest.load_markdown(source)

    assert len(article.text) >= len(source.strip()) - 2


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("**bold**, *it*, __u__, ~~s~~ and ***both***", "bold, it, u, s and both"),
        ("a **b** c **d", "a b c **d"),
        ("<!-- hidden --> shown <!-- open", "shown <!-- open"),
        ("[[1](https://a.example)", "[1"),
    ],
)
def test_inline_markup_still_reads_as_before(source, text):
    assert ingest.strip_link_marks(ingest.load_markdown(source).text) == text
