"""The ConfigDefs behind :mod:`distconnect.runtime.worker_config`: keys, defaults and importance
as in Apache Kafka Connect's ``WorkerConfig``, ``RestServerConfig`` and ``DistributedConfig``;
the documentation is our own wording. Built once at import; read-only afterwards.
"""

from __future__ import annotations

from typing import Any, Final

from distconnect.api.config import (
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigType,
    Importance,
    LambdaValidator,
    Range,
    ValidatorFn,
    ValidString,
)
from distconnect.api.config_types import config_failure, invalid_value
from distconnect.runtime.tls import define_ssl_configs
from distconnect.runtime.topic_creation import PARTITIONS_VALIDATOR, REPLICATION_FACTOR_VALIDATOR

INT_MAX: Final = 2**31 - 1
INTER_WORKER_KEY_GENERATION_ALGORITHM_CONFIG: Final = "inter.worker.key.generation.algorithm"
INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG: Final = "inter.worker.signature.algorithm"
INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG: Final = "inter.worker.verification.algorithms"
HMAC_SHA256: Final = "HmacSHA256"
# Java MAC algorithm names (compared case-insensitively, as the JCA does) -> hashlib names.
_HMAC_DIGESTS: Final = {
    "hmacmd5": "md5",
    "hmacsha1": "sha1",
    "hmacsha224": "sha224",
    "hmacsha256": "sha256",
    "hmacsha384": "sha384",
    "hmacsha512": "sha512",
    "hmacsha3-224": "sha3_224",
    "hmacsha3-256": "sha3_256",
    "hmacsha3-384": "sha3_384",
    "hmacsha3-512": "sha3_512",
}
_HMAC_NAMES: Final = "[HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512, HmacSHA3-256, ...]"
_URL_LIST = "List of comma-separated URLs, ex: http://localhost:8080,https://localhost:8443."


def hmac_digest(algorithm: str) -> str:
    """The :mod:`hashlib` digest name for a Java ``Hmac*`` algorithm name; KeyError if unknown."""
    return _HMAC_DIGESTS[algorithm.lower()]


def _ensure_algorithm(name: str, value: Any) -> None:
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not value:
        raise invalid_value(name, value, "At least one signature verification algorithm must be provided")
    for algorithm in values:
        if not isinstance(algorithm, str) or algorithm.lower() not in _HMAC_DIGESTS:
            raise invalid_value(
                name,
                algorithm,
                f"the algorithm is not supported by this worker; the supported algorithms are: {_HMAC_NAMES}",
            )


def _ensure_listeners(name: str, value: Any) -> None:
    if not isinstance(value, list):
        raise config_failure(
            name,
            "Invalid value type for listeners (expected list of URLs , ex: "
            "http://localhost:8080,https://localhost:8443).",
        )
    if not value:
        raise config_failure(
            name,
            "Invalid value for listeners, at least one URL is expected, ex: "
            "http://localhost:8080,https://localhost:8443.",
        )
    if any(not item.strip() for item in value):
        raise config_failure(name, "Empty URL found when parsing listeners list.")


def _ensure_admin_listeners(name: str, value: Any) -> None:
    if value is not None and any(not item.strip() for item in value):
        raise config_failure(name, "Empty URL found when parsing admin.listeners list.")


def _ensure_protocol(name: str, value: Any) -> None:
    if not isinstance(value, str) or value.lower() not in ("eager", "compatible", "sessioned"):
        raise invalid_value(name, value, "Invalid Connect protocol compatibility")


