"""The body map on the conditions index and condition pages, and the evidence mark."""

import pytest

from pit_site.pages import bodymap
from pit_site.pages.models import Evidence, Kind, Page, Region
from tests.conftest import soup

pytestmark = pytest.mark.django_db

BARS = {Evidence.SOME: 3, Evidence.LIMITED: 2, Evidence.VERY_LIMITED: 1}


def map_links(html):
    return html.select("nav.body-map svg a")


def test_every_region_has_a_shape_on_the_map():
    assert set(bodymap.SHAPES) == set(Region)


def test_each_region_with_conditions_links_to_its_group_by_name(client):
    html = soup(client.get("/conditions/"))
    art = html.select_one("nav.body-map svg")
    assert art["role"] == "group" and html.find(id=art["aria-labelledby"]).text.strip()
    links = map_links(html)
    offered = Page.objects.published().filter(kind=Kind.CONDITION)
    assert len(links) == len({page.region for page in offered}) == len(Region)
    for link, region in zip(links, Region, strict=True):  # in the index's order
        group = html.select_one(link["href"])
        assert group.name == "section" and group.h2.text == region.label
        count = len(group.select(".cards > li"))
        assert count == offered.filter(region=region).count()
        noun = "condition" if count == 1 else "conditions"
        assert link["aria-label"] == f"{region.label}: {count} {noun}"
        assert link.title.text == link["aria-label"]  # the tooltip on hover
        assert link.select("path")  # drawn on the front and the back


def test_a_region_with_no_offered_conditions_is_drawn_but_not_a_link(client):
    Page.objects.filter(region=Region.WRIST_AND_HAND).update(not_offered=True)
    html = soup(client.get("/conditions/"))
    hrefs = [link["href"] for link in map_links(html)]
    assert "#region-wrist-and-hand" not in hrefs and len(hrefs) == len(Region) - 1
    assert len(html.select("nav.body-map g.body-area")) == len(Region)
    assert len(html.select("nav.body-map g.body-area.is-empty")) == 1
    assert not html.select("#region-wrist-and-hand")


def test_the_text_list_stays_beside_the_map(client):
    html = soup(client.get("/conditions/"))
    finder = html.select_one(".conditions-finder.has-map")
    assert finder.select_one("nav.body-map") and len(finder.select("section.region")) == 6


def test_a_section_that_is_not_about_the_body_has_no_map(client):
    Page.objects.create(
        path="guides", title="Guides", summary="Short guides for patients. " * 3,
        kind=Kind.SECTION, status="published", body="Our guides.",
    )  # fmt: skip
    Page.objects.create(
        path="guides/first-visit", title="Your first visit", summary="What happens. " * 5,
        status="published", body="Text.",
    )  # fmt: skip
    html = soup(client.get("/guides/"))
    assert html.select_one("section#region-other") and not html.select("nav.body-map")


def test_a_condition_page_shows_its_area_marked_on_a_small_decorative_map(client):
    for page in Page.objects.published().filter(kind=Kind.CONDITION):
        html = soup(client.get(page.get_absolute_url()))
        area = html.select_one(".facts .facts-area")
        art = area.select_one("svg.body-map-small")
        assert art["aria-hidden"] == "true" and not art.select("a"), page.path
        assert len(art.select("g.is-marked")) == 1, page.path
        assert " ".join(area.dd.text.split()) == page.get_region_display(), page.path


def test_evidence_levels_carry_the_same_mark_and_words_everywhere(client):
    conditions = Page.objects.published().filter(kind=Kind.CONDITION)
    index = soup(client.get("/conditions/"))
    marks = index.select(".cards .evidence")
    assert len(marks) == conditions.count()
    for page in conditions:
        card = index.select_one(f'.cards a[href="{page.get_absolute_url()}"]').parent
        shown = [card.select_one(".evidence")]
        shown.append(soup(client.get(page.get_absolute_url())).select_one(".facts .evidence"))
        for mark in shown:
            assert f"evidence-{page.evidence}" in mark["class"], page.path
            assert mark.text.strip() == page.get_evidence_display(), page.path
            icon = mark.select_one("svg.evidence-mark")
            assert icon["aria-hidden"] == "true"
            assert len(icon.select("rect")) == 3
            assert len(icon.select("rect.is-on")) == BARS[page.evidence], page.path
