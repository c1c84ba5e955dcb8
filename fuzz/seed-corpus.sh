#!/usr/bin/env bash
# Fills corpus/TARGET with the committed seeds. Private keys are never committed (keys belong in
# the OS keychain, and a key file in the tree looks like a leaked one): the key_cert_import seeds
# are derived here from the SDK's published sample key in crates/hcx-protocol/tests/fixtures/
# (PKCS#8, PKCS#1, encrypted PKCS#8) and two throw-away keys made on the spot (P-256, RSA-1024),
# which exercise the refusals of non-RSA and short keys.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: seed-corpus.sh TARGET}
out=corpus/$target
mkdir -p "$out"
cp -n seeds/"$target"/* "$out"/
if [ "$target" = key_cert_import ]; then
  sample=../crates/hcx-protocol/tests/fixtures/sample-private-key.pem
  cp -n "$sample" "$out"/pkcs8.pem
  openssl pkey -in "$sample" -traditional -out "$out"/pkcs1.pem
  openssl pkcs8 -topk8 -in "$sample" -v2 aes-256-cbc -passout pass:seed -out "$out"/pkcs8-encrypted.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out"/ec-key.pem 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out"/rsa-1024.pem 2>/dev/null
fi
echo "corpus/$target: $(ls "$out" | wc -l) inputs"
