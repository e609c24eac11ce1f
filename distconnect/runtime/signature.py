"""Signed internal requests between workers (KIP-507), as Apache's ``InternalRequestSignature``.

Under the ``sessioned`` protocol a worker that posts task configs to the leader signs the exact
request body with the cluster's session key: header ``X-Connect-Authorization`` carries the
base64 HMAC, ``X-Connect-Request-Signature-Algorithm`` the Java algorithm name. Pure functions.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Mapping, Sequence

from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.worker_config_defs import hmac_digest

SIGNATURE_HEADER = "X-Connect-Authorization"
SIGNATURE_ALGORITHM_HEADER = "X-Connect-Request-Signature-Algorithm"

#: Java's ``KeyGenerator`` default sizes for the HMAC algorithms, in bytes (SHA-1/2 use the
#: digest's block-independent defaults: the output size).
_DEFAULT_KEY_BYTES = {"md5": 64, "sha1": 64, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}


def new_key(algorithm: str, size_bits: int | None = None) -> bytes:
    """A fresh random key for ``algorithm`` (Java name), ``size_bits`` long if given."""
    digest = hmac_digest(algorithm)
    size = size_bits // 8 if size_bits else _DEFAULT_KEY_BYTES.get(digest, 32)
    return secrets.token_bytes(size)


def sign(key: bytes, algorithm: str, body: bytes) -> str:
    """The base64 HMAC of ``body``."""
    mac = hmac.new(key, body, hmac_digest(algorithm)).digest()
    return base64.b64encode(mac).decode("ascii")


def signature_headers(key: bytes, algorithm: str, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(key, algorithm, body), SIGNATURE_ALGORITHM_HEADER: algorithm}


def verify(
    key: bytes | None,
    accepted_algorithms: Sequence[str],
    body: bytes,
    headers: Mapping[str, str],
) -> None:
    """Check a request's signature; raise the :class:`ConnectRestError` Apache answers with.

    Missing signature: 400; an algorithm this worker does not accept: 400; no session key read
    yet: 503; a wrong signature: 403.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower())
    algorithm = lowered.get(SIGNATURE_ALGORITHM_HEADER.lower())
    if signature is None or algorithm is None:
        raise ConnectRestError(400, "Internal request missing required signature")
    if algorithm not in accepted_algorithms:
        # Apache's DistributedHerder.requestNotSignedProperly messages, word for word.
        raise ConnectRestError(
            400,
            f"This worker does not support the '{algorithm}' key signing algorithm used by other workers. "
            f"This worker is currently configured to use: [{', '.join(accepted_algorithms)}]. "
            "Check that all workers' configuration files permit the same set of signature algorithms, "
            "and correct any misconfigured worker and restart it.",
        )
    if key is None:
        raise ConnectRestError(
            503,
            "This worker is still starting up and has not been able to read a session key from the "
            "config topic yet",
        )
    try:
        expected = sign(key, algorithm, body)
    except KeyError:
        raise ConnectRestError(400, f"Unsupported signature algorithm {algorithm}") from None
    if not hmac.compare_digest(expected, signature):
        raise ConnectRestError(403, "Internal request contained invalid signature.")
