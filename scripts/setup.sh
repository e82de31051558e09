#!/bin/sh
# Idempotent setup for a fresh Debian machine with Node 20: pnpm, Debian's libtorch-dev (for the fast
# `torch` backend), wordnet-base (METEOR synonyms), workspace dependencies and the native addon. Safe to run again; each step is skipped
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
# Debian packages: libtorch-dev for the torch backend, wordnet-base for METEOR's synonym module.
want=""
[ -z "$LORATS_SKIP_LIBTORCH" ] && ! has_libtorch && want="$want libtorch-dev"
[ -f /usr/share/wordnet/index.noun ] || [ -f /usr/share/wordnet/dict/index.noun ] || want="$want wordnet-base"
if [ -n "$want" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages:$want (once; libtorch-dev takes about 2 minutes)"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    (apt-get install -y --no-install-recommends $want >/tmp/lorats-apt.log 2>&1 ||
      (apt-get update >>/tmp/lorats-apt.log 2>&1 && apt-get install -y --no-install-recommends $want >>/tmp/lorats-apt.log 2>&1)) ||
      echo "setup: could not install$want (see /tmp/lorats-apt.log); lorats falls back to the slower tfjs cpu backend and METEOR without synonyms"
  else
    echo "setup: missing Debian packages:$want; as root run 'apt-get install$want' (or set LIBTORCH) for the fast backend and METEOR synonyms"
  fi
fi

pnpm install --frozen-lockfile --reporter=silent

if has_libtorch; then
  pnpm --filter @lorats/tfjs-backend-torch run --if-present build:native
fi
