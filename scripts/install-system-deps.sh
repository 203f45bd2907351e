#!/usr/bin/env bash
# Debian packages the full test suite uses: chromium (console tests), postgresql (scale-out),
# ntfs-3g (a real NTFS volume), wimtools (wimlib: Apply Operating System Image), libhivex-bin (a second regf implementation to cross-check hives),
# attr (getfattr/setfattr, to inspect the Windows attributes `ferry sample-volume` writes), zstd/restic (benchmarks).
# Without them those tests skip and say why.
set -euo pipefail
pkgs=(chromium postgresql ntfs-3g wimtools libhivex-bin libwin-hivex-perl attr zstd restic util-linux)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "system packages ready: ${pkgs[*]}"
