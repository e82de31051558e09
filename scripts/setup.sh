#!/bin/sh
# Idempotent setup for a fresh Debian machine with Node 20: pnpm, Debian's libtorch-dev (for the fast
# `torch` backend), workspace dependencies and the native addon. Safe to run again; each step is skipped
# when already done. Set LORATS_SKIP_LIBTORCH=1 to skip the libtorch install.
set -e
cd "$(dirname "$0")/.."
PNPM_VERSION=12.4.2

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || npm install -g "pnpm@$PNPM_VERSION"
fi

has_libtorch() {
  [ -n "$LIBTORCH" ] && [ -d "$LIBTORCH/include/torch" ] && return 0
  [ -f /usr/include/torch/csrc/api/include/torch/torch.h ] && return 0
  [ -f /usr/include/torch/torch.h ] && return 0
  return 1
}
if [ -z "$LORATS_SKIP_LIBTORCH" ] && ! has_libtorch; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's libtorch-dev (the fast torch backend; once, about 2 minutes)"
    export DEBIAN_FRONTEND=noninteractive
    (apt-get install -y --no-install-recommends libtorch-dev >/tmp/lorats-apt.log 2>&1 ||
      (apt-get update >/tmp/lorats-apt.log 2>&1 && apt-get install -y --no-install-recommends libtorch-dev >>/tmp/lorats-apt.log 2>&1)) ||
      echo "setup: could not install libtorch-dev (see /tmp/lorats-apt.log); lorats will use the slower tfjs cpu backend"
  else
    echo "setup: libtorch not found and not root; run 'apt-get install libtorch-dev' or set LIBTORCH for the fast backend"
  fi
fi

pnpm install --frozen-lockfile --reporter=silent

if has_libtorch; then
  pnpm --filter @lorats/tfjs-backend-torch run --if-present build:native
fi
