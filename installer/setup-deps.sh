#!/usr/bin/env bash
# Installs every Debian 12 package Longview needs to build, test and run.
# Idempotent and quiet: does nothing when all packages are present.
# The CUDA toolkit is not a Debian package here: it is expected at /usr/local/cuda
# (without it the build is CPU-only).
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config ccache git file dpkg-dev
    # engine
    libopenblas-dev libsentencepiece-dev libpcre2-dev libicu-dev nlohmann-json3-dev libxxhash-dev
    # storage
    libsqlite3-dev libzstd-dev libxxhash-dev
    # ingest, app, ui
    qt6-base-dev qt6-base-dev-tools libqt6svg6-dev libgl-dev libpoppler-qt6-dev
    poppler-utils tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fontconfig
    # ingest tests: an encrypted copy of a generated PDF
    qpdf
    # GUI tests and screenshots, packaging checks
    xvfb xauth
)

# Packaging checks: desktop entry and AppStream validation (tests/installer), the
# clean Debian 12 chroot of installer/check-deb-in-chroot.sh and its lintian report.
packages+=(desktop-file-utils appstream debootstrap lintian)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
