"""Words in, stems out: the one tokeniser that the index and every query go through.

Both databases index the *stems* this module makes (PostgreSQL with the "simple" text search
configuration, SQLite with FTS5's plain unicode61 tokeniser), so a query matches the same
documents on either. The stemmer is Snowball's English one, the same algorithm as
PostgreSQL's "english" configuration, and the stop words are that configuration's list.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_QUERY_CHARS = 100  # longer queries are cut: no patient question needs more
MAX_TERMS = 12
WORD_RE = re.compile(r"[^\W_]+")
# PostgreSQL's english.stop (the Snowball list), plus the ends of contractions.
_STOP_LIST = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who
    whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now ll ve re"""
STOP_WORDS = frozenset(_STOP_LIST.split())  # noqa: SIM905 - a list as the source has it

_stemmer = snowballstemmer.stemmer("english")


def clean_query(raw, limit=MAX_QUERY_CHARS):
    """The visible text of a query: NFKC-normalised, without control or format characters
    (NUL, RTL marks, zero-width joiners), spaces collapsed, cut at ``limit`` characters."""
    text = unicodedata.normalize("NFKC", (raw or "")[: MAX_QUERY_CHARS * 4])
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return " ".join(text.split())[:limit].strip()


def words(text):
    """Lower-case words (letters and digits) in the order they appear."""
    return [word.lower() for word in WORD_RE.findall(text)]


def is_term(word):
    return len(word) > 1 and word not in STOP_WORDS


@lru_cache(maxsize=50_000)
def stem(word):
    return _stemmer.stemWord(word)


def stems(text):
    return [stem(word) for word in words(text) if is_term(word)]


def index_text(text):
    """What the index stores for a field: its stems, space-separated and space-padded, so
    `" stem " in field` is a whole-word test."""
    return f" {' '.join(stems(text))} "
