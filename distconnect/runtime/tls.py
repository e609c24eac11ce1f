"""TLS for the REST API: HTTPS listeners and the worker-to-worker client (Apache's ``SSLUtils``).

The settings are Kafka's ``ssl.*`` keys, read Apache's way: if any ``listeners.https.``-prefixed
key is set, only the prefixed keys count (defaults for the rest); otherwise the unprefixed ones
(``valuesWithPrefixAllOrNothing``). The same settings build the server context of every
``https://`` listener and the client context used to forward requests and post task configs to
other workers, so a cluster needs one truststore and, with ``ssl.client.auth=required``, each
worker presents its own keystore as a client certificate.

Only PEM is supported (``ssl.keystore.type=PEM``, ``ssl.truststore.type=PEM``): a PEM file with
the private key and certificate chain (``ssl.keystore.location``) or inline values
(``ssl.keystore.key`` + ``ssl.keystore.certificate.chain``), an optional ``ssl.key.password`` for
an encrypted key; CA certificates from ``ssl.truststore.location`` or inline
``ssl.truststore.certificates``. JKS and PKCS12 stores are a ConfigError naming the key; the
consistency checks and their messages are Kafka's ``DefaultSslEngineFactory``'s. JVM-only keys
(``ssl.provider``, ``ssl.keymanager.algorithm``, ...) are accepted and ignored.

Pure and synchronous (reads the PEM files): build contexts at start-up, not per request.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Mapping
from typing import Any, NoReturn

from distconnect.api.config import AbstractConfig, ConfigDef, ConfigType, Importance
from distconnect.api.config_types import Password, config_failure

HTTPS_PREFIX = "listeners.https."
PEM = "PEM"
_TLS_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
_CLIENT_AUTH = {"none": ssl.CERT_NONE, "requested": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}


def define_ssl_configs(d: ConfigDef) -> None:
    """Kafka's client SSL keys (``SslConfigs.addClientSslSupport``), with their defaults."""
    low, medium, high = Importance.LOW, Importance.MEDIUM, Importance.HIGH
    s, pw, lst = ConfigType.STRING, ConfigType.PASSWORD, ConfigType.LIST
    jvm_only = "Accepted for compatibility and ignored (a JVM setting)."
    # fmt: off
    d.define("ssl.protocol", s, "TLSv1.3", None, medium,
             "Accepted for compatibility; the versions used are those of ssl.enabled.protocols.")
    d.define("ssl.enabled.protocols", lst, "TLSv1.2,TLSv1.3", None, medium,
             "TLS versions HTTPS listeners and the REST client accept (TLSv1.2 and TLSv1.3 by default).")
    d.define("ssl.cipher.suites", lst, None, None, low,
             "TLS 1.2 cipher suites allowed, in OpenSSL's names; unset uses Python's secure defaults.")
    d.define("ssl.keystore.type", s, "JKS", None, medium,
             "Format of the key store; distconnect supports only PEM (set ssl.keystore.type=PEM).")
    d.define("ssl.keystore.location", s, None, None, high,
             "PEM file holding the private key and its certificate chain.")
    d.define("ssl.keystore.password", pw, None, None, high,
             "Not supported with PEM (as in Kafka): use ssl.key.password for an encrypted key.")
    d.define("ssl.key.password", pw, None, None, high, "Password of an encrypted private key.")
    d.define("ssl.keystore.key", pw, None, None, high,
             "Private key in PEM format, inline (instead of ssl.keystore.location).")
    d.define("ssl.keystore.certificate.chain", pw, None, None, high,
             "Certificate chain in PEM format, inline (with ssl.keystore.key).")
    d.define("ssl.truststore.type", s, "JKS", None, medium,
             "Format of the trust store; distconnect supports only PEM (set ssl.truststore.type=PEM).")
    d.define("ssl.truststore.location", s, None, None, high,
             "PEM file of the CA certificates trusted for peers; unset trusts the system's CAs.")
    d.define("ssl.truststore.password", pw, None, None, high, "Not supported with PEM (as in Kafka).")
    d.define("ssl.truststore.certificates", pw, None, None, high,
             "Trusted certificates in PEM format, inline (instead of ssl.truststore.location).")
    d.define("ssl.endpoint.identification.algorithm", s, "https", None, low,
             "'https' makes the REST client check that a worker's certificate matches its host name; "
             "empty turns the check off.")
    for key, default in (("ssl.provider", None), ("ssl.keymanager.algorithm", "SunX509"),
                         ("ssl.trustmanager.algorithm", "PKIX"), ("ssl.secure.random.implementation", None)):
        d.define(key, s, default, None, low, jvm_only)
    d.define("ssl.engine.factory.class", ConfigType.CLASS, None, None, low, "Not supported; must be unset.")
    # fmt: on


