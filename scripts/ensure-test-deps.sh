#!/usr/bin/env bash
# Makes sure every Debian package the tests need is installed. As root it installs what is missing;
# otherwise it stops and prints the exact apt-get line. Tests never skip silently for a missing tool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=()
while read -r pkg bin; do
  [[ -z "${pkg}" || "${pkg}" == \#* ]] && continue
  # "-" for a package without a program of its own (e.g. a sox format plugin): ask dpkg.
  if [[ "$bin" == "-" ]]; then
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    continue
  fi
  command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
done < "$here/test-deps.txt"
[[ ${#missing[@]} -eq 0 ]] && exit 0
line="apt-get install -y ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  echo "Installing test tools: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "The test suite needs Debian packages that are not installed: ${missing[*]}" >&2
  echo "Install them as root with:  sudo apt-get update && sudo $line" >&2
  exit 1
fi
