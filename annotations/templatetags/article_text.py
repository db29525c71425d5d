"""`{% article_blocks article claims %}`: an article's text as blocks with claim highlights
(the rendering itself is pages.article_text, shared with the live updates)."""

from __future__ import annotations

from django import template

from annotations.pages.article_text import article_blocks

register = template.Library()
register.simple_tag(article_blocks)