def base_config_def(policy_validator: ValidatorFn) -> ConfigDef:
    """The keys every worker has (Java's ``WorkerConfig.baseConfigDef``)."""
    low, medium, high = Importance.LOW, Importance.MEDIUM, Importance.HIGH
    s, lst, cls = ConfigType.STRING, ConfigType.LIST, ConfigType.CLASS
    converter_doc = (
        "Converter between Connect's data format and the bytes of the record {} in Kafka, used by "
        "every connector that does not set its own. It decides the serialization format (for "
        "example JSON or Avro) independently of the connector."
    )
    d = ConfigDef()
    # fmt: off
    d.define("bootstrap.servers", lst, "localhost:9092", None, high,
             "Kafka brokers (host1:port1,host2:port2,...) to connect to first; the clients discover the "
             "rest of the cluster from them. List more than one so that start-up survives a broker outage.")
    d.define("client.dns.lookup", s, "use_all_dns_ips",
             ValidString.in_("use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"), medium,
             "How Kafka clients use the addresses DNS returns for a broker host name.")
    d.define("key.converter", cls, importance=high, documentation=converter_doc.format("keys"))
    d.define("value.converter", cls, importance=high, documentation=converter_doc.format("values"))
    d.define("task.shutdown.graceful.timeout.ms", ConfigType.LONG, 5000, None, low,
             "How long to wait for tasks to stop gracefully, in total for all tasks rather than per "
             "task: every task is asked to stop, then each is awaited in turn.")
    d.define("offset.flush.interval.ms", ConfigType.LONG, 60000, None, low,
             "How often tasks try to commit their offsets.")
    d.define("offset.flush.timeout.ms", ConfigType.LONG, 5000, None, low,
             "How long to wait for records to be flushed and their offsets written before the commit "
             "is abandoned and retried with the next one.")
    d.define("plugin.path", lst, None, None, low,
             "Accepted for compatibility and ignored: distconnect finds plugins through Python entry "
             "points of the installed distributions.")
    d.define("plugin.discovery", s, "hybrid_warn",
             CaseInsensitiveValidString.in_("only_scan", "hybrid_warn", "hybrid_fail", "service_load"), low,
             "Accepted for compatibility and ignored: plugins are always discovered through entry points.")
    d.define("header.converter", cls, "org.apache.kafka.connect.storage.SimpleHeaderConverter", None, low,
             "HeaderConverter between Connect's data format and the bytes of header values, used by every "
             "connector that does not set its own. The default, SimpleHeaderConverter, writes values as "
             "strings and infers schemas when reading them back.")
    d.define("config.providers", lst, [], None, low,
             "Names of the config providers, used in this order, that replace variable references such "
             "as ${file:path:key} in connector configurations (e.g. for secrets kept outside them).")
    d.define("connector.client.config.override.policy", s, "All", policy_validator, medium,
             "Which Kafka client settings connectors may override with producer.override.*, "
             "consumer.override.* and admin.override.*: 'All' (the default) allows any, 'None' allows "
             "none, 'Principal' allows only the client principal settings.")
    d.define("topic.creation.enable", ConfigType.BOOLEAN, True, None, low,
             "Whether source connectors configured with topic.creation.* settings may create the topics "
             "they write to (through an admin client of each task) instead of relying on the brokers' "
             "automatic topic creation.")
    d.define("topic.tracking.enable", ConfigType.BOOLEAN, True, None, low,
             "Whether to track the topics each connector uses while it runs.")
    d.define("topic.tracking.allow.reset", ConfigType.BOOLEAN, True, None, low,
             "Whether users may reset the set of topics tracked for a connector.")
    # fmt: on
    _rest_config(d)
    _auto_restart_config(d)
    return d


def _auto_restart_config(d: ConfigDef) -> None:
    """distconnect additions (not in Apache Kafka Connect): :mod:`distconnect.runtime.auto_restart`."""
    low, lg = Importance.LOW, ConfigType.LONG
    # fmt: off
    d.define("auto.restart.enable", ConfigType.BOOLEAN, False, None, low,
             "distconnect addition: restart this worker's FAILED connectors and tasks automatically, "
             "with a growing back-off between restarts of the same one (0, 2, 6, 12, 20 ... units).")
    d.define("auto.restart.max.backoff.ms", lg, 3600000, Range.at_least(0), low,
             "distconnect addition: the longest wait between two automatic restarts of one connector "
             "or task.")
    d.define("auto.restart.backoff.unit.ms", lg, 60000, Range.at_least(1), low,
             "distconnect addition: the unit of the automatic restart back-off: the n-th restart "
             "waits n*(n-1) units after the previous one.")
    # fmt: on


