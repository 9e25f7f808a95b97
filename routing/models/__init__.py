"""Routing models, one module per concept; import them from here."""

from routing.models.agents import AgentPause, AgentState, AgentStatus, PauseNotice, PauseReason
from routing.models.catalog import CannedReply, Disposition, RestrictedWord, WordKind
from routing.models.conversations import (
    ConversationEvent,
    ConversationParticipant,
    ConversationRouting,
    EventKind,
    RoutingState,
)
from routing.models.hours import BusinessHoursGroup, BusinessHoursInterval, Holiday, HolidayKind
from routing.models.surveys import SurveyRequest, SurveyStatus
from routing.models.teams import (
    OffHoursAction,
    OverflowAction,
    QueueNotice,
    TeamMembership,
    TeamSettings,
)

__all__ = [
    "AgentPause",
    "AgentState",
    "AgentStatus",
    "BusinessHoursGroup",
    "BusinessHoursInterval",
    "CannedReply",
    "ConversationEvent",
    "ConversationParticipant",
    "ConversationRouting",
    "Disposition",
    "EventKind",
    "Holiday",
    "HolidayKind",
    "OffHoursAction",
    "OverflowAction",
    "PauseNotice",
    "PauseReason",
    "QueueNotice",
    "RestrictedWord",
    "RoutingState",
    "SurveyRequest",
    "SurveyStatus",
    "TeamMembership",
    "TeamSettings",
    "WordKind",
]
