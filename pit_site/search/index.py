"""Keeping the search index in step with the pages.

A published page becomes one SearchDocument (title, its ``##``/``###`` headings, summary and
text); an FAQ page also becomes one document per question, whose title is the question and
whose link is the question's anchor. Drafts are never indexed.

The database's own full-text index is written beside the rows: PostgreSQL's weighted
``vector`` column (GIN-indexed), or SQLite's FTS5 table ``search_fts``. Both hold the same
stems (see text.py). The functions take the model classes so the data migration can use its
historical models.
"""

import html
import re
import uuid

from django.core.cache import cache
from django.db import connection
from django.utils.html import strip_tags

from pit_site.pages.rendering import faq_items

from .text import index_text

HEADING_RE = re.compile(r"<h([23])\b[^>]*>(.*?)</h\1>", re.S)
FAQ_SECTION_RE = re.compile(r'<section class="faq">.*?</section>', re.S)
REFERENCES_RE = re.compile(r'<div class="footnote">.*', re.S)
VERSION_KEY = "search:version"  # changed with the index or synonyms: see engine.derived


def changed():
    """Tell every process that what it derived from the index or synonyms is out of date."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def plain(fragment):
    """Visible text of an HTML fragment, on one line."""
    return " ".join(html.unescape(strip_tags(fragment)).split())


def page_url(path, anchor=""):
    return (f"/{path}/" if path else "/") + (f"#{anchor}" if anchor else "")


def breadcrumb(page, page_model):
    """Where the page sits, e.g. "Home › Conditions we treat"; empty for the home page."""
    if not page.path:
        return ""
    trail = ["Home"]
    parent_path = page.path.rpartition("/")[0]
    if parent_path:
        parent = page_model.objects.filter(path=parent_path).only("title").first()
        if parent:
            trail.append(parent.title)  # as the page's own breadcrumb shows it
    return " › ".join(trail)


def documents_for(page, page_model, doc_model):
    """Unsaved SearchDocuments for a page (none for one patients cannot see)."""
    # As Page.objects.published(), which a migration's historical model does not have.
    if page.status != "published" or getattr(page, "not_offered", False):
        return []
    body_html = REFERENCES_RE.sub("", page.body_html)  # reference lists are not answers
    crumb = breadcrumb(page, page_model)
    questions = faq_items(page.body_html) if page.kind == "faq" else []
    main_html = FAQ_SECTION_RE.sub("", body_html) if questions else body_html
    headings = " ".join(plain(text) for _level, text in HEADING_RE.findall(main_html))
    text = f"{page.summary} {plain(main_html)}".strip()
    docs = [
        doc_model(
            page=page,
            position=0,
            url=page_url(page.path),
            title=page.title,
            breadcrumb=crumb,
            body=text,
            title_terms=index_text(page.title),
            heading_terms=index_text(headings),
            body_terms=index_text(text),
        )
    ]
    question_crumb = " › ".join(filter(None, [crumb, page.nav_title or page.title]))
    for position, (anchor, question, answer) in enumerate(questions, start=1):
        answer_text = plain(REFERENCES_RE.sub("", answer))
        docs.append(
            doc_model(
                page=page,
                anchor=anchor,
                position=position,
                url=page_url(page.path, anchor),
                title=question,
                breadcrumb=question_crumb,
                body=answer_text,
                title_terms=index_text(question),
                heading_terms=" ",
                body_terms=index_text(answer_text),
            )
        )
    return docs


def _delete(doc_model, ids):
    if ids and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in ids])
    doc_model.objects.filter(pk__in=ids).delete()


def _write(doc_model, docs):
    doc_model.objects.bulk_create(docs)
    if not docs:
        return
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        vector = (
            SearchVector("title_terms", weight="A", config="simple")
            + SearchVector("heading_terms", weight="B", config="simple")
            + SearchVector("body_terms", weight="C", config="simple")
        )
        doc_model.objects.filter(pk__in=[d.pk for d in docs]).update(vector=vector)
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, headings, body) VALUES (%s, %s, %s, %s)",
                [(d.pk, d.title_terms, d.heading_terms, d.body_terms) for d in docs],
            )


def reindex(pages, page_model, doc_model):
    """Replace the documents of these pages (drafts: remove them)."""
    pages = list(pages)
    old = doc_model.objects.filter(page__in=[p.pk for p in pages]).values_list("pk", flat=True)
    _delete(doc_model, list(old))
    docs = [doc for page in pages for doc in documents_for(page, page_model, doc_model)]
    _write(doc_model, docs)
    changed()


def remove(page, doc_model):
    _delete(doc_model, list(doc_model.objects.filter(page=page).values_list("pk", flat=True)))
    changed()


def rebuild(page_model, doc_model):
    """The whole index again, from every page."""
    _delete(doc_model, list(doc_model.objects.values_list("pk", flat=True)))
    if connection.vendor == "sqlite":  # rows left behind by anything that bypassed _delete
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
    reindex(page_model.objects.all(), page_model, doc_model)
