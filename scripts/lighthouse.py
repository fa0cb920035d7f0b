#!/usr/bin/env python
"""Lighthouse 12 scores and page weight of the key pages, against the real stack.

Without --url the script builds the site with scripts/livesite.py, as the browser tests do
(migrate, load_content, collectstatic, the Procfile's web: line (granian) + whitenoise, DEBUG
off, DJANGO_SECURE=0) on a throw-away SQLite database, runs Lighthouse against it and stops it.
With --url it audits a server you already run (e.g. `make run`).

Lighthouse comes from scripts/package.json (`npm ci --prefix scripts`, done by
`make lighthouse`) and drives Debian's Chromium (CHROME_PATH=/usr/bin/chromium); it never
downloads a browser. Form factor: Lighthouse's default (mobile, simulated slow 4G).

Pages: the home page, the conditions index, a condition page and the treatment journey.
Targets: accessibility, best practices and SEO 100; performance >= 98; Cumulative Layout Shift
0; the page's HTML (inline SVG included) plus its CSS <= 20 KB as transferred (compressed).
Every audit that keeps a category below 100 is listed with Lighthouse's own explanation. Exit
status 1 when a target is missed.

Plain http: the local server speaks http only, so Lighthouse's "uses HTTPS" audit
(is-on-https, in best practices) can fail for that reason alone; the script says so when it
does, and reports the score as Lighthouse computed it, with every audit counted.

Usage (from the project root):

    make lighthouse
    .venv/bin/python -m scripts.lighthouse --url http://127.0.0.1:8000 --runs 3 --pages / /faqs/
    (every option is optional; --keep DIR keeps the reports)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.livesite import (
    ROOT,
    StackError,
    prepare,
    site_env,
    start_web,
)

LIGHTHOUSE = ROOT / "scripts" / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
PAGES = ["/", "/conditions/", "/conditions/knee-pain/", "/your-treatment/"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}
MAX_PAGE_CSS_BYTES = 20 * 1024
# Audits that can only pass over https; a local plain-http run fails them for that alone.
HTTPS_ONLY_AUDITS = {"is-on-https", "redirects-http"}
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best", "seo": "seo"}


def start_site(tmp):
    """The real stack on a throw-away database; a livesite.Server (stop it when done)."""
    env = site_env(
        f"sqlite:///{tmp / 'lighthouse.sqlite3'}",
        tmp,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    prepare(env)
    # The site's own links name the port it is given (PORT): DJANGO_SITE_URL stays unset.
    return start_web(env, tmp / "log", WEB_CONCURRENCY="2")


def run_lighthouse(url, out_path, attempts=3):
    """One Lighthouse report; a run Lighthouse itself calls broken (NO_NAVSTART...) is retried."""
    env = dict(os.environ, CHROME_PATH=CHROME_PATH)
    command = [
        str(LIGHTHOUSE), url,
        "--output=json", f"--output-path={out_path}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]  # fmt: skip
    for attempt in range(1, attempts + 1):
        out_path.unlink(missing_ok=True)
        result = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        report = json.loads(out_path.read_text()) if out_path.exists() else {}
        error = (report.get("runtimeError") or {}).get("message") or result.stderr.strip()
        if result.returncode == 0 and report and not report.get("runtimeError"):
            return report
        print(f"  lighthouse run failed (attempt {attempt}/{attempts}): {error[-300:]}")
    sys.exit(f"lighthouse failed on {url} {attempts} times")


def scores(report):
    return {
        name: (None if cat["score"] is None else round(cat["score"] * 100))
        for name, cat in report["categories"].items()
    }


def median_run(reports):
    """The run whose performance score is the median (Lighthouse's own advice for noise)."""
    ordered = sorted(reports, key=lambda r: r["categories"]["performance"]["score"] or 0)
    return ordered[len(ordered) // 2]


def layout_shift(report):
    """Cumulative Layout Shift, rounded as Lighthouse shows it (0.001 steps)."""
    return round(report["audits"]["cumulative-layout-shift"]["numericValue"], 3)


def weight(report):
    """(HTML + CSS bytes, all bytes) transferred, compressed, from the network requests."""
    items = report["audits"]["network-requests"]["details"]["items"]
    page_css = sum(
        item.get("transferSize", 0)
        for item in items
        if item.get("resourceType") in {"Document", "Stylesheet"}
    )
    return page_css, sum(item.get("transferSize", 0) for item in items)


def failing_audits(report):
    """(category, audit id, score, title, explanation) of the audits that cost points.

    Only audits with a weight in their category: in performance those are the metrics
    (FCP, LCP, TBT, CLS, SI); the insights and diagnostics carry no weight (see hints()).
    """
    found = []
    for name, category in report["categories"].items():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit["score"] is not None and audit["score"] < 1:
                found.append((name, ref["id"], audit["score"], audit["title"], details(audit)))
    return found


def hints(report):
    """Performance insights and diagnostics that fail (weight 0: no effect on the score)."""
    found = []
    for ref in report["categories"]["performance"]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) == 0 and audit["score"] is not None and audit["score"] < 0.5:
            found.append(
                f"{ref['id']}"
                + (f" ({audit['displayValue']})" if audit.get("displayValue") else "")
            )
    return found


def details(audit):
    lines = [audit["displayValue"]] if audit.get("displayValue") else []
    for item in (audit.get("details") or {}).get("items", [])[:5]:
        node = item.get("node") or {}
        where = node.get("selector") or item.get("url") or item.get("source", {}).get("url", "")
        text = node.get("explanation") or item.get("description") or item.get("label") or ""
        snippet = node.get("snippet", "")
        lines.append(" | ".join(str(part) for part in (where, snippet, text) if part))
    return [" ".join(line.split())[:300] for line in lines if line]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="audit this running server instead of starting one")
    parser.add_argument("--pages", nargs="+", default=PAGES)
    parser.add_argument("--runs", type=int, default=3, help="runs per page; median is kept")
    parser.add_argument("--keep", type=Path, help="write the JSON reports to this folder")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm ci --prefix scripts (or make lighthouse)")
    if not Path(CHROME_PATH).exists():
        sys.exit(f"{CHROME_PATH} is missing (apt-get install chromium, or set CHROME_PATH)")

    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp_name:
        tmp = Path(tmp_name)
        server = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            print("Starting the site (migrate, load_content, the web server)...", flush=True)
            try:
                server = start_site(tmp)
            except StackError as error:
                sys.exit(str(error))
            base = server.base_url
        try:
            results = {}
            for path in args.pages:
                reports = []
                for run in range(args.runs):
                    print(f"Lighthouse {base}{path} (run {run + 1}/{args.runs})", flush=True)
                    out = tmp / f"report-{len(results)}-{run}.json"
                    reports.append(run_lighthouse(base + path, out))
                results[path] = (median_run(reports), [scores(r) for r in reports])
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    name = path.strip("/").replace("/", "-") or "home"
                    (args.keep / f"{name}.json").write_text(json.dumps(results[path][0]))
        finally:
            if server:
                server.stop()
    return report_results(base, results, args.runs)


