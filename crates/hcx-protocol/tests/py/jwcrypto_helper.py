"""jwcrypto side of the interop tests (the library the Python HCX SDK uses).

usage:
  jwcrypto_helper.py open PRIVATE_KEY_PEM      < compact token  -> {"protected": {...}, "payload": "..."}
  jwcrypto_helper.py seal CERT_PEM ALG         < {"headers": {...}, "payload": "..."} -> compact token
"""
import json
import sys

from jwcrypto import jwe, jwk
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def load_public(path):
    data = open(path, "rb").read()
    if b"BEGIN CERTIFICATE" in data:
        pub = x509.load_pem_x509_certificate(data).public_key()
        data = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return jwk.JWK.from_pem(data)


def main():
    cmd = sys.argv[1]
    if cmd == "open":
        key = jwk.JWK.from_pem(open(sys.argv[2], "rb").read())
        token = jwe.JWE()
        token.deserialize(sys.stdin.read().strip(), key=key)
        print(json.dumps({"protected": json.loads(token.objects["protected"]),
                          "payload": token.payload.decode("utf-8")}))
    elif cmd == "seal":
        key = load_public(sys.argv[2])
        alg = sys.argv[3]
        req = json.load(sys.stdin)
        headers = dict(req["headers"])
        headers.update({"alg": alg, "enc": "A256GCM"})
        token = jwe.JWE(req["payload"].encode("utf-8"), recipient=key, protected=json.dumps(headers))
        print(token.serialize(compact=True))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
