#!/usr/bin/env bash
# Installs a Longview .deb with apt-get into a clean Debian 12 (bookworm) minbase
# chroot made by debootstrap, then checks that the installed programs start:
# longview-cli --version, an extractive summary of the GPL-3 text, the GUI (when
# packaged) offscreen, and that purging the package leaves nothing behind.
# Too slow for CI (downloads ~150 MB): run it by hand, as root, after `cpack`.
#
#   installer/check-deb-in-chroot.sh [OPTIONS] build/cpu-only/longview_0.1.0_amd64.deb
#
#   --with-recommends  install Recommends too (apt-get's default); without it, only
#                      Depends are installed, which proves that they suffice
#   --keep             keep the chroot (and print where it is) instead of deleting it
#   --mirror URL       Debian mirror (default http://deb.debian.org/debian)
#   --workdir DIR      where the chroot is made (default: a new folder under /var/tmp)
#
# The downloaded base system is cached as a tarball in $LONGVIEW_CHROOT_CACHE
# (default ~/.cache/longview); each run unpacks a fresh chroot from it.
# Exit status: 0 when every check passed, 1 otherwise.
set -euo pipefail

with_recommends=0
keep=0
mirror=http://deb.debian.org/debian
workdir=""
deb=""
while [ $# -gt 0 ]; do
    case "$1" in
    --with-recommends) with_recommends=1 ;;
    --keep) keep=1 ;;
    --mirror) mirror="$2"; shift ;;
    --workdir) workdir="$2"; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check-deb-in-chroot: unknown option '$1'" >&2; exit 1 ;;
    *) deb="$1" ;;
    esac
    shift
done

fail() { echo "check-deb-in-chroot: $*" >&2; exit 1; }
[ -n "$deb" ] || fail "no package given (usage: $0 [OPTIONS] longview_VERSION_ARCH.deb)"
[ -f "$deb" ] || fail "no such package: $deb"
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
deb="$(realpath "$deb")"

if command -v lintian >/dev/null; then
    # Debian's policy checker, for information: the package is no Debian upload.
    echo "== lintian $(basename "$deb")"
    lintian_status=0
    report=$(lintian --tag-display-limit 0 "$deb" 2>&1) || lintian_status=$?
    report=$(grep -v 'running with root privileges' <<<"$report" || true)
    if [ -n "$report" ]; then
        sed 's/^/   /' <<<"$report"
    else
        echo "   (no tags; lintian exit status $lintian_status)"
    fi
fi

cache="${LONGVIEW_CHROOT_CACHE:-$HOME/.cache/longview}"
tarball="$cache/bookworm-minbase-$(dpkg --print-architecture).tgz"
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
    echo "== downloading a bookworm minbase system into $tarball"
    download=$(mktemp -d /var/tmp/longview-debootstrap.XXXXXX)
    debootstrap --variant=minbase --make-tarball="$tarball.part" bookworm "$download" "$mirror" >/dev/null
    rm -rf --one-file-system "$download"
    mv "$tarball.part" "$tarball"
fi

root="${workdir:-$(mktemp -d /var/tmp/longview-chroot.XXXXXX)}"
mounted=()
cleanup() {
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
    if [ "$keep" -eq 1 ]; then
        echo "== chroot kept at $root"
    else
        rm -rf --one-file-system "$root"
    fi
}
trap cleanup EXIT

echo "== making a clean bookworm chroot in $root"
debootstrap --variant=minbase --unpack-tarball="$tarball" bookworm "$root" "$mirror" >/dev/null
# A Debian 12 system as installed: the release, its updates and security fixes
# (the package is built against an up-to-date system).
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://security.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
for fs in proc sys dev dev/pts; do
    mount --bind "/$fs" "$root/$fs"
    mounted+=("$root/$fs")
done

mkdir -p "$root/tmp/longview-check"
cp "$deb" "$root/tmp/longview-check/"
package_file="/tmp/longview-check/$(basename "$deb")"

# The checks run inside the chroot; each prints "ok: ..." or "FAILED: ...".
cat >"$root/tmp/longview-check/run.sh" <<'CHECKS'
#!/bin/bash
set -uo pipefail
package_file="$1"
recommends="$2"
failures=0
ok() { echo "ok: $*"; }
bad() { echo "FAILED: $*"; failures=$((failures + 1)); }
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