def report_results(base, results, runs):
    print(f"\nLighthouse {next(iter(results.values()))[0]['lighthouseVersion']}, {base}, "
          f"mobile, median of {runs} run(s) by performance")  # fmt: skip
    header = f"{'page':<24}" + "".join(f"{SHORT[c]:>6}" for c in CATEGORIES)
    print(header + f"{'CLS':>7}{'perf runs':>14}{'HTML+CSS':>10}{'all':>9}")
    missed = []
    for path, (report, all_scores) in results.items():
        got = scores(report)
        page_css, total = weight(report)
        perf_runs = "/".join(str(s["performance"]) for s in all_scores)
        cls = layout_shift(report)
        print(
            f"{path:<24}" + "".join(f"{got[c]!s:>6}" for c in CATEGORIES)
            + f"{cls:>7}{perf_runs:>14}{page_css / 1024:>8.1f}KB{total / 1024:>7.1f}KB"
        )  # fmt: skip
        for category in CATEGORIES:
            if got[category] is None or got[category] < TARGETS[category]:
                missed.append(f"{path}: {category} {got[category]} < {TARGETS[category]}")
        if cls > 0:
            missed.append(f"{path}: Cumulative Layout Shift {cls} > 0")
        if page_css > MAX_PAGE_CSS_BYTES:
            missed.append(f"{path}: HTML+CSS {page_css} bytes > {MAX_PAGE_CSS_BYTES}")
    print(
        f"Targets: perf >= {TARGETS['performance']}, a11y/best/seo 100, CLS 0, "
        f"HTML+CSS <= {MAX_PAGE_CSS_BYTES // 1024} KB transferred"
    )

    print("\nAudits costing points (median run):")
    any_failing = False
    for path, (report, _) in results.items():
        for category, audit_id, score, title, lines in failing_audits(report):
            any_failing = True
            note = ""
            if audit_id in HTTPS_ONLY_AUDITS and base.startswith("http://"):
                note = "  [fails only because this local server is plain http]"
            print(f"- {path} {category}: {audit_id} ({score:.2f}) {title}{note}")
            for line in lines:
                print(f"    {line}")
    if not any_failing:
        print("  none")
    print("\nPerformance hints with no weight in the score (median run):")
    for path, (report, _) in results.items():
        print(f"- {path}: {', '.join(hints(report)) or 'none'}")
    if missed:
        print("\nMissed targets:\n  " + "\n  ".join(missed))
        return 1
    print("\nEvery target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
