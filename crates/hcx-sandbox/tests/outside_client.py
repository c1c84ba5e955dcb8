"""An outside participant that knows only the platform's HTTP API.

It onboards itself through /participant/create (with the sandbox admin credential), logs in
with the token form POST, looks the demo payer up with /participant/search, fetches its
certificate from the URL the registry returns, sends a compact JWE preauth, and receives the
payer's /preauth/on_submit callback on its own tiny HTTP server, then decrypts it.

Uses only jwcrypto (and its dependency cryptography), requests and the standard library.
Configuration comes from the environment:
  HCX_SANDBOX_BASE            e.g. http://127.0.0.1:4321/api
  HCX_SANDBOX_ADMIN_USER      admin username
  HCX_SANDBOX_ADMIN_PASSWORD  admin password
  HCX_DEMO_PAYER              participant code of the demo payer
Prints "OUTSIDE CLIENT OK" and exits 0 on success; exits 1 with a reason otherwise.
"""

import datetime
import http.server
import json
import os
import queue
import sys
import threading
import uuid

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwcrypto import jwe, jwk

VERSION = "v0.8"
TIMEOUT = 30


def fail(msg):
    print(f"OUTSIDE CLIENT FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def make_identity(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


class Inbox(http.server.BaseHTTPRequestHandler):
    messages = queue.Queue()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        Inbox.messages.put((self.path, self.headers.get("Authorization"), body))
        ack = json.dumps({"timestamp": 0}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ack)))
        self.end_headers()
        self.wfile.write(ack)

    def log_message(self, *args):
        pass


def ascii_header(obj):
    # The gateway decodes the protected header with Java's standard base64 decoder, so the
    # header JSON must not produce '-' or '_' in base64url: escape '>', '?' and '~'.
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return text.replace(">", "\\u003e").replace("?", "\\u003f").replace("~", "\\u007e")


def main():
    base = os.environ.get("HCX_SANDBOX_BASE") or fail("HCX_SANDBOX_BASE is not set")
    admin_user = os.environ.get("HCX_SANDBOX_ADMIN_USER") or fail("HCX_SANDBOX_ADMIN_USER is not set")
    admin_pw = os.environ.get("HCX_SANDBOX_ADMIN_PASSWORD") or fail("HCX_SANDBOX_ADMIN_PASSWORD is not set")
    payer = os.environ.get("HCX_DEMO_PAYER") or fail("HCX_DEMO_PAYER is not set")
    api = f"{base}/{VERSION}"

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/hcx"

    def token(form):
        r = requests.post(f"{api}/participant/auth/token/generate", data=form, timeout=TIMEOUT)
        if r.status_code != 200:
            fail(f"token: HTTP {r.status_code} {r.text}")
        return r.json()["access_token"]

    # Onboard.
    key, cert_pem = make_identity("outside-client")
    email = f"outside-{uuid.uuid4().hex[:8]}@example.org"
    password = "outside-" + uuid.uuid4().hex
    admin = token({"username": admin_user, "password": admin_pw})
    r = requests.post(
        f"{api}/participant/create",
        headers={"Authorization": f"Bearer {admin}"},
        json={
            "participant_name": "Outside Clinic",
            "primary_email": email,
            "primary_mobile": "9876543210",
            "roles": ["provider.clinic"],
            "endpoint_url": endpoint,
            "encryption_cert": cert_pem,
            "password": password,
        },
        timeout=TIMEOUT,
    )
    if r.status_code != 200:
        fail(f"participant/create: HTTP {r.status_code} {r.text}")
    me = r.json()["participant_code"]

    # Log in as ourselves and find the payer's key.
    tok = token({"username": email, "password": password})
    auth = {"Authorization": f"Bearer {tok}"}
    r = requests.post(
        f"{api}/participant/search",
        headers=auth,
        json={"filters": {"participant_code": {"eq": payer}}},
        timeout=TIMEOUT,
    )
    if r.status_code != 200 or not r.json().get("participants"):
        fail(f"participant/search: HTTP {r.status_code} {r.text}")
    cert_url = r.json()["participants"][0]["encryption_cert"]
    cert = x509.load_pem_x509_certificate(requests.get(cert_url, timeout=TIMEOUT).content)
    payer_key = jwk.JWK.from_pyca(cert.public_key())

    # Seal and send a preauth.
    ist = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    sent_at = datetime.datetime.now(ist) - datetime.timedelta(seconds=2)
    correlation = str(uuid.uuid4())
    header = {
        "alg": "RSA-OAEP-256",
        "enc": "A256GCM",
        "x-hcx-sender_code": me,
        "x-hcx-recipient_code": payer,
        "x-hcx-api_call_id": str(uuid.uuid4()),
        "x-hcx-correlation_id": correlation,
        "x-hcx-workflow_id": str(uuid.uuid4()),
        "x-hcx-timestamp": sent_at.isoformat(timespec="milliseconds"),
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{
            "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111",
            "resource": {
                "resourceType": "Claim",
                "id": "11111111-1111-4111-8111-111111111111",
                "status": "active",
                "use": "preauthorization",
                "item": [{"sequence": 1, "productOrService": {"text": "Room rent"},
                          "net": {"value": 4500, "currency": "INR"}}],
                "total": {"value": 4500, "currency": "INR"},
            },
        }],
    }
    token_jwe = jwe.JWE(json.dumps(bundle).encode(), recipient=payer_key, protected=ascii_header(header))
    compact = token_jwe.serialize(compact=True)
    r = requests.post(f"{api}/preauth/submit", headers=auth, json={"payload": compact}, timeout=TIMEOUT)
    if r.status_code != 202:
        fail(f"preauth/submit: HTTP {r.status_code} {r.text}")
    if r.json().get("correlation_id") != correlation:
        fail(f"ack does not echo the correlation id: {r.text}")

    # Receive the payer's answer on our own endpoint.
    own = jwk.JWK.from_pyca(key)
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=TIMEOUT)
    while True:
        left = (deadline - datetime.datetime.now()).total_seconds()
        if left <= 0:
            fail("no /preauth/on_submit callback received")
        try:
            path, authz, body = Inbox.messages.get(timeout=left)
        except queue.Empty:
            fail("no /preauth/on_submit callback received")
        if path == "/hcx/preauth/on_submit":
            break
    if not authz or not authz.startswith("Bearer "):
        fail("the gateway's callback has no bearer token")
    received = json.loads(body)
    answer = jwe.JWE()
    answer.deserialize(received["payload"], key=own)
    headers = json.loads(answer.objects["protected"])
    if headers.get("x-hcx-status") != "response.complete":
        fail(f"unexpected status {headers.get('x-hcx-status')}")
    if headers.get("x-hcx-correlation_id") != correlation:
        fail("callback on another correlation id")
    response = json.loads(answer.payload)
    outcomes = [e["resource"].get("outcome") for e in response.get("entry", [])
                if e.get("resource", {}).get("resourceType") == "ClaimResponse"]
    if outcomes != ["complete"]:
        fail(f"expected an approved ClaimResponse, got {outcomes}")
    server.shutdown()
    print("OUTSIDE CLIENT OK")


if __name__ == "__main__":
    main()
