#!/usr/bin/env bash
# Install the Debian packages listed in $1 (one per line, '#' comments) that are not installed yet.
# Runs apt-get only when something is missing, so a warm machine pays nothing.
set -euo pipefail
list=${1:?usage: install-debian-packages.sh PACKAGE_LIST}
mapfile -t wanted < <(sed -e 's/#.*//' "$list" | awk 'NF {print $1}' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian packages: all ${#wanted[@]} present"
  exit 0
fi
echo "debian packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
