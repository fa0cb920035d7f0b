"""What search engines and link previews read: JSON-LD (schema.org) and the site's address.

Everything comes from data the site already has: the page, its section and the clinic's
details. ``script_json`` escapes <, > and & so no text can close the <script> element the
JSON sits in.
"""

import datetime
import json
import re

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.views.decorators.http import require_safe

from .models import Kind

DAYS = {
    "monday": "Mo", "tuesday": "Tu", "wednesday": "We", "thursday": "Th", "friday": "Fr",
    "saturday": "Sa", "sunday": "Su",
}  # fmt: skip
TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)|(?:12\s*)?noon|\d{1,2}:\d{2}"
HOURS_RE = re.compile(
    rf"^\s*(?P<first>[a-z]+day)(?:\s*(?:to|-|–)\s*(?P<last>[a-z]+day))?\s*:?\s*"
    rf"(?P<open>{TIME})\s*(?:to|-|–)\s*(?P<close>{TIME})\s*$",
    re.I,
)
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.I)


def site(request):
    """Context processor: the site's public address, for canonical links and share tags."""
    return {"site_url": settings.SITE_URL}


def script_json(data):
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def absolute(path):
    return settings.SITE_URL + path


def _time(text):
    text = text.lower().replace(" ", "")
    if "noon" in text:
        return "12:00"
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm)?", text)
    hour, minutes, half = int(match[1]), match[2] or "00", match[3]
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return f"{hour:02d}:{minutes}"


def opening_hours(text):
    """schema.org openingHours ("Mo-Fr 09:00-17:00") from lines such as "Monday to Friday:
    9am to 5pm"; lines it cannot read (e.g. "Sunday: closed") are left out."""
    hours = []
    for line in text.splitlines():
        match = HOURS_RE.match(line)
        if not match or match["first"].lower() not in DAYS:
            continue
        days = DAYS[match["first"].lower()]
        if match["last"]:
            if match["last"].lower() not in DAYS:
                continue
            days += "-" + DAYS[match["last"].lower()]
        hours.append(f"{days} {_time(match['open'])}-{_time(match['close'])}")
    return hours


def postal_address(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    address = {"@type": "PostalAddress"}
    if len(lines) >= 3 and POSTCODE_RE.match(lines[-1]):
        address["postalCode"] = lines.pop()
        address["addressLocality"] = lines.pop()
    address["streetAddress"] = ", ".join(lines)
    return address


def clinic_data(clinic):
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "@id": absolute("/#clinic"),
        "name": clinic.name,
        "url": absolute("/"),
        "telephone": clinic.phone,
        "email": clinic.email,
        "address": postal_address(clinic.address),
    }
    if hours := opening_hours(clinic.opening_hours):
        data["openingHours"] = hours
    return data


def page_data(page):
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": page.title,
        "description": page.summary,
        "url": absolute(page.get_absolute_url()),
        "inLanguage": "en-GB",
        "dateModified": page.updated_at.isoformat(),
        "audience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "publisher": {"@id": absolute("/#clinic")},
    }
    if page.is_reviewed:
        data["lastReviewed"] = page.last_reviewed.isoformat()
        data["reviewedBy"] = {"@type": "Person", "name": page.reviewer}
        if page.reviewer_role:
            data["reviewedBy"]["jobTitle"] = page.reviewer_role
    if page.kind == Kind.CONDITION:
        data["about"] = {"@type": "MedicalCondition", "name": page.list_title}
    return data


def breadcrumb_data(trail):
    """trail: [(name, path)] from the home page to this page."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute(path)}
            for n, (name, path) in enumerate(trail, start=1)
        ],
    }


def faq_data(page):
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question,
                "acceptedAnswer": {"@type": "Answer", "text": strip_tags(answer).strip()},
            }
            for _anchor, question, answer in page.faq_questions()
        ],
    }


def json_ld(page, clinic, section=None):
    """The JSON-LD blocks for a content page, each ready to put in a <script>."""
    blocks = [page_data(page)]
    if page.kind == Kind.FAQ:
        blocks.append(faq_data(page))
    if section:
        blocks.append(
            breadcrumb_data(
                [
                    ("Home", "/"),
                    (section.title, section.get_absolute_url()),
                    (page.list_title, page.get_absolute_url()),
                ]
            )
        )
    blocks.append(clinic_data(clinic))
    return [script_json(block) for block in blocks]


@require_safe
def security_txt(request):
    """RFC 9116: a contact for security reports and an expiry date, from the settings."""
    if settings.SECURITY_TXT_EXPIRES:
        expires = datetime.datetime.fromisoformat(settings.SECURITY_TXT_EXPIRES).replace(
            hour=23, minute=59, second=59, tzinfo=datetime.UTC
        )
    else:
        expires = (timezone.now() + datetime.timedelta(days=180)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en",
        f"Canonical: {absolute('/.well-known/security.txt')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
