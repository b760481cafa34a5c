"""Adapters translate between a platform and the core; they hold no business rules."""
