"""Markdown for the team and fees details pages show ({{ clinic.team }}, {{ clinic.fee_table }}…).

Built from the clinic's records by ``Clinic.markdown_details``. Text from the records is
escaped, so a name shows as typed (never as Markdown or HTML), and then goes through the page's
sanitiser like the rest of the page.
"""

import html
import re

PHOTO_WIDTH = 240  # pixels, on every screen
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]()#!|{}])")
# (Clinician field, the question on the team page, the job in a clinician's own entry)
ROLES = (
    ("assesses", "Who assesses you", "assesses patients"),
    ("prescribes", "Who prescribes the dextrose", "prescribes the dextrose"),
    ("injects", "Who gives the injections", "gives injections"),
)


def plain(text):
    """``text`` as Markdown that shows exactly these characters."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def team(clinicians):
    """A section per clinician: name, role, registration with a link to check it, duties."""
    if not clinicians:
        return "Please ask us who will treat you."
    return "\n\n".join(_clinician(person) for person in clinicians)


def _clinician(person):
    parts = [f"### {plain(person.name)}"]
    if person.photo:
        parts.append(_photo(person))
    parts.append(f"**{plain(person.role)}**")
    regulator = person.get_regulator_display().split(":")[0]
    registration = f"Registered with the {regulator}, number {plain(person.registration_number)}."
    if person.register_url:
        registration += f" [Check the {person.regulator} register]({person.register_url})"
    parts.append(registration)
    for line in person.duties.splitlines():
        if line.strip():
            parts.append(plain(line))
    jobs = [job for field, _question, job in ROLES if getattr(person, field)]
    if jobs:
        parts.append(f"At our clinic: {_and(jobs)}.")
    return "\n\n".join(parts)


def _photo(person):
    """The photo shown at most PHOTO_WIDTH pixels wide (the stored copy may be larger)."""
    width, height = person.photo_width or PHOTO_WIDTH, person.photo_height or PHOTO_WIDTH
    if width > PHOTO_WIDTH:
        width, height = PHOTO_WIDTH, round(height * PHOTO_WIDTH / width)
    return (
        f'<img src="{html.escape(person.photo.url)}" alt="{html.escape(person.photo_alt)}" '
        f'width="{width}" height="{height}">'
    )


def team_roles(clinicians):
    """Who assesses, who prescribes the dextrose and who gives the injections, as a list."""
    lines = []
    for field, label, _job in ROLES:
        names = [plain(person.name) for person in clinicians if getattr(person, field)]
        lines.append(f"- **{label}:** {_and(names) if names else 'please ask us'}.")
    return "\n".join(lines)


def _and(items):
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def money(amount):
    """£150 for whole pounds, £92.50 otherwise."""
    return f"£{amount:,.0f}" if amount == int(amount) else f"£{amount:,.2f}"


def _minutes(minutes):
    return f"{minutes} minutes" if minutes else "varies"


def fee_table(clinic):
    """The fee table: each kind of appointment, about how long it takes, and its fee."""
    rows = [
        ("First appointment: assessment and treatment", clinic.first_appointment_minutes,
         clinic.fee_first_appointment),
        ("Follow-up treatment session", clinic.follow_up_minutes, clinic.fee_follow_up),
        ("First appointment, if we do not treat you", clinic.first_appointment_minutes,
         clinic.fee_assessment_only),
    ]  # fmt: skip
    rows = [row for row in rows if row[2] is not None]
    if not rows:
        return "Please ask us about our fees."
    lines = ["| Appointment | About how long | Fee |", "|---|---|---|"]
    lines += [f"| {what} | {_minutes(minutes)} | {money(fee)} |" for what, minutes, fee in rows]
    return "\n".join(lines)


def course_cost(clinic):
    """A worked example: the cost of a usual course, from the fee table and course length."""
    first, later = clinic.fee_first_appointment, clinic.fee_follow_up
    low, high = clinic.sessions_low, clinic.sessions_high
    if first is None or later is None or low is None or high is None:
        return "Please ask us what a whole course is likely to cost you."
    sizes = [low] if low == high else [low, high]
    lines = [f"- **{n} session{'s' if n > 1 else ''}:** {_sum(first, later, n)}" for n in sizes]
    usual = f"{low}" if low == high else f"{low} to {high}"
    return (
        f"Our usual course is {usual} sessions in all, counting the first appointment. This "
        "is what that costs:\n\n" + "\n".join(lines)
    )


def _sum(first, later, sessions):
    if sessions == 1:
        return f"the first appointment only, {money(first)}"
    follow_ups = sessions - 1
    total = first + later * follow_ups
    return (
        f"{money(first)} for the first appointment, plus {follow_ups} follow-up"
        f"{'s' if follow_ups > 1 else ''} at {money(later)}, comes to **{money(total)}**"
    )
