#!/usr/bin/env bash
# The container images a local cluster's pods run, built on this machine: there is no registry to
# pull from and no Docker to build with. Writes tarballs in "docker save" format for
# `ctr -n k8s.io images import`:
#
#   scripts/kube-local/images.sh CACHE_DIR OUT_DIR          the images below
#   scripts/kube-local/images.sh CACHE_DIR OUT_DIR REPO     only the app's image, from REPO's build
#
#   OUT_DIR/pause.tar             kube-local/pause:3.10   the pod sandbox (scripts/kube-local/pause)
#   OUT_DIR/mcp-server-base.tar   mcp-server-base:local   deploy/mcp-server-base/Dockerfile's image:
#                                 Debian bookworm with python3 and git, this machine's Node.js, and
#                                 uv from PyPI
#   OUT_DIR/mcp-server-base-test.tar  mcp-server-base-test:local  the base image with npm and uv
#                                 caches holding the servers the tests run with `npx -y` and `uvx`
#                                 (pods reach no registry), which npm and uv are told to use offline
#   OUT_DIR/mcp-orchestrator.tar  mcp-orchestrator:local  the app, as the repository's Dockerfile
#                                 builds it: its `next build` output and production dependencies
#
# containerd files them as docker.io/kube-local/pause:3.10 and docker.io/library/mcp-server-base:local,
# which is also what the kubelet makes of the short names. Every step is cached in CACHE_DIR under a
# hash of its inputs, so a second run only copies the tarballs. The Debian packages are fetched once:
# remove CACHE_DIR/images to pick up newer ones. Needs root (or unprivileged user namespaces) and
# mmdebstrap for the Debian layer.
set -euo pipefail
# What goes into images (and /usr/local/bin) must be readable by everyone, whatever the caller's umask.
umask 022

GGCR_VERSION=v0.22.1 # github.com/google/go-containerregistry, which writes the tarballs
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=http://deb.debian.org/debian
PAUSE_IMAGE=kube-local/pause:3.10
BASE_IMAGE=mcp-server-base:local
TEST_IMAGE=mcp-server-base-test:local
# What `npx -y` finds in the test image's npm cache: their latest versions when it was built.
TEST_PACKAGES=(@modelcontextprotocol/server-memory @modelcontextprotocol/server-everything)
# And what `uvx` finds in its cache: the seeded Fetch entry's server.
TEST_PYTHON_PACKAGES=(mcp-server-fetch)
BASE_UID=1000 # INSTANCE_POD_UID in lib/orchestrator/pod-manifest.ts

APP_IMAGE=mcp-orchestrator:local
APP_UID=1001 # the Dockerfile's `app` user

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 CACHE_DIR OUT_DIR [REPO]" >&2
  exit 2
fi
app_repo=${3:+$(cd "$3" && pwd)}
mkdir -p "$1/bin" "$1/src" "$1/images" "$2"
cache=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
images=$cache/images

