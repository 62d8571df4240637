from .case import Case
from .consultation import Ballot, Consultation, ConsultationOption
from .evaluation import EvaluationReport
from .delivery import Channel, NotificationDelivery, NotificationPreference
from .event import CaseEvent
from .extension import Extension
from .heartbeat import Heartbeat
from .membership import Membership, Role
from .open311 import ApiKey, PublicIntake, ServiceAttribute
from .organisation import Category, Community, Grid, Party, Street, Unit
from .retention import ResidentDataExport
from .sequence import ReferenceSequence
from .sla import CalendarOverride, Notification, SlaBreach, SlaPolicy, SlaTimer
from .urge import Urge
from .summons import Summons

__all__ = [
    "ApiKey",
    "PublicIntake",
    "ServiceAttribute",
    "Ballot",
    "Case",
    "Consultation",
    "ConsultationOption",
    "CalendarOverride",
    "CaseEvent",
    "Channel",
    "EvaluationReport",
    "Extension",
    "Category",
    "Community",
    "Grid",
    "Heartbeat",
    "Membership",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
    "Party",
    "ReferenceSequence",
    "ResidentDataExport",
    "Role",
    "SlaBreach",
    "Urge",
    "SlaPolicy",
    "SlaTimer",
    "Street",
    "Summons",
    "Unit",
]
