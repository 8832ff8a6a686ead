#!/usr/bin/env bash
# Re-fetch the console's vendored front-end files from the npm registry at their pinned
# versions, checking each tarball's integrity (console/web/static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=console/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # package version integrity
  local name=$1 version=$2 integrity=$3
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  local tgz="$work/$name-$version.tgz"
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$got" != "$integrity" ]]; then
    echo "vendor-frontend: $name@$version: integrity $got, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$work/$name" && tar xzf "$tgz" -C "$work/$name"
}

fetch codemirror 5.65.20 "sha512-i5dLDDxwkFCbhjvL2pNjShsojoL3XHyDwsGv1jqETUoW+lzpBKKqNTUWgQwVAOa0tUm4BwekT455ujafi8payA=="
cm="$dest/codemirror-5.65.20"
mkdir -p "$cm"
cp "$work/codemirror/package/lib/codemirror.js" "$work/codemirror/package/lib/codemirror.css" \
   "$work/codemirror/package/mode/yaml/yaml.js" "$work/codemirror/package/LICENSE" "$cm/"
echo "vendor-frontend: codemirror 5.65.20 in $cm"