apt-get -o APT::Sandbox::User=root update -qq || { echo "FAILED: apt-get update"; exit 1; }
apt_options=(-y -q -o APT::Sandbox::User=root)
[ "$recommends" -eq 1 ] || apt_options+=(--no-install-recommends)
before=$(dpkg-query -W -f='${Package}\n' | wc -l)
if apt-get install "${apt_options[@]}" "$package_file" >/tmp/longview-check/apt.log 2>&1; then
    after=$(dpkg-query -W -f='${Package}\n' | wc -l)
    ok "apt-get install ${apt_options[*]} $(basename "$package_file") (pulled in $((after - before - 1)) packages)"
else
    tail -20 /tmp/longview-check/apt.log
    bad "apt-get install"
    exit 1
fi
echo "   Depends: $(dpkg-query -W -f='${Depends}' longview)"
echo "   Recommends: $(dpkg-query -W -f='${Recommends}' longview)"

work=/tmp/longview-check/home
mkdir -p "$work/runtime" && chmod 700 "$work/runtime"
export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
export XDG_CACHE_HOME="$work/cache" XDG_RUNTIME_DIR="$work/runtime"
export LONGVIEW_DB="$work/library.db"

for exe in /usr/bin/longview-cli /usr/bin/longview; do
    [ -e "$exe" ] || continue
    missing=$(ldd "$exe" | grep 'not found' || true)
    if [ -z "$missing" ]; then ok "$exe: every shared library resolves"; else bad "$exe: $missing"; fi
done

if version=$(longview-cli --version 2>&1); then ok "longview-cli --version: $version"; else bad "longview-cli --version: $version"; fi

summary=$(longview-cli summarize /usr/share/common-licenses/GPL-3 2>&1)
status=$?
if [ $status -eq 0 ] && grep -q 'GPL-3:' <<<"$summary" && [ -s "$LONGVIEW_DB" ]; then
    ok "longview-cli summarize GPL-3: $(wc -l <<<"$summary") lines with citations, library at $LONGVIEW_DB"
    sed 's/^/   | /' <<<"$summary" | head -8
else
    bad "longview-cli summarize GPL-3 (exit $status): $(head -5 <<<"$summary")"
fi
if listing=$(longview-cli list --json 2>&1) && grep -q '"kind"' <<<"$listing"; then
    ok "longview-cli list --json shows the ingested document"
else
    bad "longview-cli list --json: $listing"
fi
if zcat /usr/share/man/man1/longview-cli.1.gz | grep -q '^\.TH LONGVIEW-CLI 1'; then
    ok "man page installed (longview-cli.1.gz)"
else
    bad "man page missing or not a man page"
fi

if [ -e /usr/bin/longview ]; then
    export QT_QPA_PLATFORM=offscreen
    if gv=$(longview --version 2>&1); then ok "longview --version (offscreen): $gv"; else bad "longview --version: $gv"; fi
    shot="$work/window.png"
    gui_log=$(timeout 120 longview --db "$work/gui.db" --screenshot "$shot" --screenshot-delay 1500 2>&1)
    status=$?
    if [ $status -eq 0 ] && [ "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        ok "longview started offscreen, showed its window and quit ($(stat -c %s "$shot") byte screenshot)"
    else
        bad "longview offscreen start (exit $status): $(tail -5 <<<"$gui_log")"
    fi
    for f in /usr/share/applications/longview.desktop /usr/share/icons/hicolor/scalable/apps/longview.svg \
             /usr/share/icons/hicolor/48x48/apps/longview.png; do
        if [ -s "$f" ]; then ok "installed $f"; else bad "missing $f"; fi
    done
    ls /usr/share/metainfo/*.metainfo.xml >/dev/null 2>&1 && ok "AppStream metadata installed" || bad "no AppStream metadata"
fi

owned=$(dpkg -L longview | while read -r f; do [ -f "$f" ] && echo "$f"; done)
apt-get purge -y -q longview >/tmp/longview-check/purge.log 2>&1
left=$(for f in $owned; do [ -e "$f" ] && echo "$f"; done)
if [ -z "$left" ] && ! dpkg-query -W longview >/dev/null 2>&1; then
    ok "apt-get purge longview removed all $(wc -w <<<"$owned") files"
else
    bad "after purge: $left"
fi

echo "== $failures check(s) failed"
[ $failures -eq 0 ]
CHECKS
chmod +x "$root/tmp/longview-check/run.sh"

echo "== installing $(basename "$deb") in the chroot"
status=0
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
    /tmp/longview-check/run.sh "$package_file" "$with_recommends" || status=$?
exit $status
