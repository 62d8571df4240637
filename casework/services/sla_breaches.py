from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.actors import Actor

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import SlaBreach

COMMENT_MAX = 2000


def breach_acknowledge(*, actor: Actor, breach_id: int, comment: str) -> SlaBreach:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(fields={"comment": [_("At most %(n)s characters.") % {"n": COMMENT_MAX}]})
    with transaction.atomic():
        breach = SlaBreach.objects.select_for_update().filter(pk=breach_id).first()
        if not (actor.is_supervisor or actor.is_superuser):
            raise Forbidden(_("Only the street's supervisors acknowledge breaches."))
        if breach is None or not (
            actor.is_superuser or breach.community_id in actor.supervised_communities
        ):
            raise NotFound()
        if breach.acknowledged_at is not None:
            raise Conflict(_("This breach was already acknowledged."), code="already_acknowledged")
        breach.acknowledged_at = timezone.now()
        breach.acknowledged_by_id = actor.user_id
        breach.comment = comment
        breach.save(update_fields=["acknowledged_at", "acknowledged_by", "comment"])
    return breach
