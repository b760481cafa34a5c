"""The demo: a sample alliance with history, so anyone can try the bot without accounts."""
