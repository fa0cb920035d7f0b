"""Does each reference's link still work? Used by ``manage.py check_references``.

Each link (DOI, PubMed, web address) gets one GET with a short timeout, a few at a time
(a small thread pool, to be polite to the servers and the machine). Only the status and
headers are read, never the body. The result is a status (works, moved, broken), a short
reason in plain words and, for a moved link, where it now leads. Nothing a link answers can
raise: every failure becomes a "broken" result saying why.
"""

import http.client
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from .models import CheckStatus

TIMEOUT_SECONDS = 10
WORKERS = 4
MAX_URL_CHARS = 2000
HEADERS = {
    "User-Agent": "Mozilla/5.0 (compatible; clinic-reference-checker/1.0)",
    "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8",
}
# Characters a URL may hold as they are; anything else (spaces, non-ASCII) is %-encoded.
URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"


@dataclass
class LinkResult:
    status: str
    detail: str = ""
    target: str = ""


def ascii_url(url):
    """The URL as a server expects it: an IDNA host and %-encoded path; ValueError if it
    cannot be one."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise ValueError("it has no server name")
    netloc = host.encode("idna").decode("ascii")
    if parts.port:
        netloc += f":{parts.port}"
    path, query = (quote(part, safe=URL_SAFE) for part in (parts.path, parts.query))
    return urlunsplit((parts.scheme, netloc, path or "/", query, ""))


def check_link(url, timeout=TIMEOUT_SECONDS):
    """One link's LinkResult. Never raises."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        shown = f" ({scheme[:20]}:)" if scheme else ""
        return LinkResult(CheckStatus.BROKEN, f"not a web address{shown}")
    if len(url) > MAX_URL_CHARS:
        return LinkResult(CheckStatus.BROKEN, f"the address is too long ({len(url):,} characters)")
    try:
        # Only http and https reach here (checked above).
        request = urllib.request.Request(ascii_url(url), headers=HEADERS)  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            final = response.geturl()
            kind = response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return LinkResult(CheckStatus.BROKEN, f"the server answered {error.code} {error.reason}")
    except urllib.error.URLError as error:
        return LinkResult(CheckStatus.BROKEN, _reason(error.reason, timeout))
    except (TimeoutError, OSError, http.client.HTTPException, ValueError, UnicodeError) as error:
        return LinkResult(CheckStatus.BROKEN, _reason(error, timeout))
    note = "" if kind in ("text/html", "application/xhtml+xml") else f"not a web page: {kind}"
    if final != request.full_url:
        return LinkResult(CheckStatus.REDIRECTED, note or "moved", final[:MAX_URL_CHARS])
    return LinkResult(CheckStatus.OK, note)


def _reason(error, timeout):
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} seconds"
    if isinstance(error, ConnectionRefusedError):
        return "the server refused the connection"
    if isinstance(error, socket.gaierror):
        return "the server's name was not found"
    if isinstance(error, ValueError | UnicodeError | http.client.InvalidURL):
        return f"not a valid web address ({str(error)[:100]})"
    return f"could not connect ({str(error)[:100] or type(error).__name__})"


def check_reference(reference, timeout=TIMEOUT_SECONDS):
    """(status, detail, redirect target) for all of a reference's links together."""
    links = reference.links()
    if not links:
        return CheckStatus.BROKEN, "it has no DOI, PubMed ID or web address", ""
    results = [(label, check_link(url, timeout)) for label, url in links]
    statuses = {result.status for _, result in results}
    status = next(s for s in (CheckStatus.BROKEN, CheckStatus.REDIRECTED, CheckStatus.OK)
                  if s in statuses)  # fmt: skip
    detail = "; ".join(f"{label}: {result.detail}" for label, result in results if result.detail)
    target = next((result.target for _, result in results if result.target), "")
    return status, detail[:300], target


def check_all(references, timeout=TIMEOUT_SECONDS, workers=WORKERS):
    """[(reference, (status, detail, target))], checked ``workers`` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda ref: check_reference(ref, timeout), references)
        return list(zip(references, results, strict=True))
