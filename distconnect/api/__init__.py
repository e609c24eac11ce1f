"""The public connector developer API: the only part of distconnect that plugins import."""