def ssl_settings(config: AbstractConfig, prefix: str = HTTPS_PREFIX) -> dict[str, Any]:
    """The effective ``ssl.*`` values (Apache's ``valuesWithPrefixAllOrNothing``)."""
    prefixed = config.originals_with_prefix(prefix)
    if not prefixed:
        return config.values()
    keys = config.definition.config_keys
    values = {k: key.default for k, key in keys.items() if k.startswith("ssl.") and key.has_default}
    for name, raw in prefixed.items():
        if name in keys:
            values[name] = config.definition.parse_value(keys[name], raw, True)
    return values


def _secret(value: Any) -> str | None:
    return value.value if isinstance(value, Password) else value


def _load_keystore(context: ssl.SSLContext, s: Mapping[str, Any]) -> bool:
    """Load the key and chain into ``context``; False when no key store is configured."""
    kind, path = str(s.get("ssl.keystore.type") or "JKS"), s.get("ssl.keystore.location")
    key, chain = _secret(s.get("ssl.keystore.key")), _secret(s.get("ssl.keystore.certificate.chain"))
    password, key_password = s.get("ssl.keystore.password"), _secret(s.get("ssl.key.password"))
    if key is not None:
        if kind.upper() != PEM:
            _fail(
                "ssl.keystore.type",
                f"SSL private key can be specified only for PEM, but key store type is {kind}.",
            )
        if chain is None:
            _fail(
                "ssl.keystore.certificate.chain",
                "SSL private key is specified, but certificate chain is not specified.",
            )
        if path is not None:
            _fail(
                "ssl.keystore.location", "Both SSL key store location and separate private key are specified."
            )
    elif chain is not None:
        _fail("ssl.keystore.key", "SSL certificate chain is specified, but private key is not specified")
    elif path is None:
        if password is not None:
            _fail(
                "ssl.keystore.password",
                "SSL key store is not specified, but key store password is specified.",
            )
        return False
    elif kind.upper() != PEM:
        _fail(
            "ssl.keystore.type",
            f"{kind} key stores are not supported by distconnect: convert the key and "
            "certificate chain to one PEM file and set ssl.keystore.type=PEM",
        )
    if password is not None:
        _fail(
            "ssl.keystore.password",
            "SSL key store password cannot be specified with PEM format, only key password may be specified.",
        )
    try:
        if path is not None:
            context.load_cert_chain(str(path), password=key_password)
        else:
            _load_inline_chain(context, str(chain), str(key), key_password)
    except (ssl.SSLError, OSError, ValueError) as err:
        where = f"PEM SSL keystore {path}" if path else "the inline PEM key store"
        _fail("ssl.keystore.location" if path else "ssl.keystore.key", f"Failed to load {where}: {err}")
    return True


def _load_inline_chain(context: ssl.SSLContext, chain: str, key: str, password: str | None) -> None:
    # The ssl module loads keys only from files: write them to a private temporary directory
    # and remove it at once.
    with tempfile.TemporaryDirectory(prefix="distconnect-tls-") as directory:
        os.chmod(directory, 0o700)
        chain_file, key_file = os.path.join(directory, "chain.pem"), os.path.join(directory, "key.pem")
        for file, text in ((chain_file, chain), (key_file, key)):
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(text)
        context.load_cert_chain(chain_file, key_file, password=password)


