#!/usr/bin/env bash
# A real Kubernetes API server on this machine, built from the Kubernetes Go modules, for trying
# the app's Kubernetes runtime and for its tests:
#
#   scripts/kube-local.sh up     build (once: cached outside the clone), start etcd and kube-apiserver
#                                on loopback, apply deploy/kubernetes's namespace and RBAC, and write
#                                kubeconfigs: one for an admin, one for the app's ServiceAccount
#   scripts/kube-local.sh env    the variables that point the tests (and the app) at it
#   scripts/kube-local.sh down   stop it and remove its state
#
# Stage 1 of a local cluster: the API server with etcd (validation, admission including Pod
# Security, RBAC, watches). There is no kubelet yet, so pods are accepted but never run.
#
# KUBE_LOCAL_CACHE   where binaries are built (default ~/.cache/mcp-orchestrator/kube-local)
# KUBE_LOCAL_DIR     where a running cluster keeps its state (default $KUBE_LOCAL_CACHE/run)
# KUBE_LOCAL_PORT    the API server's port on 127.0.0.1 (default 16443; etcd uses the next two)
set -euo pipefail

KUBERNETES_VERSION=v1.34.4
STAGING_VERSION=v0.34.4
ETCD_VERSION=v3.6.16

cache=${KUBE_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-orchestrator/kube-local}
dir=${KUBE_LOCAL_DIR:-$cache/run}
port=${KUBE_LOCAL_PORT:-16443}
etcd_client=$((port + 1))
etcd_peer=$((port + 2))
repo=$(cd "$(dirname "$0")/.." && pwd)
apiserver=$cache/bin/kube-apiserver-$KUBERNETES_VERSION
etcd=$cache/bin/etcd-$ETCD_VERSION

