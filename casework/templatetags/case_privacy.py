"""{% case_text case "description" %}: a case's free text as the page's reader may see it,
with personal data masked unless they are the case's dispatcher (casework.privacy)."""

from django import template

from ..privacy import TEXT_FIELDS, personal_data_masked, reporter_names, sees_personal_data

register = template.Library()


@register.simple_tag(takes_context=True)
def case_text(context, case, field: str) -> str:
    if field not in TEXT_FIELDS:
        raise template.TemplateSyntaxError(f"case_text: {field!r} is not one of {TEXT_FIELDS}")
    value = getattr(case, field) or ""
    if sees_personal_data(context.get("actor"), case):
        return value
    return personal_data_masked(value, names=reporter_names(case))
