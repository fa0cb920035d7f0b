"""Answering a query: match in the database, order in Python, mark the words, suggest a spelling.

1. The query is cleaned and cut (text.clean_query), split into words without stop words, and
   widened with the editors' synonyms.
2. The database's full-text index finds the documents holding any of the stems (PostgreSQL:
   ``@@`` on the GIN-indexed vector, pre-ordered by ``ts_rank`` with weights; SQLite: FTS5
   ``MATCH``, pre-ordered by ``bm25`` with column weights) and returns the best
   ``MAX_CANDIDATES``.
3. Those are ordered by one scoring function in Python, so both databases give the same order:
   a title counts most, then a heading, then the text; the patient's own words count more than
   synonyms; a document holding more of the patient's words ranks higher.
"""

import difflib
import re
import uuid
from collections import namedtuple
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .index import VERSION_KEY
from .models import SearchDocument, Synonym
from .text import MAX_TERMS, clean_query, is_term, stem, words

MAX_CANDIDATES = 200
MAX_RESULTS = 20
SYNONYM_WEIGHT = 0.7
PHRASE_WORD_WEIGHT = 0.3
TITLE, HEADING, BODY, BODY_CAP = 10, 4, 1, 4
SNIPPET_CHARS = 220
_derived = {"version": None}


@dataclass(frozen=True)
class Term:
    stem: str
    weight: float
    stands_for: frozenset  # positions of the patient's words this term matches


# The fields scoring needs; the text, for snippets, is read for the results shown only.
Candidate = namedtuple(
    "Candidate",
    "pk url title breadcrumb title_terms heading_terms body_terms position page__order page__title",
)


@dataclass
class Result:
    title: str
    url: str
    breadcrumb: str
    snippet: str


@dataclass
class Outcome:
    query: str
    results: list = field(default_factory=list)
    total: int = 0
    suggestion: str = ""
    cut: bool = False  # the query was longer than MAX_QUERY_CHARS


def derived(name, build):
    """What search derives from the index and the synonyms, kept per process and in the
    shared cache until the next change (index.changed): one small cache read per query."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    if version != _derived["version"]:
        _derived.clear()
        _derived["version"] = version
    if name not in _derived:
        shared_key = f"search:{name}:{version}"
        value = cache.get(shared_key)
        if value is None:
            value = build()
            cache.set(shared_key, value, 24 * 3600)
        _derived[name] = value
    return _derived[name]


def synonym_groups():
    return derived("synonyms", lambda: [s.phrases() for s in Synonym.objects.all()])


def query_terms(query):
    """(terms, positions): the terms to look for, and the positions of the patient's words.

    A term is a stem or, for a phrase, its stems in a row ("pin needl"). The patient's own words
    count fully, except inside a phrase from the synonyms list ("pins and needles"), where the
    phrase counts and the single words little; the phrase's synonyms count SYNONYM_WEIGHT.
    """
    query_words = words(query)
    terms, seen, in_phrase = [], set(), set()

    def add(text, weight, stands_for):
        if text and text not in seen and len(terms) < MAX_TERMS:
            seen.add(text)
            terms.append(Term(text, weight, stands_for))

    matched = []  # (phrase, its group, the positions it covers) for each synonym in the query
    for phrases in synonym_groups():
        for phrase in phrases:
            at = _find(query_words, phrase)
            if at is not None:
                matched.append((phrase, phrases, frozenset(range(at, at + len(phrase)))))
                if len(phrase_stems(phrase).split()) > 1:
                    in_phrase |= set(range(at, at + len(phrase)))
                break
    positions = set()
    for position, word in enumerate(query_words):  # first, so MAX_TERMS keeps all of them
        if is_term(word):
            positions.add(position)
            weight = PHRASE_WORD_WEIGHT if position in in_phrase else 1.0
            add(stem(word), weight, frozenset([position]))
    for phrase, phrases, stands_for in matched:
        for other in phrases:
            add(phrase_stems(other), 1.0 if other is phrase else SYNONYM_WEIGHT, stands_for)
    return terms, positions


def phrase_stems(phrase):
    return " ".join(stem(word) for word in phrase if is_term(word))


def _find(sequence, phrase):
    for start in range(len(sequence) - len(phrase) + 1):
        if sequence[start : start + len(phrase)] == phrase:
            return start
    return None


def candidates(stems):
    """Ids of documents holding any of the stems, the database's best first."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = reduce(or_, (SearchQuery(s, config="simple", search_type="phrase") for s in stems))
        # F(): a bare name would be wrapped in to_tsvector() and lose the weights.
        rank = SearchRank(F("vector"), query, weights=[0.1, 0.25, 0.4, 1.0])
        found = SearchDocument.objects.filter(vector=query).annotate(rank=rank)
        return list(found.order_by("-rank", "pk").values_list("pk", flat=True)[:MAX_CANDIDATES])
    if connection.vendor == "sqlite":
        # Each term is stems (letters and digits) and spaces, quoted: FTS5 reads it as a phrase
        # and never as an operator.
        match = " OR ".join('"{}"'.format(s.replace('"', '""')) for s in stems)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
                "ORDER BY bm25(search_fts, 10.0, 4.0, 1.0), rowid LIMIT %s",
                [match, MAX_CANDIDATES],
            )
            return [row[0] for row in cursor.fetchall()]
    return list(SearchDocument.objects.values_list("pk", flat=True))  # other databases: all