def _rest_config(d: ConfigDef) -> None:
    low, s = Importance.LOW, ConfigType.STRING
    # fmt: off
    listeners = LambdaValidator.with_(_ensure_listeners, _URL_LIST)
    admin_listeners = LambdaValidator.with_(_ensure_admin_listeners, _URL_LIST)
    d.define("listeners", ConfigType.LIST, "http://:8083", listeners, low,
             "Comma-separated URLs (HTTP or HTTPS) the REST API listens on, such as "
             "HTTP://myhost:8083,HTTPS://myhost:8084. Use 0.0.0.0 as the host for all interfaces, or "
             "leave the host empty for the default interface.")
    d.define("rest.advertised.host.name", s, None, None, low,
             "The host name other workers are told to use to reach this one, if set.")
    d.define("rest.advertised.port", ConfigType.INT, None, None, low,
             "The port other workers are told to use to reach this one, if set.")
    d.define("rest.advertised.listener", s, None, None, low,
             "Which listener protocol (HTTP or HTTPS) other workers are told to use, if set.")
    d.define("access.control.allow.origin", s, "", None, low,
             "The Access-Control-Allow-Origin header of REST responses: the domain allowed to call the API "
             "cross-origin, or '*' for any. Empty (the default) allows only the API's own domain.")
    d.define("access.control.allow.methods", s, "", None, low,
             "The Access-Control-Allow-Methods header for cross-origin requests. Empty (the default) "
             "allows GET, POST and HEAD.")
    d.define("response.http.headers.config", s, "", None, low,
             "Rules for headers added to REST responses: comma-separated '[action] [name]:[value]'.")
    d.define("ssl.client.auth", s, "none", ValidString.in_("required", "requested", "none"), low,
             "Whether HTTPS listeners request or require client certificates.")
    d.define("rest.extension.classes", ConfigType.LIST, "", None, low,
             "REST extensions to load, in this order, to add resources or filters to the REST API.")
    d.define("admin.listeners", ConfigType.LIST, None, admin_listeners, low,
             "Comma-separated URLs for the admin REST endpoints (such as /admin/loggers). Unset: they "
             "are served on the regular listeners; empty: they are disabled.")
    d.define("rest.basic.auth.credentials.file", s, None, None, low,
             "distconnect addition: a file of 'user: password' lines (Apache's PropertyFileLoginModule "
             "format) that turns on HTTP basic authentication of the REST API, as Apache's "
             "BasicAuthSecurityRestExtension does. Unset: no authentication.")
    d.define("rest.basic.auth.exempt.paths", ConfigType.LIST, "", None, low,
             "distconnect addition: paths served without basic authentication, e.g. /health,/metrics.")
    # fmt: on
    define_ssl_configs(d)


