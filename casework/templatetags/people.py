"""{{ user|person }}: a user's 姓名, or their login name without one (casework.people)."""

from django import template

from ..people import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)
