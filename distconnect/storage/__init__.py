"""Config, offset and status stores on compacted Kafka topics, in Apache Kafka Connect's formats.

* :mod:`~distconnect.storage.kafka_log`: ``KafkaBasedLog``, tail and write one compacted topic,
  with the ``read_to_end`` barrier every store is built on; :mod:`~distconnect.storage.topics`
  creates and checks the internal topics.
* :mod:`~distconnect.storage.config_store` (``KafkaConfigStore``, ``MemoryConfigStore``) folds the
  config topic into :class:`~distconnect.storage.cluster_state.ClusterConfigState` snapshots.
* :mod:`~distconnect.storage.offset_store`: ``KafkaOffsetStore``, source offsets.
* :mod:`~distconnect.storage.status_store`: ``KafkaStatusStore``, the worker's status listener.
* :mod:`~distconnect.storage.config_records`, :mod:`~distconnect.storage.status_records`: the
  byte formats, pure and synchronous. :mod:`~distconnect.storage.factory` wires all three stores
  from a ``DistributedConfig``.
"""
