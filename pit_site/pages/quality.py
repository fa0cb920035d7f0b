"""The content guide's rules that a machine can check, for tests and `manage.py check_content`.

Reading grade, overclaiming words, percentages without a source, clinic details written into
Markdown (they belong in the clinic's settings, reply time included) and a title heading inside
the body.
"""

import re

from .readability import prose_text, reading_grade

MAX_GRADE = 8.0
BANNED_RE = re.compile(
    r"\b(cur(e|es|ed|ing)|(completely|totally|perfectly|100%) safe|no risks?|risk[- ]free"
    r"|guarantee[ds]?|miracles?|painless|no side[- ]effects?)\b",
    re.I,
)
# A percentage that is not a solution strength ("5% dextrose") must say who reported it.
PERCENT_RE = re.compile(r"\d+(\.\d+)?\s?%(?!\s*(dextrose|glucose|lignocaine|lidocaine|d5w))", re.I)
ATTRIBUTION_RE = re.compile(
    r"\b(reports?|reported|study|studies|trials?|review|survey|found|clinics?|according"
    r"|published|series)\b",
    re.I,
)
CLINIC_DETAIL_RES = {
    "an email address": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "a phone number": re.compile(r"(?<![\w/.-])(\+?\d[\d ()-]{8,}\d)(?![\w/-]|\.\d)"),
    "an emergency number": re.compile(r"(?<![\d,.])\b(999|911|111|112|000)\b(?![,.]\d)"),
    "a postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),
    # The clinic's reply_time ("within two working days"), not how soon a rash fades.
    "a reply time": re.compile(
        r"\bwithin\s+[\w-]+\s+(working|business)\s+(days?|hours?)\b"
        r"|\b(reply|replies|respond|answer|get back|call (you )?back)\b[^.]{0,40}?"
        r"\bwithin\s+(\d+|an?|one|two|three|four|five|seven|ten)\s+(days?|hours?)\b",
        re.I,
    ),
}


def content_problems(title, summary, body, html):
    """Plain-language reasons this page breaks the content guide; empty when it does not."""
    problems = []
    grade = reading_grade(html)
    if grade > MAX_GRADE:
        problems.append(f"reading grade {grade} is above {MAX_GRADE}")
    for text in (title, summary, body):
        problems += [f"overclaiming word: {m.group(0)!r}" for m in BANNED_RE.finditer(text)]
    for sentence in re.split(r"(?<=[.!?])\s+", prose_text(html)):
        if PERCENT_RE.search(sentence) and not ATTRIBUTION_RE.search(sentence):
            problems.append(f"percentage without a source: {sentence[:80]!r}")
    prose = re.sub(r"\[\^[^\]]+\]:.*", "", body)  # reference lines may hold journal numbers
    prose = re.sub(r"\]\([^)]*\)", "]", prose)  # and link targets may hold anything
    for what, pattern in CLINIC_DETAIL_RES.items():
        if match := pattern.search(prose):
            problems.append(f"{what} in the text ({match.group(0)!r}): use the clinic details")
    if re.search(r"^# ", body, re.M):
        problems.append("a '# ' heading in the body: the title is already the page's h1")
    if not 50 <= len(summary) <= 160:
        problems.append(f"summary is {len(summary)} characters; 50 to 160 reads best")
    return problems
