from django import template
from django.utils.safestring import mark_safe

from pit_site.pages.figures import draw_figures

register = template.Library()


@register.simple_tag(takes_context=True)
def page_body(context, page):
    """The page's stored HTML (sanitised when saved) with its figures drawn in."""
    engine = context.template.engine
    html = draw_figures(
        page.body_html, lambda figure: engine.get_template(figure.template).render(context)
    )
    return mark_safe(html)  # noqa: S308 - sanitised on save; figures are our own templates
