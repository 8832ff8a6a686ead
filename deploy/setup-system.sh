#!/usr/bin/env bash
# Installs the Debian packages Wirewatch's tests and local broker need, when missing:
# Java (runs the Kafka broker), Maven (fetches its jars), Prometheus + promtool
# (checked configs, real scrapes in the observability tests), Alertmanager's amtool
# (checks the compose Alertmanager config), Chromium (the console's browser tests drive Debian's
# chromium through Playwright; Playwright's own browser download is not used).
# Rust's cargo builds the matching engine's native pass (native/) when pip installs the package:
# rustup's ~/.cargo/bin is used when present, else Debian's cargo (new enough from Debian 13 on).
# Idempotent and quiet when everything is there. Needs root (or sudo) only to install.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"

# Cargo.lock version 4 and the crates need Rust 1.78 (rust-version in native/Cargo.toml).
check_cargo() {
  command -v cargo >/dev/null 2>&1 || return 0
  local version
  version=$(cargo --version | awk '{print $2}')
  if [ "$(printf '%s\n1.78.0\n' "$version" | sort -V | head -1)" != "1.78.0" ]; then
    echo "setup: cargo $version is older than 1.78 (Debian bookworm ships 1.63): install Rust with rustup" >&2
    exit 1
  fi
}

need=()
command -v cargo >/dev/null 2>&1 || need+=(cargo)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
# fonts-liberation is only a recommendation of chromium: without a font, screenshots show boxes.
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-liberation)
if [ ${#need[@]} -eq 0 ]; then
  check_cargo
  exit 0
fi

echo "setup: installing Debian packages: ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: apt-get not found; install these yourself: ${need[*]}" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: not root and no sudo; install: ${need[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's prometheus package may start a system service; tests run their own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus prometheus-node-exporter prometheus-alertmanager >/dev/null 2>&1 || true
fi
check_cargo
