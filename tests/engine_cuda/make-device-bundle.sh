#!/usr/bin/env bash
# Packs test and bench binaries, the shared libraries they need that a bare CUDA machine
# lacks (Qt, OpenBLAS, ICU, ...; not libc, libstdc++, the driver or the CUDA runtime) and,
# optionally, the reference fixtures into one folder for the GPU machine:
#   make-device-bundle.sh OUT_DIR [--fixtures DIR] BINARY...
# On the GPU machine: cd OUT_DIR && ./unpack.sh && LD_LIBRARY_PATH=$PWD/lib:... ./bin/NAME
set -euo pipefail
out=$1
shift
fixtures=""
if [[ ${1:-} == --fixtures ]]; then
    fixtures=$2
    shift 2
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$out"
for b in "$@"; do
    cp "$b" "$stage/bin/"
    ldd "$b" | awk '/=> \//{print $3}' |
        grep -v -E '/(libc|libm|libgcc_s|libstdc\+\+|libdl|libpthread|librt|ld-linux[^/]*|libcuda|libcudart|libcublas|libcublasLt)\.so' |
        while read -r lib; do cp -L "$lib" "$stage/lib/"; done || true
done
if [[ -n $fixtures ]]; then
    cp -r "$fixtures" "$stage/fixtures"
fi
cp "$(dirname "$0")/device-check.sh" "$(dirname "$0")/kernel-times.py" \
    "$(dirname "$0")/stall-samples.py" "$stage/"
rm -f "$out/bundle.tar.gz" "$out/bundle.tar.xz"
# xz at its strongest: the carry to the GPU machine is limited to 64 MiB; gzip went past it,
# and xz -6 came within 2 MiB of it (Qt, OpenBLAS and ICU are most of it).
XZ_OPT="-9e -T2" tar -C "$stage" -cJf "$out/bundle.tar.xz" .
cat >"$out/unpack.sh" <<'EOS'
#!/usr/bin/env bash
# Unpacks bundle.tar.xz here; prints where the CUDA libraries were found.
set -e
cd "$(dirname "$0")"
tar -xJf bundle.tar.xz
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [[ -e $d/libcublasLt.so.13 ]] && echo "cuBLASLt: $d" && break
done
EOS
chmod +x "$out/unpack.sh"
du -sh "$out/bundle.tar.xz"
