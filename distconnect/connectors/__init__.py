"""Bundled connectors; each depends only on ``distconnect.api``."""