def score(doc, terms, positions):
    """Weighted matches, times 1 to 2 by the share of the patient's words found."""
    total, covered = 0.0, set()
    for term in terms:
        token = f" {term.stem} "
        points = (
            TITLE * (token in doc.title_terms)
            + HEADING * (token in doc.heading_terms)
            + BODY * min(doc.body_terms.count(token), BODY_CAP)
        )
        if points:
            total += term.weight * points
            covered |= term.stands_for
    return total * (1 + len(covered & positions) / max(len(positions), 1))


def word_finder(stems):
    """A regex for words that may have one of the stems: a stem is nearly always the start of
    the word ("prolotherapi" -> "prolotherapy"), so it looks for all but its last letter;
    snippet() then checks each word it finds."""
    starts = sorted({re.escape(s[:-1] if len(s) > 3 else s) for s in stems}, key=len, reverse=True)
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(starts)})[^\W_]*", re.IGNORECASE)


def snippet(text, stems, finder):
    """About SNIPPET_CHARS of ``text`` around the first matched word, every matched word in
    <mark>. Every piece of text is escaped; only our own <mark> tags are markup."""
    found = next((m for m in finder.finditer(text) if stem(m.group().lower()) in stems), None)
    start = 0
    if found and found.start() > SNIPPET_CHARS // 3:
        start = text.find(" ", found.start() - SNIPPET_CHARS // 3) + 1
    end = start + SNIPPET_CHARS
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    window = text[start:end]
    parts, last = [], 0
    for match in finder.finditer(window):
        if stem(match.group().lower()) in stems:
            parts += [escape(window[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
            last = match.end()
    parts.append(escape(window[last:]))
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(parts).strip() + suffix)  # noqa: S308 - escaped above


def vocabulary():
    """The site's own words for "Did you mean": {first letter: [words]} and the set of stems."""
    return derived("vocabulary", _build_vocabulary)


def _build_vocabulary():
    found = set()
    for title, body in SearchDocument.objects.values_list("title", "body").iterator():
        found.update(w for w in words(f"{title} {body}") if len(w) > 3 and w.isalpha())
    for phrases in synonym_groups():
        found.update(w for phrase in phrases for w in phrase if len(w) > 1)
    by_letter = {}
    for word in sorted(found):
        by_letter.setdefault(word[0], []).append(word)
    return {"by_letter": by_letter, "stems": {stem(w) for w in found}}


def suggest(query):
    """The query with each word the site never uses replaced by the closest one it does."""
    query_words = words(query)
    unknown = [w for w in query_words if is_term(w) and len(w) > 3 and w.isalpha()]
    if not unknown:
        return ""
    vocab = vocabulary()
    changed = False
    for index, word in enumerate(query_words):
        if word not in unknown or stem(word) in vocab["stems"]:
            continue
        # Words with the same first letter only: few typos are in the first letter, and it
        # keeps the comparison quick.
        nearby = [w for w in vocab["by_letter"].get(word[0], []) if abs(len(w) - len(word)) < 3]
        # 0.8: one wrong letter in five or more ("planter" for "plantar"). A four-letter word
        # one letter from ours ("home", "hope") is as likely another word as a typo.
        close = difflib.get_close_matches(word, nearby, n=1, cutoff=0.8)
        if close:
            query_words[index], changed = close[0], True
    return " ".join(query_words) if changed else ""


def search(raw_query):
    query = clean_query(raw_query)
    outcome = Outcome(query=query, cut=len(clean_query(raw_query, limit=None)) > len(query))
    terms, positions = query_terms(query)
    if not terms:
        return outcome
    ids = candidates([t.stem for t in terms])
    docs = [
        Candidate(*row)
        for row in SearchDocument.objects.filter(pk__in=ids)
        .order_by()
        .values_list(*Candidate._fields)
    ]
    # Best score first; equal scores in the site's own order of pages, then of questions.
    scored = sorted(
        ((score(d, terms, positions), d) for d in docs),
        key=lambda pair: (-round(pair[0], 6), pair[1].page__order, pair[1].page__title,
                          pair[1].position),
    )  # fmt: skip
    stems = {part for t in terms for part in t.stem.split()}
    outcome.total = len(scored)
    best = [doc for _score, doc in scored[:MAX_RESULTS]]
    bodies = dict(
        SearchDocument.objects.filter(pk__in=[d.pk for d in best])
        .order_by()
        .values_list("pk", "body")
    )
    finder = word_finder(stems)
    outcome.results = [
        Result(d.title, d.url, d.breadcrumb, snippet(bodies[d.pk], stems, finder)) for d in best
    ]
    outcome.suggestion = suggest(query)
    return outcome
