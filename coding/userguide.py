"""The user guide (``docs/user-guide.md``, Dutch ``docs/user-guide.nl.md``) as HTML
for the Help page, and which chapter explains which page.

Pure module (no ORM). The guide is our own file, and it is rendered with raw HTML
turned off (markdown-it-py's ``html: False`` escapes it; its link check refuses
``javascript:`` and the like), so the HTML is safe to mark safe.

Anchors are the English headings' slugs (as GitHub makes them, so the guide's own
links work in the repository and in the app) in *both* languages: the Dutch guide is
a translation with the same headings in the same order, so its n-th heading gets the
n-th English anchor and ``/help/#4-the-document-page`` opens the same chapter
whatever the language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
GUIDE_FILES = {"en": DOCS_DIR / "user-guide.md", "nl": DOCS_DIR / "user-guide.nl.md"}

# URL name of a page → the anchor of the chapter that explains it (the "?" beside
# the page's title). Every anchor must exist (tests/coding/test_starting_out.py).
PAGE_CHAPTERS: dict[str, str] = {
    "login": "1-logging-in",
    "coding:project_list": "2-projects-roles-and-blind-coding",
    "coding:project_create_view": "2-projects-roles-and-blind-coding",
    "coding:project_detail": "2-projects-roles-and-blind-coding",
    "coding:documents_import": "3-importing-transcripts",
    "coding:documents_import_job": "3-importing-transcripts",
    "coding:document_edit": "3-importing-transcripts",
    "coding:workbench": "4-the-document-page",
    "coding:codebook": "5-the-codebook-page",
    "coding:codebook_edit_code": "5-the-codebook-page",
    "coding:codebook_delete_code": "5-the-codebook-page",
    "coding:members": "6-the-members-page",
    "coding:project_settings": "7-project-settings",
    "coding:codebook_versions": "8-codebook-versions",
    "coding:codebook_versions_diff": "8-codebook-versions",
    "coding:my_work": "my-work-coders",
    "coding:progress": "the-progress-table",
    "coding:compare": "side-by-side-owners-and-supervisors",
    "coding:adjudication": "adjudication-owners-and-supervisors",
    "agreement:agreement": "inter-coder-agreement-intercodeursovereenstemming-owners-and-supervisors",
    "agreement:agreement_run": "inter-coder-agreement-intercodeursovereenstemming-owners-and-supervisors",
    "agreement:agreement_disagreements": "inter-coder-agreement-intercodeursovereenstemming-owners-and-supervisors",
    "coding:segments": "10-coded-segments",
    "analysis:analysis_overview": "11-code-frequencies",
    "coding:analysis_codes": "11-code-frequencies",
    "analysis:words": "11a-word-frequencies-actor-mentions-co-occurrence-matrix-auto-coding",
    "analysis:mentions": "11a-word-frequencies-actor-mentions-co-occurrence-matrix-auto-coding",
    "analysis:cooccurrence": "11a-word-frequencies-actor-mentions-co-occurrence-matrix-auto-coding",
    "analysis:matrix": "11a-word-frequencies-actor-mentions-co-occurrence-matrix-auto-coding",
    "analysis:autocode": "11a-word-frequencies-actor-mentions-co-occurrence-matrix-auto-coding",
    "coding:audit": "13-the-audit-trail",
    "interop:export": "the-export-page",
    "interop:codebook_import": "5-the-codebook-page",
    "interop:project_import": "importing-a-project-from-another-program",
    "network:actors": "actors-and-relation-types-actoren-en-relatietypes",
    "network:network": "the-network-page-actorennetwerk",
    "privacy:privacy": "17-data-protection-pseudonymisation-the-key-retention",
    "privacy:review": "17-data-protection-pseudonymisation-the-key-retention",
    "privacy:key": "17-data-protection-pseudonymisation-the-key-retention",
    "privacy:privacy_summary": "17-data-protection-pseudonymisation-the-key-retention",
}


@dataclass(frozen=True, slots=True)
class Chapter:
    anchor: str
    title: str
    level: int


@dataclass(frozen=True, slots=True)
class Guide:
    html: str
    chapters: tuple[Chapter, ...]  # level 2 and 3 headings, for the contents


def slugify_heading(text: str, taken: dict[str, int]) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens,
    ``-1``, ``-2`` … for repeats (``taken`` counts what was handed out)."""
    slug = unicodedata.normalize("NFC", text).strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug).replace(" ", "-")
    count = taken.get(slug, 0)
    taken[slug] = count + 1
    return f"{slug}-{count}" if count else slug


