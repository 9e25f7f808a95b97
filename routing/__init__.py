"""Routing and the conversation lifecycle: teams' settings and members, agents' presence,
business hours and holidays, the fair queue, transfers, pauses, timeouts, dispositions and the
satisfaction survey (docs/adr/0060-routing-and-lifecycle.md)."""
