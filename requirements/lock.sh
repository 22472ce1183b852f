#!/usr/bin/env bash
# Regenerate requirements/*.lock from pyproject.toml (and requirements/build.in): `make lock`.
#
# One resolution of every set together (runtime + dev + postgres + spark) is made first; each lock is
# then that resolution's subset for one set (compiled with it as constraints), so the four locks agree
# on every shared package and can be installed on top of each other in one virtualenv.
# Pins already in the locks are kept unless a declared dependency needs another version (uv prefers
# the versions of an existing output file); `UPGRADE=1 make lock` lets uv pick the newest allowed.
# The locks are for CPython 3.11 on Linux x86_64 (this project's machines).
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--quiet --annotation-style line --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock")
upgrade=()
if [ "${UPGRADE:-0}" = 1 ]; then upgrade=(--upgrade); fi
# Earlier pins as preferences: the union of the current locks seeds the combined resolution.
cat requirements/*.lock 2>/dev/null | grep -E '^[A-Za-z0-9]' | sort -u >"$tmp/all.lock" || true
"$UV" pip compile "${common[@]}" "${upgrade[@]}" pyproject.toml requirements/build.in --all-extras -o "$tmp/all.lock"
"$UV" pip compile "${common[@]}" pyproject.toml requirements/build.in -c "$tmp/all.lock" -o requirements/runtime.lock
for extra in dev postgres spark; do
    "$UV" pip compile "${common[@]}" pyproject.toml requirements/build.in --extra "$extra" -c "$tmp/all.lock" \
        -o "requirements/$extra.lock"
done
# the combined resolution is a temporary file: keep its path out of the "# via" notes
sed -i -E -e 's/# via -c [^ ,]*all\.lock, /# via /' -e 's/,? -c [^ ,]*all\.lock//' requirements/{runtime,dev,postgres,spark}.lock
echo "requirements/{runtime,dev,postgres,spark}.lock written"
