"""alliancebot: a chat bot for alliance communication coalitions."""

__version__ = "0.1.0"
