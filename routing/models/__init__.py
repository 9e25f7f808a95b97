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
from routing.models.personal import (
    HISTORY_STRICTNESS,
    AgentCodename,
    CodenameHold,
    CodenameUnavailable,
    HistoryVisibility,
    TeamConsoleSettings,
)
from routing.models.surveys import SurveyRequest, SurveyStatus
from routing.models.teams import (
    OffHoursAction,
    OverflowAction,
    QueueNotice,
    TeamMembership,
    TeamSettings,
)

__all__ = [
    "HISTORY_STRICTNESS",
    "AgentCodename",
    "AgentPause",
    "AgentState",
    "AgentStatus",
    "BusinessHoursGroup",
    "BusinessHoursInterval",
    "CannedReply",
    "CodenameHold",
    "CodenameUnavailable",
    "ConversationEvent",
    "ConversationParticipant",
    "ConversationRouting",
    "Disposition",
    "EventKind",
    "HistoryVisibility",
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
    "TeamConsoleSettings",
    "TeamMembership",
    "TeamSettings",
    "WordKind",
]
