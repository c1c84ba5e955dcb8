"""Time jwcrypto (the Python HCX SDK's JWE library) sealing and opening the same payloads as
crates/hcx-protocol/benches/jwe.rs. Prints one JSON object: {size: {"seal_ns", "open_ns", "bytes"}}.

usage: python bench/jwcrypto_bench.py [FIXTURES_DIR]
"""
import json
import os
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwe, jwk

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "crates", "hcx-protocol", "tests", "fixtures")
SIZES = [("1KB", 1024), ("100KB", 100 * 1024), ("5MB", 5 * 1024 * 1024)]


def payload(target):
    """Same generator as the Rust bench."""
    parts = ['{"resourceType":"Bundle","id":"bench","type":"collection","entry":[']
    length = len(parts[0])
    i = 0
    while length + 160 < target:
        entry = ('{"fullUrl":"urn:uuid:%08d","resource":{"resourceType":"Observation","id":"%d",'
                 '"valueString":"lorem ipsum dolor sit amet consectetur adipiscing elit sed do"}}' % (i, i))
        if i > 0:
            entry = "," + entry
        parts.append(entry)
        length += len(entry)
        i += 1
    parts.append("]}")
    return "".join(parts).encode()


def timeit(fn, budget_s):
    fn()  # warm-up
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s and n >= 5:
            return elapsed / n * 1e9


def main():
    cert = x509.load_pem_x509_certificate(open(os.path.join(FIX, "sample-certificate.pem"), "rb").read())
    pub = jwk.JWK.from_pem(cert.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    priv = jwk.JWK.from_pem(open(os.path.join(FIX, "sample-private-key.pem"), "rb").read())
    headers = json.dumps({
        "alg": "RSA-OAEP-256", "enc": "A256GCM",
        "x-hcx-sender_code": "prov@hcx", "x-hcx-recipient_code": "payr@hcx",
        "x-hcx-api_call_id": "8c0a3a3e-3a8e-4a53-9b7b-0d1f0f5a6c01", "x-hcx-correlation_id": "corr",
        "x-hcx-workflow_id": "wf", "x-hcx-timestamp": "2026-11-21T20:30:05+05:30"})
    out = {}
    for name, size in SIZES:
        p = payload(size)

        def seal():
            return jwe.JWE(p, recipient=pub, protected=headers).serialize(compact=True)

        token = seal()

        def open_():
            t = jwe.JWE()
            t.deserialize(token, key=priv)
            return t.payload

        budget = 3.0
        out[name] = {"bytes": len(p), "seal_ns": timeit(seal, budget), "open_ns": timeit(open_, budget)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
