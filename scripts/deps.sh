#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need. Idempotent: does nothing when every
# package is already installed, so the test command stays fast on a developer's machine.
set -euo pipefail

packages=(
  # Build: josekit, reqwest (native-tls) and the openssl crate link the system OpenSSL;
  # keyring's Secret Service backend links libdbus.
  build-essential pkg-config libssl-dev libdbus-1-dev
  # Tauri (webkit2gtk 4.1) for the desktop app.
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev file
  # Tests: a real Secret Service (gnome-keyring under dbus-run-session), kernel keyutils tools,
  # a headless X server, the WebKit WebDriver for tauri-driver and Debian's Chromium.
  gnome-keyring libsecret-tools dbus keyutils xvfb xauth webkit2gtk-driver chromium
  # The locked-keychain tests lock the Secret Service collection with gdbus and dbus-send.
  libglib2.0-bin dbus-bin
  # Python for the interop tests (jwcrypto, requests, fhir.resources in a venv).
  python3 python3-venv
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