def _headings(tokens: list[Token]) -> list[tuple[Token, Token]]:
    """``(heading_open, inline)`` pairs in document order."""
    return [
        (token, tokens[i + 1])
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def _plain(inline: Token) -> str:
    """A heading's text without its Markdown (`code`, *emphasis*)."""
    return "".join(
        child.content
        for child in inline.children or []
        if child.type in {"text", "code_inline"}
    )


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def english_anchors() -> tuple[str, ...]:
    """The anchors of the English guide's headings, in order."""
    return _english_anchors(GUIDE_FILES["en"].stat().st_mtime_ns)


@cache
def _english_anchors(mtime_ns: int) -> tuple[str, ...]:
    tokens = _markdown().parse(GUIDE_FILES["en"].read_text(encoding="utf-8"))
    taken: dict[str, int] = {}
    return tuple(
        slugify_heading(_plain(inline), taken) for _open, inline in _headings(tokens)
    )


def heading_levels(language: str) -> tuple[int, ...]:
    """Each heading's level, in order (both guides must have the same)."""
    tokens = _markdown().parse(GUIDE_FILES[language].read_text(encoding="utf-8"))
    return tuple(int(token.tag[1]) for token, _inline in _headings(tokens))


def _unlink_other_files(tokens: list[Token]) -> None:
    """Links to other repository files (``api.md``) mean nothing in the app: keep
    their text, drop the link. Web and in-page links stay."""
    for token in tokens:
        children = token.children or []
        drop = set()
        for i, child in enumerate(children):
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            if href.startswith(("http://", "https://", "#", "/")):
                continue
            depth, j = 0, i
            while j < len(children):
                if children[j].type == "link_open":
                    depth += 1
                elif children[j].type == "link_close":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            drop.update({i, j})
        if drop:
            token.children = [c for k, c in enumerate(children) if k not in drop]


@cache
def _render(language: str, mtimes: tuple[int, int]) -> Guide:
    """The guide of ``language`` as HTML (cached until it or the English guide,
    which gives the anchors, changes)."""
    md = _markdown()
    tokens = md.parse(GUIDE_FILES[language].read_text(encoding="utf-8"))
    anchors = english_anchors()
    chapters = []
    for n, (heading, inline) in enumerate(_headings(tokens)):
        anchor = anchors[n] if n < len(anchors) else f"section-{n}"
        heading.attrSet("id", anchor)
        level = int(heading.tag[1])
        if level in (2, 3):
            chapters.append(Chapter(anchor=anchor, title=_plain(inline), level=level))
    _unlink_other_files(tokens)
    html = md.renderer.render(tokens, md.options, {})
    return Guide(html=html, chapters=tuple(chapters))


def guide_language(language_code: str | None) -> str:
    """The guide for a request's language: Dutch for ``nl``/``nl-be``, else English."""
    code = (language_code or "").lower()
    return "nl" if code.split("-")[0] == "nl" and GUIDE_FILES["nl"].exists() else "en"


def guide_render(language: str) -> Guide:
    """The guide of ``language`` (``en`` or ``nl``) rendered as safe HTML."""
    mtimes = (
        GUIDE_FILES[language].stat().st_mtime_ns,
        GUIDE_FILES["en"].stat().st_mtime_ns,
    )
    return _render(language, mtimes)


def page_chapter(url_name: str | None) -> str | None:
    """The anchor of the chapter that explains the page ``url_name``, if any."""
    return PAGE_CHAPTERS.get(url_name or "")
