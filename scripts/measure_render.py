#!/usr/bin/env python
"""The slowest Markdown this script can find, and what the renderer does with it.

It renders, through the site's own render_markdown (so through render_pool's workers):

- each of a list of fragments known or suspected to make Python-Markdown slow, repeated to
  10,000, 25,000 and 50,000 characters (growth from one size to the next shows quadratic work);
- random Markdown built from the page format's constructs (emphasis, backticks, footnotes,
  links, lists, tables, HTML, nested quotes, abbreviations...), some pieces repeated up to
  the page size.

For each input it measures the CPU time the render took in the worker process, and reports the
slowest ones and what came back: HTML, a refusal from the linear checks, "stopped" (the worker
ran out of CPU time) or "failed" (the Markdown library raised an exception).

    .venv/bin/python -m scripts.measure_render                # with the site's limit (2 s)
    .venv/bin/python -m scripts.measure_render --limit 30     # how long the library would take

With --limit, the worker's CPU limit is raised to that many seconds, which shows what the
renderer did before the limit existed (an input still "stopped" took longer than the limit).
No Django settings or database are needed.
"""

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pit_site.pages import render_pool  # noqa: E402
from pit_site.pages.rendering import MAX_BODY_CHARS, RenderError, render_markdown  # noqa: E402

SIZES = (10_000, 25_000, 50_000)
# (name, text before the repeats, fragment repeated)
FRAGMENTS = [
    ("one footnote cited many times", "[^a]: r\n\n", "x[^a] "),
    ("many footnotes", "", "x[^{n}]\n\n[^{n}]: r\n\n"),
    ("backticks ``a`", "", "``a`"),
    ("backticks `", "", "`"),
    ("backticks ``` a", "", "``` a "),
    ("emphasis *a", "", "*a "),
    ("emphasis **a", "", "**a "),
    ("emphasis _a_b", "", "_a_b "),
    ("emphasis ***", "", "***"),
    ("mixed * and _", "", "*_"),
    ("unclosed [", "", "["),
    ("links [a](", "", "[a]("),
    ("reference links [a][a]", "[a]: /x/\n\n", "[a][a] "),
    ("images ![a](", "", "![a]("),
    ("autolinks <http://", "", "<http://a"),
    ("html <b>", "", "<b>"),
    ("html <a ", "", "<a "),
    ("html comments <!--", "", "<!--"),
    ("entities &#", "", "&#"),
    ("escapes \\*", "", "\\*"),
    ("abbreviations", "*[HTML]: Hyper Text\n\n", "HTML "),
    ("many abbreviations", "", "*[A{n}]: b\n"),
    ("table rows", "| a | b |\n|---|---|\n", "| x | y |\n"),
    ("table pipes", "", "|"),
    ("list items", "", "- a\n"),
    ("nested list", "", "- a\n  - b\n"),
    ("numbered list", "", "1. a\n"),
    ("quotes", "", "> a\n"),
    ("nested quotes", "", "> > > a\n"),
    ("lines", "", "a\n"),
    ("hard breaks", "", "a  \n"),
    ("headings", "", "# a\n\n"),
    ("setext headings", "", "a\n=\n\n"),
    ("definition lists", "", "a\n: b\n\n"),
    ("fenced code fences", "", "```\n"),
    ("indented code", "", "    a\n"),
    ("tabs", "", "\t"),
    ("colons", "", ":"),
    ("empty footnotes", "", "[^{n}]:\n"),
]
PIECES = [
    "word ", "two words ", "*", "**", "_", "__", "`", "``", "```", "[", "]", "(", ")", "[^a]",
    "[^b]", "[^a]: ", "<b>", "</b>", '<a href="x">', "<", ">", "&", "&amp;", "\\", "![", "](",
    "](/x/)", "https://a.example", "<https://a.example>", "|", "~", "{", "}", ":", '"', "'",
    "\t", " ", "  \n", "HTML", "*[HTML]: ", "<!--", "-->", "<div>", "</div>",
]  # fmt: skip
LINE_STARTS = [
    "", "> ", "> > ", "- ", "* ", "1. ", "    ", "# ", "## ", "| ", "|---|", "[^a]: ",
    "[^b]:", "```", "*[HTML]: ", ": ", "---", "  - ",
]  # fmt: skip


