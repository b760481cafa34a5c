"""Per-platform renderers: pure functions from a neutral `Reply` to what each platform accepts.

They never talk to a network and never import a platform SDK, so they can be tested exactly
and reused by the console, the web pages and every chat adapter alike.
"""
