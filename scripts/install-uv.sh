#!/usr/bin/env bash
# uv and uvx (which run the catalog's Python servers) from PyPI's `uv` wheel, into DEST_DIR:
#
#   scripts/install-uv.sh /usr/local/bin
#
# The wheel holds the two static binaries; nothing else is installed. Put them where the local
# process runtime's sandbox sees them: not in a home directory only its owner can enter (root's).
set -euo pipefail
umask 022

UV_VERSION=0.13.9
# The wheel's digest on PyPI: what is installed as root is exactly that file.
UV_WHEEL_SHA256=d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19

dest=${1:?usage: scripts/install-uv.sh DEST_DIR}
if [ -x "$dest/uvx" ] && [ "$("$dest/uvx" --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
  --platform manylinux2014_x86_64 --dest "$work" "uv==$UV_VERSION"
echo "$UV_WHEEL_SHA256  $(echo "$work"/uv-*.whl)" | sha256sum --check --quiet
python3 - "$work"/uv-*.whl "$dest" <<'PY'
import os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
os.makedirs(dest, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("uv", "uvx"):
        [member] = [m for m in z.namelist() if m.endswith(f".data/scripts/{name}")]
        target = os.path.join(dest, name)
        with z.open(member) as src, open(target + ".tmp", "wb") as out:
            out.write(src.read())
        os.chmod(target + ".tmp", 0o755)
        os.replace(target + ".tmp", target)
PY
echo "uv $UV_VERSION installed in $dest"