def distributed_config_def(base: ConfigDef) -> ConfigDef:
    """``base`` plus the keys of Java's ``DistributedConfig`` and ``group.instance.id``."""
    low, medium, high = Importance.LOW, Importance.MEDIUM, Importance.HIGH
    s, i, lg, sh = ConfigType.STRING, ConfigType.INT, ConfigType.LONG, ConfigType.SHORT
    d = ConfigDef(base)
    # fmt: off
    d.define("group.id", s, importance=high,
             documentation="Unique name of the Connect cluster (worker group) this worker joins.")
    d.define("session.timeout.ms", i, 10000, None, high,
             "If the group coordinator gets no heartbeat from a worker for this long, it removes the worker "
             "from the group and rebalances. Must lie within the brokers' group.min.session.timeout.ms and "
             "group.max.session.timeout.ms.")
    d.define("rebalance.timeout.ms", i, 60000, None, high,
             "How long each worker may take to rejoin the group once a rebalance has begun, including "
             "committing offsets and stopping tasks; a worker that takes longer is removed from the group.")
    d.define("heartbeat.interval.ms", i, 3000, None, high,
             "Expected time between heartbeats to the group coordinator. Must be lower than "
             "session.timeout.ms, and usually no more than a third of it.")
    eos = ValidString.in_("disabled", "preparing", "enabled")
    d.define("exactly.once.source.support", s, "disabled", eos, high,
             "Whether source connectors may write their records and offsets in transactions, with "
             "old task generations fenced out first. Enable it on a new cluster directly; on an existing "
             "one, roll out 'preparing' to every worker first, then 'enabled'.")
    d.define("metadata.max.age.ms", lg, 300000, Range.at_least(0), low,
             "Interval after which cluster metadata is refreshed even without leadership changes.")
    d.define("client.id", s, "", None, low, "Client id sent to the brokers, for logging and quotas.")
    d.define("send.buffer.bytes", i, 131072, Range.at_least(-1), medium,
             "TCP send buffer size; -1 uses the operating system's default.")
    d.define("receive.buffer.bytes", i, 32768, Range.at_least(-1), medium,
             "TCP receive buffer size; -1 uses the operating system's default.")
    d.define("reconnect.backoff.ms", lg, 50, Range.at_least(0), low,
             "Initial wait before reconnecting to a broker after a failure.")
    d.define("reconnect.backoff.max.ms", lg, 1000, Range.at_least(0), low,
             "Longest wait before reconnecting to a broker that keeps failing.")
    d.define("retry.backoff.ms", lg, 100, Range.at_least(0), low,
             "Initial wait before retrying a failed request.")
    d.define("retry.backoff.max.ms", lg, 1000, Range.at_least(0), low,
             "Longest wait before retrying a request that keeps failing.")
    d.define("request.timeout.ms", i, 40000, Range.at_least(0), medium,
             "How long a client waits for a response before retrying or failing the request.")
    d.define("connections.max.idle.ms", lg, 540000, None, medium,
             "Idle connections are closed after this long.")
    protocols = ValidString.in_("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
    d.define("security.protocol", s, "PLAINTEXT", protocols, medium,
             "Protocol used to talk to the brokers.")
    d.define("worker.sync.timeout.ms", i, 3000, None, medium,
             "How long a worker that is behind the others waits to catch up with the config topic before "
             "it gives up, leaves the group and backs off before rejoining.")
    d.define("worker.unsync.backoff.ms", i, 300000, None, medium,
             "How long a worker that failed to catch up within worker.sync.timeout.ms stays out of the "
             "group before rejoining.")
    for prefix, kind, partitions in (("offset", "source connector offsets", 25),
                                     ("config", "connector configurations", None),
                                     ("status", "connector and task statuses", 5)):
        d.define(f"{prefix}.storage.topic", s, importance=high,
                 documentation=f"Name of the Kafka topic that stores {kind}.")
        if partitions is not None:
            d.define(f"{prefix}.storage.partitions", i, partitions, PARTITIONS_VALIDATOR, low,
                     f"Partitions of the {prefix} storage topic when Connect creates it.")
        d.define(f"{prefix}.storage.replication.factor", sh, 3, REPLICATION_FACTOR_VALIDATOR, low,
                 f"Replication factor of the {prefix} storage topic when Connect creates it.")
    d.define("connect.protocol", s, "sessioned",
             LambdaValidator.with_(_ensure_protocol, "[eager, compatible, sessioned]"), low,
             "Which version of the Connect group protocol to use.")
    d.define("scheduled.rebalance.max.delay.ms", i, 300000, Range.between(0, INT_MAX), low,
             "Longest time the leader waits for departed workers to return before their connectors and "
             "tasks are reassigned to the group; until then they stay unassigned.")
    d.define("inter.worker.key.ttl.ms", i, 3600000, Range.between(0, INT_MAX), low,
             "Lifetime of the session keys that sign internal requests between workers, in ms.")
    algorithm = LambdaValidator.with_(_ensure_algorithm, "Any HMAC algorithm supported by the worker")
    d.define(INTER_WORKER_KEY_GENERATION_ALGORITHM_CONFIG, s, HMAC_SHA256, algorithm, low,
             "Algorithm of the keys generated for signing internal requests.")
    d.define("inter.worker.key.size", i, None, None, low,
             "Size in bits of the keys for signing internal requests; unset uses the algorithm's default.")
    d.define(INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG, s, HMAC_SHA256, algorithm, low,
             "Algorithm used to sign internal requests.")
    d.define(INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG, ConfigType.LIST, [HMAC_SHA256], algorithm, low,
             "Algorithms accepted when verifying internal requests; must include the signature algorithm.")
    d.define("group.instance.id", s, None, None, low,
             "distconnect addition, not in Apache Kafka Connect: a stable id per worker for static group "
             "membership. A worker restarted within session.timeout.ms gets its assignment back without "
             "a rebalance. Each worker needs its own value (e.g. the Kubernetes pod name).")
    # fmt: on
    return d


__all__ = [
    "HMAC_SHA256",
    "INTER_WORKER_KEY_GENERATION_ALGORITHM_CONFIG",
    "INTER_WORKER_SIGNATURE_ALGORITHM_CONFIG",
    "INTER_WORKER_VERIFICATION_ALGORITHMS_CONFIG",
    "INT_MAX",
    "base_config_def",
    "distributed_config_def",
    "hmac_digest",
]
