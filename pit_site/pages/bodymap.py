"""The body map: where each body region is drawn, for the conditions index and condition pages.

Shapes are SVG path data for the front view, centred on x=70 in a 280 x 258 drawing
(templates/includes/body_map.html); the back view is the same outline moved 140 to the right.
Together the regions make the whole figure, so each part of the body belongs to one region.
"""

from dataclasses import dataclass

from .models import Region

SHAPES = {
    Region.HEAD_AND_NECK: "M56,22a14,14 0 1 0 28,0a14,14 0 1 0 -28,0ZM64,35h12v12h-12Z",
    Region.SHOULDER_AND_ARM: (
        "M48,49Q36,50 33,60L27,116H39L45,76ZM92,49Q104,50 107,60L113,116H101L95,76Z"
    ),
    Region.WRIST_AND_HAND: (
        "M27,116H39L40,126Q41,140 33,142Q25,140 26,126Z"
        "M113,116H101L100,126Q99,140 107,142Q115,140 114,126Z"
    ),
    Region.BACK_AND_CHEST: "M46,50Q70,42 94,50L91,112H49Z",
    Region.HIP_AND_KNEE: "M49,112H91L94,132L89,184H73L70,138L67,184H51L46,132Z",
    Region.ANKLE_AND_FOOT: "M51,184H67L66,226L70,238H47L52,226ZM89,184H73L74,226L70,238H93L88,226Z",
}


@dataclass(frozen=True)
class Area:
    shape: str
    url: str = ""  # a link to the region's conditions, if it has any
    name: str = ""  # the link's accessible name
    marked: bool = False


def linked_areas(groups):
    """Areas for the conditions index: each region with conditions links to its group there.

    ``groups`` are (region, label, pages) as the index lists them. None if no group has a
    region (a section that is not about the body).
    """
    counts = {region: len(pages) for region, _label, pages in groups if region}
    if not counts:
        return None
    areas = []
    for region in Region:
        count = counts.get(region.value, 0)
        if not count:
            areas.append(Area(SHAPES[region]))
            continue
        noun = "condition" if count == 1 else "conditions"
        areas.append(
            Area(
                SHAPES[region],
                url=f"#region-{region.value}",
                name=f"{region.label}: {count} {noun}",
            )
        )
    return areas


def marked_areas(region):
    """Areas for a condition page's small map, with the page's region marked."""
    return [Area(SHAPES[r], marked=r.value == region) for r in Region]