say() { printf '[kube-local %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# Installing packages runs their code (install scripts; uvx imports the server): as nobody, in a
# directory of its own outside the cache (which lies in root's home, closed to other users).
unprivileged_dir() {
  local dir
  dir=$(mktemp -d)
  chown 65534:65534 "$dir"
  echo "$dir"
}
unprivileged() { # DIR COMMAND...
  local dir=$1
  shift
  chown -R 65534:65534 "$dir"
  env -C "$dir" HOME="$dir" setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# hash: a short digest of stdin, naming a cached artefact after its inputs
hash() { sha256sum | cut -c1-16; }

quietly() { # LOG COMMAND...: run COMMAND with its output kept in LOG, shown only if it fails
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "failed: $* (log: $log)"
    return 1
  fi
}

command -v mmdebstrap >/dev/null || {
  say "mmdebstrap is missing (apt-get install mmdebstrap)"
  exit 1
}
go_version=$(go env GOVERSION)

# The image tool (scripts/kube-local/image): layer tarballs and a config in, an image tarball out.
tool_key=$({ cat "$here/image/main.go"; echo "$GGCR_VERSION $go_version"; } | hash)
tool=$cache/bin/image-$tool_key
if [ ! -x "$tool" ]; then
  say "building the image tool (go-containerregistry $GGCR_VERSION)"
  started=$SECONDS
  src=$cache/src/image-tool
  rm -rf "$src" && mkdir -p "$src"
  cp "$here/image/main.go" "$src/main.go"
  printf 'module imagelocal\n\ngo 1.25.0\n' >"$src/go.mod"
  quietly "$src/build.log" go -C "$src" get "github.com/google/go-containerregistry@$GGCR_VERSION"
  quietly "$src/build.log" go -C "$src" mod tidy
  quietly "$src/build.log" go -C "$src" build -trimpath -ldflags "-s -w" -o "$tool.tmp" .
  mv "$tool.tmp" "$tool"
  say "image tool built in $((SECONDS - started)) s"
fi

# image NAME TARBALL TOOL-ARGS...: write TARBALL with the tool, keeping the name and image ID it
# prints next to it for the summary.
image() {
  local name=$1 tarball=$2
  shift 2
  "$tool" -o "$tarball.tmp" -t "$name" "$@" >"$tarball.txt"
  mv "$tarball.tmp" "$tarball"
}

# pause: a static binary as the only file. Runs as 65535 like Kubernetes' own pause image.
pause_key=$({ cat "$here/pause/main.go"; echo "$go_version $tool_key $PAUSE_IMAGE"; } | hash)
pause=$images/pause-$pause_key.tar
if [ ! -f "$pause" ]; then
  say "building $PAUSE_IMAGE"
  started=$SECONDS
  src=$cache/src/pause
  rm -rf "$src" && mkdir -p "$src/root"
  cp "$here/pause/main.go" "$src/main.go"
  printf 'module pause\n\ngo 1.24.0\n' >"$src/go.mod"
  quietly "$src/build.log" env CGO_ENABLED=0 go -C "$src" build -trimpath -ldflags "-s -w" -o root/pause .
  tar -C "$src/root" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$src/layer.tar" pause
  image "$PAUSE_IMAGE" "$pause" --layer "$src/layer.tar" --entrypoint /pause --user 65535:65535
  say "$PAUSE_IMAGE built in $((SECONDS - started)) s"
fi

# The Debian layer: minbase keeps it to what the packages need; no docs, man pages or
# translations, and mmdebstrap drops apt's lists and caches itself. The user is added here
# because its lines go into files this layer owns (/etc/passwd, /etc/group).
packages=python3,python3-venv,ca-certificates,git,libstdc++6 # libstdc++6: node links it
rootfs_args=(
  --variant=minbase
  --include="$packages"
  --aptopt='APT::Install-Recommends "false"'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --skip=output/dev # the runtime mounts /dev; device nodes in a layer only get in the way
  --customize-hook="echo 'mcp:x:$BASE_UID:$BASE_UID::/home/mcp:/bin/sh' >>\"\$1/etc/passwd\""
  --customize-hook="echo 'mcp:x:$BASE_UID:' >>\"\$1/etc/group\""
  --customize-hook="install -d -o $BASE_UID -g $BASE_UID \"\$1/home/mcp\""
)
rootfs_key=$(echo "${rootfs_args[*]} $DEBIAN_SUITE $DEBIAN_MIRROR" | hash)
rootfs=$images/rootfs-$rootfs_key.tar
if [ ! -f "$rootfs" ]; then
  say "building the Debian $DEBIAN_SUITE layer with mmdebstrap from $DEBIAN_MIRROR (once; about a minute)"
  started=$SECONDS
  quietly "$rootfs.log" mmdebstrap "${rootfs_args[@]}" "$DEBIAN_SUITE" "$rootfs.tmp.tar" "$DEBIAN_MIRROR"
  mv "$rootfs.tmp.tar" "$rootfs"
  say "Debian layer built in $((SECONDS - started)) s ($(du -m "$rootfs" | cut -f1) MB)"
fi

# The Node.js layer: this machine's nodejs package, as `dpkg -L nodejs` lists it, without docs and
# C headers (there is no compiler in the image to use them). npm is taken as it is on disk: it was
# upgraded in place (npm install -g npm), so dpkg's list of its files is stale.
node_files() {
  {
    dpkg -L nodejs | grep -Ev '^/(\.|usr/share(/.*)?|usr/include(/.*)?|usr/lib/node_modules/npm/.*)$'
    find /usr/lib/node_modules/npm
  } | sed 's|^/||' | LC_ALL=C sort -u
}
node_key=$(node_files | (cd / && xargs -d '\n' stat -c '%n %s %Y %f') | hash)
node=$images/node-$node_key.tar
if [ ! -f "$node" ]; then
  say "taking Node.js $(node --version) with npm $(npm --version) from this machine"
  node_files | tar -C / --no-recursion --owner=0 --group=0 --numeric-owner -cf "$node.tmp" -T -
  mv "$node.tmp" "$node"
fi

# uv and uvx from PyPI's wheel (scripts/install-uv.sh, as CI installs them on the machine), in
# /usr/local/bin as the Dockerfile's COPY --from=ghcr.io/astral-sh/uv puts them.
uv_key=$(hash <"$here/../install-uv.sh")
uv=$images/uv-$uv_key.tar
if [ ! -f "$uv" ]; then
  src=$cache/src/uv
  rm -rf "$src" && mkdir -p "$src/root/usr/local/bin"
  quietly "$src/install.log" bash "$here/../install-uv.sh" "$src/root/usr/local/bin"
  tar -C "$src/root" --owner=0 --group=0 --numeric-owner -cf "$uv.tmp" usr
  mv "$uv.tmp" "$uv"
  say "took $("$src/root/usr/local/bin/uv" --version) from PyPI"
fi

base_layers=(--layer "$rootfs" --layer "$node" --layer "$uv")
base_config=(
  --user "$BASE_UID"
  --workdir /home/mcp
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  --env NPM_CONFIG_UPDATE_NOTIFIER=false
  --env UV_NO_PROGRESS=1
)
# The app's image (REPO given): what the Dockerfile's runtime stage holds, on the same Debian and
# Node.js layers. Its production dependencies are installed once per lockfile; its build is the
# checkout's own (`next build` first), without Next.js's build cache.
if [ -n "$app_repo" ]; then
  [ -f "$app_repo/.next/BUILD_ID" ] || { say "no build in $app_repo: run npx next build first"; exit 1; }
  modules_key=$({ cat "$app_repo/package-lock.json"; node --version; } | hash)
  modules=$images/app-modules-$modules_key.tar
  if [ ! -f "$modules" ]; then
    say "installing the app's production dependencies (npm ci --omit=dev)"
    started=$SECONDS
    src=$(unprivileged_dir)
    mkdir -p "$src/app"
    cp "$app_repo/package.json" "$app_repo/package-lock.json" "$src/app/"
    quietly "$cache/src/app-modules.log" unprivileged "$src/app" npm ci --omit=dev --no-audit --no-fund \
      --no-update-notifier --cache "$src/npm"
    tar -C "$src" --owner="$APP_UID" --group="$APP_UID" --numeric-owner -cf "$modules.tmp" app/node_modules
    rm -rf "$src"
    mv "$modules.tmp" "$modules"
    say "production dependencies installed in $((SECONDS - started)) s ($(du -m "$modules" | cut -f1) MB)"
  fi
  say "building $APP_IMAGE from $app_repo's build"
  started=$SECONDS
  src=$cache/src/app
  rm -rf "$src" && mkdir -p "$src/app/scripts" "$src/app/data"
  cp -r "$app_repo/.next" "$src/app/.next"
  rm -rf "$src/app/.next/cache" "$src/app/.next/dev"
  cp -r "$app_repo/public" "$src/app/public"
  cp "$app_repo"/{package.json,next.config.ts,tsconfig.json} "$src/app/"
  cp "$app_repo"/scripts/{server.mjs,request-entry.mjs} "$src/app/scripts/"
  tar -C "$src" --owner="$APP_UID" --group="$APP_UID" --numeric-owner -cf "$src/app.tar" app
  "$tool" -o "$out/mcp-orchestrator.tar" -t "$APP_IMAGE" "${base_layers[@]}" --layer "$modules" \
    --layer "$src/app.tar" --user "$APP_UID" --workdir /app \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_ENV=production \
    --env NEXT_TELEMETRY_DISABLED=1 --env PORT=3000 --env ARCHESTRA_DATA_DIR=/app/data \
    --cmd node,scripts/server.mjs >/dev/null
  rm -rf "$src"
  say "$APP_IMAGE built in $((SECONDS - started)) s: $out/mcp-orchestrator.tar"
  exit 0
fi

base_key=$(echo "$tool_key $BASE_IMAGE ${base_layers[*]} ${base_config[*]}" | hash)
base=$images/mcp-server-base-$base_key.tar
if [ ! -f "$base" ]; then
  say "building $BASE_IMAGE"
  started=$SECONDS
  image "$BASE_IMAGE" "$base" "${base_layers[@]}" "${base_config[@]}"
  say "$BASE_IMAGE built in $((SECONDS - started)) s"
fi

# cache_layer NAME KEY FILL: the layer /opt/NAME of the test image, a package cache that FILL DIR
# fills once (as nobody: installing runs the packages' code), owned by the pods' user, who writes
# into it. Sets `layer`. (Keyed on this script too: how each cache is filled is written here.)
cache_layer() {
  local name=$1 fill=$3 src started=$SECONDS
  layer=$images/$name-$({ echo "$2"; cat "$0"; } | hash).tar
  [ ! -f "$layer" ] || return 0
  say "filling $name"
  src=$(unprivileged_dir)
  mkdir -p "$src/root/opt/$name"
  "$fill" "$src" "$src/root/opt/$name"
  tar -C "$src/root" --owner="$BASE_UID" --group="$BASE_UID" --numeric-owner -cf "$layer.tmp" "opt/$name"
  rm -rf "$src"
  mv "$layer.tmp" "$layer"
  say "$name filled in $((SECONDS - started)) s ($(du -m "$layer" | cut -f1) MB)"
}

# npm: each test server's package run the way a pod does (`npm exec`, which is what `npx -y` is),
# here where the registry is reachable; in a pod, `npx -y <server>` then resolves from that cache
# alone and finds the package installed.
fill_npm_cache() { # DIR CACHE
  for package in "${TEST_PACKAGES[@]}"; do
    # From a directory of its own: in a project that depends on the package, npm exec uses that.
    quietly "$cache/src/npm-cache.log" unprivileged "$1" npm exec --yes --cache "$2" --no-update-notifier \
      --package "$package" -- true
  done
  rm -rf "$2/_logs"
}
cache_layer npm-cache "${TEST_PACKAGES[*]} $(npm --version)" fill_npm_cache
npm_cache=$layer

# uv: the same with uvx, resolving for this machine's Debian Python, the one the image has (uv
# downloads none).
fill_uv_cache() { # DIR CACHE
  mkdir -p "$1/bin"
  tar -C "$1/bin" -xf "$uv" --strip-components=3 usr/local/bin/uvx usr/local/bin/uv
  for package in "${TEST_PYTHON_PACKAGES[@]}"; do
    quietly "$cache/src/uv-cache.log" unprivileged "$1" env UV_CACHE_DIR="$2" UV_NO_PROGRESS=1 \
      UV_PYTHON=/usr/bin/python3 UV_PYTHON_DOWNLOADS=never "$1/bin/uvx" "$package" --help
  done
}
cache_layer uv-cache "${TEST_PYTHON_PACKAGES[*]} $uv_key" fill_uv_cache
uv_cache=$layer

test_config=(
  --env npm_config_cache=/opt/npm-cache --env npm_config_offline=true
  --env UV_CACHE_DIR=/opt/uv-cache --env UV_OFFLINE=1 --env UV_PYTHON_DOWNLOADS=never
)
test_key=$(echo "$base_key $npm_cache $uv_cache $TEST_IMAGE ${test_config[*]}" | hash)
test_image=$images/mcp-server-base-test-$test_key.tar
if [ ! -f "$test_image" ]; then
  say "building $TEST_IMAGE"
  started=$SECONDS
  image "$TEST_IMAGE" "$test_image" "${base_layers[@]}" --layer "$npm_cache" --layer "$uv_cache" \
    "${base_config[@]}" "${test_config[@]}"
  say "$TEST_IMAGE built in $((SECONDS - started)) s"
fi

cp "$pause" "$out/pause.tar"
cp "$base" "$out/mcp-server-base.tar"
cp "$test_image" "$out/mcp-server-base-test.tar"
for tarball in "$pause" "$base" "$test_image"; do
  say "$(cat "$tarball.txt") ($(du -m "$tarball" | cut -f1) MB)"
done
say "wrote pause.tar, mcp-server-base.tar and mcp-server-base-test.tar to $out"
