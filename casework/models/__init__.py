from .case import Case
from .event import CaseEvent
from .membership import Membership, Role
from .organisation import Category, Community, Grid, Party, Street, Unit
from .sequence import ReferenceSequence
from .sla import CalendarOverride, Notification, SlaBreach, SlaPolicy, SlaTimer

__all__ = [
    "Case",
    "CalendarOverride",
    "CaseEvent",
    "Category",
    "Community",
    "Grid",
    "Membership",
    "Notification",
    "Party",
    "ReferenceSequence",
    "Role",
    "SlaBreach",
    "SlaPolicy",
    "SlaTimer",
    "Street",
    "Unit",
]
