"""The aiohttp REST API matching Apache Kafka Connect's (the REST issue)."""
