"""The service desk: contacts, conversations (protocols), messages, teams, the outbox."""
