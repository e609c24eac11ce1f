"""Local development services started by the project itself (Apache Kafka from Maven Central)."""