def _load_truststore(context: ssl.SSLContext, s: Mapping[str, Any]) -> None:
    kind, path = str(s.get("ssl.truststore.type") or "JKS"), s.get("ssl.truststore.location")
    certs, password = _secret(s.get("ssl.truststore.certificates")), s.get("ssl.truststore.password")
    if certs is not None:
        if kind.upper() != PEM:
            _fail(
                "ssl.truststore.type",
                f"SSL trust store certs can be specified only for PEM, but trust store type is {kind}.",
            )
        if path is not None:
            _fail(
                "ssl.truststore.location",
                "Both SSL trust store location and separate trust certificates are specified.",
            )
    elif path is None:
        if password is not None:
            _fail(
                "ssl.truststore.password",
                "SSL trust store is not specified, but trust store password is specified.",
            )
        server_side = context.protocol is ssl.PROTOCOL_TLS_SERVER
        context.load_default_certs(ssl.Purpose.CLIENT_AUTH if server_side else ssl.Purpose.SERVER_AUTH)
        return
    elif kind.upper() != PEM:
        _fail(
            "ssl.truststore.type",
            f"{kind} trust stores are not supported by distconnect: convert the "
            "certificates to a PEM file and set ssl.truststore.type=PEM",
        )
    if password is not None:
        _fail("ssl.truststore.password", "SSL trust store password cannot be specified for PEM format.")
    try:
        if path is not None:
            context.load_verify_locations(cafile=str(path))
        else:
            context.load_verify_locations(cadata=str(certs))
    except (ssl.SSLError, OSError, ValueError) as err:
        _fail(
            "ssl.truststore.location" if path else "ssl.truststore.certificates",
            f"Invalid PEM truststore configs: {err}",
        )


def _common(context: ssl.SSLContext, s: Mapping[str, Any]) -> None:
    if s.get("ssl.engine.factory.class") is not None:
        _fail("ssl.engine.factory.class", "Custom SSL engine factories are not supported by distconnect.")
    protocols = s.get("ssl.enabled.protocols") or []
    unknown = [p for p in protocols if p not in _TLS_VERSIONS]
    if unknown or not protocols:
        _fail("ssl.enabled.protocols", f"unsupported TLS versions {unknown}; use {', '.join(_TLS_VERSIONS)}")
    versions = sorted(_TLS_VERSIONS[p] for p in protocols)
    context.minimum_version, context.maximum_version = versions[0], versions[-1]
    ciphers = s.get("ssl.cipher.suites")
    if ciphers:
        try:
            context.set_ciphers(":".join(ciphers))
        except ssl.SSLError as err:
            _fail("ssl.cipher.suites", f"no usable cipher suite (use OpenSSL names): {err}")


def _fail(key: str, message: str) -> NoReturn:
    raise config_failure(key, f"Invalid {key}: {message}")


def server_context(config: AbstractConfig, prefix: str = HTTPS_PREFIX) -> ssl.SSLContext:
    """The context of HTTPS listeners; ConfigError names the first bad key."""
    s = ssl_settings(config, prefix)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _common(context, s)
    if not _load_keystore(context, s):
        _fail(
            "ssl.keystore.location",
            "an HTTPS listener needs a key store (ssl.keystore.location or ssl.keystore.key)",
        )
    client_auth = str(s.get("ssl.client.auth") or "none").lower()
    if client_auth not in _CLIENT_AUTH:
        _fail("ssl.client.auth", f"must be one of {', '.join(_CLIENT_AUTH)}")
    context.verify_mode = _CLIENT_AUTH[client_auth]
    if client_auth != "none":
        _load_truststore(context, s)
    return context


def client_context(config: AbstractConfig) -> ssl.SSLContext:
    """The context of the worker-to-worker REST client: trusts the truststore (else the system
    CAs), checks host names unless ``ssl.endpoint.identification.algorithm`` is empty, and
    presents the key store as a client certificate when one is configured."""
    s = ssl_settings(config)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _common(context, s)
    context.check_hostname = bool(s.get("ssl.endpoint.identification.algorithm"))
    _load_truststore(context, s)
    _load_keystore(context, s)
    return context


__all__ = ["HTTPS_PREFIX", "client_context", "define_ssl_configs", "server_context", "ssl_settings"]