def fill(head, fragment, size):
    text, n = head, 0
    while len(text) < size:
        text += fragment.replace("{n}", str(n))
        n += 1
    return text[:size]


def catalogue():
    for name, head, fragment in FRAGMENTS:
        for size in SIZES:
            yield f"{name} ({size:,} chars)", fill(head, fragment, size)


def random_markdown(rng):
    blocks = []
    for _ in range(rng.randint(1, 8)):
        lines = [
            rng.choice(LINE_STARTS) + "".join(rng.choices(PIECES, k=rng.randint(0, 12)))
            for _ in range(rng.randint(1, 6))
        ]
        block = "\n".join(lines)
        if rng.random() < 0.5:
            block = (block + rng.choice(["", " ", "\n", "\n\n"])) * rng.randint(1, 4_000)
        blocks.append(block)
    return "\n\n".join(blocks)[:MAX_BODY_CHARS]


def _proc_cpu(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_cpu():
    """CPU seconds used by render workers so far: live ones from /proc, ended ones (reaped by
    render_pool when it stops them) from this process's children's usage."""
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(_proc_cpu(worker.process.pid) for worker in render_pool._pool.idle)
    return ended.ru_utime + ended.ru_stime + live


def measure(text):
    render_markdown("warm")  # a live worker, so its start-up is not counted
    before_cpu, before_wall = worker_cpu(), time.monotonic()
    try:
        render_markdown(text)
        outcome = "html"
    except RenderError as error:
        message = str(error)
        if message.startswith("This text would take too long"):
            outcome = "stopped"
        elif "converter failed" in message or "has no text" in message:
            outcome = "failed"
        else:
            outcome = "refused"
    return worker_cpu() - before_cpu, time.monotonic() - before_wall, outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=float, help="CPU seconds per render (default: the site's)")
    parser.add_argument("--random", type=int, default=300, help="random inputs to try")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--top", type=int, default=12, help="how many of the slowest to list")
    args = parser.parse_args()
    if args.limit:
        render_pool.CPU_SECONDS = args.limit
        render_pool.WALL_SECONDS = max(render_pool.WALL_SECONDS, 5 * args.limit)
    rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
    inputs = list(catalogue())
    inputs += [
        (f"random #{n} (seed {args.seed})", random_markdown(rng)) for n in range(args.random)
    ]

    results, outcomes = [], {}
    started = time.monotonic()
    for name, text in inputs:
        cpu, wall, outcome = measure(text)
        results.append((cpu, wall, outcome, name, len(text)))
        if cpu > 1:  # so a long run shows what it finds as it goes
            print(f"  {cpu:.2f} s CPU, {outcome}: {name}", file=sys.stderr, flush=True)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    results.sort(reverse=True)

    print(
        f"{len(inputs)} inputs, CPU limit {render_pool.CPU_SECONDS:g} s per render, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    print("outcomes: " + ", ".join(f"{n} {kind}" for kind, n in sorted(outcomes.items())))
    print(f"\n{'CPU s':>7} {'wall s':>7}  {'outcome':<8} input")
    for cpu, wall, outcome, name, size in results[: args.top]:
        print(f"{cpu:7.2f} {wall:7.2f}  {outcome:<8} {name}, {size:,} chars")
    over = [r for r in results if r[0] > render_pool.CPU_SECONDS + 0.5]
    print(
        f"\nslowest render: {results[0][0]:.2f} s of CPU; "
        f"{len(over)} input(s) over the limit plus 0.5 s"
    )


if __name__ == "__main__":
    main()
