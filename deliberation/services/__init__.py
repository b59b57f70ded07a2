"""The core's services: each takes the session first, owns its transaction and publishes events."""