say() { printf '[kube-local %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

build() {
  mkdir -p "$cache/bin"
  if [ ! -x "$apiserver" ]; then
    say "building kube-apiserver $KUBERNETES_VERSION from k8s.io/kubernetes (once; a few minutes)"
    local src=$cache/src/kubernetes
    mkdir -p "$src"
    # k8s.io/kubernetes points its staging modules (k8s.io/api, ...) at its own tree; a module that
    # requires it names their published versions instead.
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
    {
      printf 'module kubelocal\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$KUBERNETES_VERSION"
      grep '=> ./staging' "$gomod" | awk -v v="$STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
      printf ')\n'
    } >"$src/go.mod"
    local started=$SECONDS
    (cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34" \
      -o "$apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
    mv "$apiserver.tmp" "$apiserver"
    say "kube-apiserver built in $((SECONDS - started)) s"
  fi
  if [ ! -x "$etcd" ]; then
    say "building etcd $ETCD_VERSION (embedded etcd from go.etcd.io/etcd/server/v3)"
    local src=$cache/src/etcd
    mkdir -p "$src"
    cp "$repo/scripts/kube-local/etcd.go" "$src/main.go"
    printf 'module etcdlocal\n\ngo 1.24.0\n' >"$src/go.mod"
    local started=$SECONDS
    (cd "$src" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1 &&
      go build -trimpath -ldflags "-s -w" -o "$etcd.tmp" .)
    mv "$etcd.tmp" "$etcd"
    say "etcd built in $((SECONDS - started)) s"
  fi
}

api() { # METHOD PATH [BODY]: a request as the admin; prints the answer, fails on an HTTP error
  curl -sS --fail-with-body --cacert "$dir/certs/apiserver.crt" -H "Authorization: Bearer $(cat "$dir/admin-token")" \
    -H 'Content-Type: application/yaml' -X "$1" "https://127.0.0.1:$port$2" ${3:+--data-binary "$3"}
}

kubeconfig() { # FILE USER TOKEN
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kube-local
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $dir/certs/apiserver.crt
users:
  - name: $2
    user:
      token: $3
contexts:
  - name: $2
    context: { cluster: kube-local, user: $2, namespace: mcp }
current-context: $2
EOF
  chmod 600 "$1"
}

up() {
  build
  if [ -f "$dir/apiserver.pid" ] && kill -0 "$(cat "$dir/apiserver.pid")" 2>/dev/null; then
    say "already up: $dir/admin.kubeconfig"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir/certs"
  chmod 700 "$dir"
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  # A serving certificate for 127.0.0.1 that the kubeconfigs trust.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$dir/certs/apiserver.key" -out "$dir/certs/apiserver.crt" -subj "/CN=kube-local" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/admin-token"
  echo "$(cat "$dir/admin-token"),kube-local-admin,kube-local-admin,system:masters" >"$dir/tokens.csv"

  say "starting etcd on 127.0.0.1:$etcd_client"
  "$etcd" --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  say "starting kube-apiserver on https://127.0.0.1:$port"
  "$apiserver" --etcd-servers "http://127.0.0.1:$etcd_client" --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$dir/certs/apiserver.crt" --tls-private-key-file "$dir/certs/apiserver.key" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/24 \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,PodSecurity,ResourceQuota \
    --disable-admission-plugins ServiceAccount >"$dir/apiserver.log" 2>&1 &
  echo $! >"$dir/apiserver.pid"
  for _ in $(seq 1 120); do
    if api GET /readyz >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  api GET /readyz >/dev/null || { tail -20 "$dir/apiserver.log"; exit 1; }

  # What an operator applies (deploy/kubernetes): the namespace (Pod Security "restricted") and
  # the app's ServiceAccount with its Role. The app's kubeconfig holds that ServiceAccount's token,
  # so a permission the Role lacks fails the tests.
  say "applying deploy/kubernetes/namespace.yaml and rbac.yaml"
  api POST /api/v1/namespaces "$(cat "$repo/deploy/kubernetes/namespace.yaml")" >/dev/null
  local doc
  while IFS= read -r -d $'\0' doc; do
    local kind path
    kind=$(printf '%s\n' "$doc" | sed -n 's/^kind: *//p' | head -1)
    case "$kind" in
      ServiceAccount) path=/api/v1/namespaces/mcp/serviceaccounts ;;
      Role) path=/apis/rbac.authorization.k8s.io/v1/namespaces/mcp/roles ;;
      RoleBinding) path=/apis/rbac.authorization.k8s.io/v1/namespaces/mcp/rolebindings ;;
      *) continue ;;
    esac
    api POST "$path" "$doc" >/dev/null
  done < <(awk 'BEGIN{RS="\n---\n"; ORS="\0"} {print}' "$repo/deploy/kubernetes/rbac.yaml")
  local token
  token=$(api POST /api/v1/namespaces/mcp/serviceaccounts/mcp-orchestrator/token \
    '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":86400}}' |
    sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
  kubeconfig "$dir/admin.kubeconfig" kube-local-admin "$(cat "$dir/admin-token")"
  kubeconfig "$dir/app.kubeconfig" mcp-orchestrator "$token"
  say "up: $dir/admin.kubeconfig (admin), $dir/app.kubeconfig (the app's ServiceAccount)"
}

down() {
  for name in apiserver etcd; do
    if [ -f "$dir/$name.pid" ]; then
      kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
    fi
  done
  sleep 1
  rm -rf "$dir"
  say "down"
}

env_() {
  if [ ! -f "$dir/app.kubeconfig" ]; then
    echo "kube-local is not up (scripts/kube-local.sh up)" >&2
    exit 1
  fi
  echo "export TEST_KUBE_ADMIN_KUBECONFIG=$dir/admin.kubeconfig"
  echo "export TEST_KUBE_APP_KUBECONFIG=$dir/app.kubeconfig"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_ ;;
  build) build ;;
  *)
    echo "usage: scripts/kube-local.sh up|env|down|build" >&2
    exit 2
    ;;
esac
