from .case import Case
from .event import CaseEvent
from .membership import Membership, Role
from .organisation import Category, Community, Grid, Party, Street, Unit
from .sequence import ReferenceSequence

__all__ = [
    "Case",
    "CaseEvent",
    "Category",
    "Community",
    "Grid",
    "Membership",
    "Party",
    "ReferenceSequence",
    "Role",
    "Street",
    "Unit",
]
