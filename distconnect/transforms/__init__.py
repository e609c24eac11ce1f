"""Single message transforms and predicates; each depends only on ``distconnect.api``."""
