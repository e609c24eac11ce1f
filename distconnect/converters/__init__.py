"""Converters between Connect data and bytes; each depends only on ``distconnect.api``."""
