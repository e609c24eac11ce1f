"""Config, offset and status stores on compacted Kafka topics (the distributed issue)."""
