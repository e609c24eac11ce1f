"""TLS settings: PEM key and trust stores from files or inline, Kafka's consistency checks as
ConfigErrors naming the key, and Apache's ``listeners.https.`` all-or-nothing prefix."""

from __future__ import annotations

import ssl

import pytest

from distconnect.api.errors import ConfigError
from distconnect.runtime.tls import client_context, server_context, ssl_settings
from distconnect.runtime.worker_config import StandaloneConfig
from tests.tls_support import Pki, make_pki, split_keystore

JSON = "org.apache.kafka.connect.json.JsonConverter"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def config(**props: str) -> StandaloneConfig:
    return StandaloneConfig(
        {
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": "/tmp/unused",
            "listeners": "https://127.0.0.1:0",
            **props,
        }
    )


def test_pem_file_key_store_and_trust_store(pki: Pki) -> None:
    settings = config(
        **{
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(pki.server),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(pki.truststore),
            "ssl.client.auth": "required",
        }
    )
    server = server_context(settings)
    assert server.verify_mode is ssl.CERT_REQUIRED
    assert server.minimum_version is ssl.TLSVersion.TLSv1_2
    client = client_context(settings)
    assert client.check_hostname
    assert client.verify_mode is ssl.CERT_REQUIRED
    assert len(client.get_ca_certs()) == 1  # the truststore, not the system's CAs


def test_inline_pem_and_an_encrypted_key(pki: Pki) -> None:
    key, chain = split_keystore(pki.server)
    inline = config(
        **{
            "ssl.keystore.type": "PEM",
            "ssl.keystore.key": key,
            "ssl.keystore.certificate.chain": chain,
            "ssl.truststore.type": "PEM",
            "ssl.truststore.certificates": pki.truststore.read_text(),
            "ssl.client.auth": "requested",
        }
    )
    assert server_context(inline).verify_mode is ssl.CERT_OPTIONAL
    encrypted = {"ssl.keystore.type": "PEM", "ssl.keystore.location": str(pki.encrypted_server)}
    server_context(config(**encrypted, **{"ssl.key.password": pki.key_password}))
    with pytest.raises(ConfigError, match=r"ssl\.keystore\.location.*Failed to load PEM SSL keystore"):
        server_context(config(**encrypted, **{"ssl.key.password": "wrong"}))


def test_the_https_prefix_is_all_or_nothing(pki: Pki) -> None:
    prefixed = config(
        **{
            "ssl.keystore.location": "/ignored/because/prefixed/keys/exist.pem",
            "ssl.client.auth": "required",
            "listeners.https.ssl.keystore.type": "PEM",
            "listeners.https.ssl.keystore.location": str(pki.server),
        }
    )
    settings = ssl_settings(prefixed)
    assert settings["ssl.keystore.location"] == str(pki.server)
    assert settings["ssl.client.auth"] == "none"  # the unprefixed value does not apply
    assert server_context(prefixed).verify_mode is ssl.CERT_NONE


@pytest.mark.parametrize(
    ("props", "key", "fragment"),
    [
        ({}, "ssl.keystore.location", "needs a key store"),
        ({"ssl.keystore.location": "{server}"}, "ssl.keystore.type", "JKS key stores are not supported"),
        (
            {"ssl.keystore.type": "PKCS12", "ssl.keystore.location": "{server}"},
            "ssl.keystore.type",
            "PKCS12 key stores are not supported",
        ),
        (
            {"ssl.keystore.type": "PEM", "ssl.keystore.location": "{server}", "ssl.keystore.password": "x"},
            "ssl.keystore.password",
            "cannot be specified with PEM format",
        ),
        (
            {"ssl.keystore.type": "PEM", "ssl.keystore.key": "k"},
            "ssl.keystore.certificate.chain",
            "not specified",
        ),
        (
            {"ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": "c"},
            "ssl.keystore.key",
            "private key",
        ),
        (
            {"ssl.keystore.type": "PEM", "ssl.keystore.location": "/nonexistent.pem"},
            "ssl.keystore.location",
            "Failed to load PEM SSL keystore /nonexistent.pem",
        ),
        (
            {
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": "{server}",
                "ssl.client.auth": "required",
                "ssl.truststore.location": "{ca}",
            },
            "ssl.truststore.type",
            "JKS trust stores are not supported",
        ),
        (
            {
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": "{server}",
                "ssl.client.auth": "required",
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": "{ca}",
                "ssl.truststore.password": "x",
            },
            "ssl.truststore.password",
            "cannot be specified for PEM format",
        ),
        (
            {
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": "{server}",
                "ssl.enabled.protocols": "SSLv3",
            },
            "ssl.enabled.protocols",
            "unsupported TLS versions ['SSLv3']",
        ),
        (
            {"ssl.keystore.type": "PEM", "ssl.keystore.location": "{server}", "ssl.cipher.suites": "NOPE"},
            "ssl.cipher.suites",
            "no usable cipher suite",
        ),
        (
            {
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": "{server}",
                "ssl.engine.factory.class": "x.Y",
            },
            "ssl.engine.factory.class",
            "not supported",
        ),
    ],
)
def test_bad_settings_name_the_key(pki: Pki, props: dict[str, str], key: str, fragment: str) -> None:
    filled = {k: v.format(server=pki.server, ca=pki.truststore) for k, v in props.items()}
    with pytest.raises(ConfigError) as caught:
        server_context(config(**filled))
    assert caught.value.name == key
    assert fragment in str(caught.value)
    for secret in ("ssl.keystore.password", "ssl.truststore.password"):
        if secret in filled:
            assert f" {filled[secret]} " not in str(caught.value)  # never the secret itself


def test_a_client_without_a_trust_store_uses_the_system_cas_and_no_key() -> None:
    context = client_context(config(listeners="http://127.0.0.1:0"))
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    unchecked = client_context(config(**{"ssl.endpoint.identification.algorithm": ""}))
    assert not unchecked.check_hostname
