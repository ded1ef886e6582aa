#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, built from the components' Go modules, for trying
# the app's Kubernetes runtime and for its tests:
#
#   scripts/kube-local.sh up     build (once: cached outside the clone), start etcd, kube-apiserver,
#                                the scheduler, the controller manager, containerd (with Debian's
#                                runc and a bridge CNI network), a kubelet and kube-proxy (nftables),
#                                on loopback and the pods' bridge;
#                                import the locally built images; apply deploy/kubernetes's namespace
#                                and RBAC; write kubeconfigs: one for an admin, one for the app's
#                                ServiceAccount
#   scripts/kube-local.sh env    the variables that point the tests (and the app) at it
#   scripts/kube-local.sh app-image   build the app's image from this checkout's build (npx next
#                                build first) and import it: mcp-orchestrator:local
#   scripts/kube-local.sh ctr .. containerd's own client against the cluster's containerd
#   scripts/kube-local.sh down   stop it, remove its pods, network and state
#
# No registry is needed: pods use images built here (scripts/kube-local/images.sh) and imported
# into containerd, and the pod network (a bridge) reaches nothing outside this machine.
# Needs root (the kubelet, containerd and runc do), a cgroup v1 or v2 hierarchy, Go and runc.
#
# KUBE_LOCAL_CACHE   where binaries and images are built (default ~/.cache/mcp-orchestrator/kube-local)
# KUBE_LOCAL_DIR     where a running cluster keeps its state (default $KUBE_LOCAL_CACHE/run)
# KUBE_LOCAL_PORT    the API server's port (default 16443; etcd uses the next two on 127.0.0.1,
#                    the kubelet the two after, kube-proxy the two after that)
# KUBE_LOCAL_HOST_PORTS  more ports of this machine that pods may reach on the node's address
#                    (for example PostgreSQL's); by default only the API server's
set -euo pipefail

KUBERNETES_VERSION=v1.34.4
STAGING_VERSION=v0.34.4
ETCD_VERSION=v3.6.16
CONTAINERD_VERSION=v2.2.9
CNI_PLUGINS_VERSION=v1.9.0
HELM_VERSION=v4.3.2

cache=${KUBE_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-orchestrator/kube-local}
dir=${KUBE_LOCAL_DIR:-$cache/run}
port=${KUBE_LOCAL_PORT:-16443}
etcd_client=$((port + 1))
etcd_peer=$((port + 2))
kubelet_port=$((port + 3))
kubelet_healthz=$((port + 4))
proxy_healthz=$((port + 5))
proxy_metrics=$((port + 6))
node=kube-local
pod_subnet=10.244.0.0/24
service_subnet=10.96.0.0/24
bridge=kube-local0
# The kubelet refuses a loopback node address, so the node's address is the pods' gateway on their
# bridge: like loopback, nothing sent to it leaves the machine. The API server listens there too,
# which is where the `kubernetes` Service sends pods that use in-cluster configuration.
node_ip=10.244.0.1
repo=$(cd "$(dirname "$0")/.." && pwd)
k8s_bin=$cache/bin/kubernetes-$KUBERNETES_VERSION
etcd=$cache/bin/etcd-$ETCD_VERSION
containerd_bin=$cache/bin/containerd-$CONTAINERD_VERSION
cni_bin=$cache/bin/cni-plugins-$CNI_PLUGINS_VERSION
helm_bin=$cache/bin/helm-$HELM_VERSION
runc=$(command -v runc || true)
kubelet_sysctls=(kernel.panic kernel.panic_on_oops vm.overcommit_memory kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
test_image=mcp-server-base-test:local

say() { printf '[kube-local %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

build_kubernetes() {
  local missing=()
  for cmd in kube-apiserver kubelet kube-scheduler kube-controller-manager kube-proxy; do
    [ -x "$k8s_bin/$cmd" ] || missing+=("k8s.io/kubernetes/cmd/$cmd")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  say "building ${missing[*]##*/} $KUBERNETES_VERSION from k8s.io/kubernetes (once; several minutes)"
  local src=$cache/src/kubernetes
  mkdir -p "$src" "$k8s_bin.tmp"
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
    -o "$k8s_bin.tmp/" "${missing[@]}")
  mkdir -p "$k8s_bin"
  mv "$k8s_bin.tmp"/* "$k8s_bin/"
  rmdir "$k8s_bin.tmp"
  say "Kubernetes built in $((SECONDS - started)) s"
}

build_etcd() {
  [ ! -x "$etcd" ] || return 0
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
}

go_install() { # DIR MODULE@VERSION PACKAGE...: static binaries into DIR, once
  local into=$1 version=$2
  shift 2
  [ ! -d "$into" ] || return 0
  say "building ${*##*/} from ${1%%/cmd*}@$version"
  local started=$SECONDS
  mkdir -p "$into.tmp"
  # The btrfs, devmapper and zfs snapshotters need C libraries; overlayfs is what the node uses.
  CGO_ENABLED=0 GOBIN="$into.tmp" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
    -tags "no_btrfs no_devmapper no_zfs" "${@/%/@$version}"
  mv "$into.tmp" "$into"
  say "built in $((SECONDS - started)) s"
}

build() {
  mkdir -p "$cache/bin"
  build_kubernetes
  build_etcd
  go_install "$containerd_bin" "$CONTAINERD_VERSION" github.com/containerd/containerd/v2/cmd/containerd \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/ctr
  go_install "$cni_bin" "$CNI_PLUGINS_VERSION" github.com/containernetworking/plugins/plugins/main/bridge \
    github.com/containernetworking/plugins/plugins/main/loopback github.com/containernetworking/plugins/plugins/ipam/host-local
  go_install "$helm_bin" "$HELM_VERSION" helm.sh/helm/v4/cmd/helm
  bash "$repo/scripts/kube-local/images.sh" "$cache" "$cache/image-archives"
}

api() { # METHOD PATH [BODY]: a request as the admin; prints the answer, fails on an HTTP error
  # The token goes in a header file, never on a command line (which every user can read).
  curl -sS --fail-with-body --cacert "$dir/certs/ca.crt" -H "@$dir/admin-header" \
    -H 'Content-Type: application/yaml' -X "$1" "https://$node_ip:$port$2" ${3:+--data-binary "$3"}
}

ctr_() { "$containerd_bin/ctr" --address "$dir/containerd/containerd.sock" "$@"; }

kubeconfig() { # FILE USER TOKEN [NAMESPACE]
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: kube-local
    cluster:
      server: https://$node_ip:$port
      certificate-authority: $dir/certs/ca.crt
users:
  - name: $2
    user:
      token: $3
contexts:
  - name: $2
    context: { cluster: kube-local, user: $2, namespace: ${4:-mcp} }
current-context: $2
YAML
  chmod 600 "$1"
}

certificates() {
  local c=$dir/certs
  mkdir -p "$c"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$c/ca.key" -out "$c/ca.crt" -subj "/CN=kube-local-ca" 2>/dev/null
  sign() { # NAME SUBJECT EXTENSIONS: a certificate for one use (server or client), from the CA
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$c/$1.key" \
      -out "$c/$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$c/$1.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial -days 30 \
      -out "$c/$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
    rm "$c/$1.csr"
  }
  sign apiserver /CN=kube-apiserver "extendedKeyUsage=serverAuth
subjectAltName=IP:$node_ip,IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes.default.svc"
  sign kubelet "/CN=system:node:$node" "extendedKeyUsage=serverAuth
subjectAltName=IP:$node_ip"
  # How the API server proves itself to the kubelet (for logs and attach): the only client
  # certificate this CA signs, which is why the kubelet lets its holder do anything.
  sign apiserver-kubelet-client /CN=kube-apiserver-kubelet-client extendedKeyUsage=clientAuth
  rm "$c/ca.key"
}

wait_for() { # WHAT SECONDS COMMAND...: until the command succeeds
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq 1 $((seconds * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  say "$what did not come up in $seconds s"
  return 1
}

start_control_plane() {
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/admin-token"
  echo "Authorization: Bearer $(cat "$dir/admin-token")" >"$dir/admin-header"
  {
    echo "$(cat "$dir/admin-token"),kube-local-admin,kube-local-admin,system:masters"
    # The scheduler and controller manager act with the rights the default RBAC gives their users.
    local user token
    for user in system:kube-scheduler system:kube-controller-manager system:kube-proxy "system:node:$node"; do
      token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
      case "$user" in
        system:node:*) echo "$token,$user,$user,system:nodes" ;;
        *) echo "$token,$user,$user" ;;
      esac
      kubeconfig "$dir/${user##*:}.kubeconfig" "$user" "$token" default
    done
  } >"$dir/tokens.csv"
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null

  say "starting etcd on 127.0.0.1:$etcd_client"
  "$etcd" --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  say "starting kube-apiserver on https://$node_ip:$port"
  "$k8s_bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_client" --bind-address "$node_ip" \
    --advertise-address "$node_ip" --secure-port "$port" \
    --tls-cert-file "$dir/certs/apiserver.crt" --tls-private-key-file "$dir/certs/apiserver.key" \
    --client-ca-file "$dir/certs/ca.crt" --token-auth-file "$dir/tokens.csv" --authorization-mode Node,RBAC \
    --kubelet-client-certificate "$dir/certs/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$dir/certs/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$dir/certs/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range "$service_subnet" \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,ResourceQuota,NodeRestriction,DenyServiceExternalIPs \
    >"$dir/apiserver.log" 2>&1 &
  echo $! >"$dir/apiserver.pid"
  wait_for kube-apiserver 60 api GET /readyz || { tail -20 "$dir/apiserver.log"; exit 1; }

  say "starting kube-scheduler and kube-controller-manager"
  "$k8s_bin/kube-scheduler" --kubeconfig "$dir/kube-scheduler.kubeconfig" --secure-port 0 \
    --leader-elect=false >"$dir/scheduler.log" 2>&1 &
  echo $! >"$dir/scheduler.pid"
  "$k8s_bin/kube-controller-manager" --kubeconfig "$dir/kube-controller-manager.kubeconfig" --secure-port 0 \
    --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$dir/sa.key" --root-ca-file "$dir/certs/ca.crt" \
    >"$dir/controller-manager.log" 2>&1 &
  echo $! >"$dir/controller-manager.pid"
}

network() {
  ip link add "$bridge" type bridge
  ip address add "$node_ip/24" dev "$bridge"
  ip link set "$bridge" up
  # Pods may reach this machine only on the API server's port (and KUBE_LOCAL_HOST_PORTS), and
  # nothing they send is forwarded off it, whatever the machine's forwarding says.
  local ports
  ports=$(echo "$port ${KUBE_LOCAL_HOST_PORTS:-}" | xargs | tr ' ' ',')
  nft -f - <<NFT
table inet kube-local {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "$bridge" ct state established,related accept
    iifname "$bridge" tcp dport { $ports } accept
    iifname "$bridge" drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "$bridge" oifname != "$bridge" drop
    iifname != "$bridge" oifname "$bridge" drop
  }
}
NFT
}

start_node() {
  mkdir -p "$dir/containerd" "$dir/cni" "$dir/kubelet"
  # Pods share one bridge on a private subnet, with a route to the Services' addresses (which
  # kube-proxy translates) and no other: they reach only this machine, and nothing is masqueraded.
  cat >"$dir/cni/10-kube-local.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "kube-local",
  "plugins": [
    {
      "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "ranges": [[{ "subnet": "$pod_subnet" }]], "dataDir": "$dir/cni/ipam",
        "routes": [{ "dst": "$service_subnet" }]
      }
    }
  ]
}
JSON
  cat >"$dir/containerd/config.toml" <<TOML
version = 3
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$dir/containerd/containerd.sock"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$dir/containerd/registries"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "docker.io/kube-local/pause:3.10"
[plugins.'io.containerd.cri.v1.runtime']
  # Lowering a process's OOM score needs CAP_SYS_RESOURCE, which some machines (and containers)
  # lack even as root: containers get their score clamped instead of failing to start.
  restrict_oom_score_adj = true
  # Pods' network namespaces under the state directory, so that down finds and releases them.
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$runc"
        Root = "$dir/containerd/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$cni_bin"]
    conf_dir = "$dir/cni"
TOML
  # Pods use the images imported here. An image that was not is refused on this machine (every
  # registry is a closed local port) instead of being pulled from the internet.
  mkdir -p "$dir/containerd/registries/_default"
  echo 'server = "http://127.0.0.1:9"' >"$dir/containerd/registries/_default/hosts.toml"
  say "starting containerd $CONTAINERD_VERSION"
  PATH="$containerd_bin:$PATH" "$containerd_bin/containerd" --config "$dir/containerd/config.toml" \
    >"$dir/containerd.log" 2>&1 &
  echo $! >"$dir/containerd.pid"
  wait_for containerd 30 ctr_ version || { tail -20 "$dir/containerd.log"; exit 1; }
  say "importing the images built here (pause, the MCP server base image and its test variant)"
  local image
  for image in "$cache/image-archives"/*.tar; do
    # One archive per call: ctr imports only the first of several.
    ctr_ -n k8s.io images import "$image" >"$dir/import.log" 2>&1 || { cat "$dir/import.log"; exit 1; }
  done

  cat >"$dir/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $dir/certs/ca.crt }
# Only the API server holds a certificate from this cluster's CA.
authorization: { mode: AlwaysAllow }
tlsCertFile: $dir/certs/kubelet.crt
tlsPrivateKeyFile: $dir/certs/kubelet.key
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
cgroupDriver: cgroupfs
# Kubernetes 1.35 refuses cgroup v1 by default; this machine may have nothing else.
failCgroupV1: false
failSwapOn: false
# Locally imported images must stay: nothing can pull them again.
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1% }
maxPods: 40
YAML
  # The kubelet sets these kernel settings as a node wants them; `down` puts them back.
  sysctl -e "${kubelet_sysctls[@]}" >"$dir/sysctl.saved"
  say "starting kubelet on $node_ip:$kubelet_port (node $node)"
  PATH="$containerd_bin:$PATH" "$k8s_bin/kubelet" --config "$dir/kubelet/config.yaml" \
    --kubeconfig "$dir/$node.kubeconfig" --root-dir "$dir/kubelet/root" --hostname-override "$node" \
    --node-ip "$node_ip" >"$dir/kubelet.log" 2>&1 &
  echo $! >"$dir/kubelet.pid"
  node_ready() {
    api GET "/api/v1/nodes/$node" | python3 -c 'import json, sys
sys.exit(not any(c["type"] == "Ready" and c["status"] == "True" for c in json.load(sys.stdin)["status"]["conditions"]))'
  }
  wait_for "the node" 120 node_ready || { tail -30 "$dir/kubelet.log"; exit 1; }
  say "node $node is Ready"

  # Services: ClusterIPs, the `kubernetes` one included, through nftables rules.
  say "starting kube-proxy (nftables)"
  "$k8s_bin/kube-proxy" --kubeconfig "$dir/kube-proxy.kubeconfig" --proxy-mode nftables \
    --cluster-cidr "$pod_subnet" --hostname-override "$node" \
    --healthz-bind-address "127.0.0.1:$proxy_healthz" --metrics-bind-address "127.0.0.1:$proxy_metrics" \
    >"$dir/kube-proxy.log" 2>&1 &
  echo $! >"$dir/kube-proxy.pid"
  wait_for kube-proxy 30 curl -sf "http://127.0.0.1:$proxy_healthz/healthz" || { tail -20 "$dir/kube-proxy.log"; exit 1; }
}

up() {
  [ "$(id -u)" = 0 ] || { echo "kube-local runs a kubelet and containerd: run it as root" >&2; exit 1; }
  [ -n "$runc" ] || { echo "runc is missing (Debian: apt-get install runc)" >&2; exit 1; }
  command -v nft >/dev/null || { echo "nft is missing (Debian: apt-get install nftables)" >&2; exit 1; }
  build
  # Up means up to the end (the app's kubeconfig is written last) with every part still running.
  if [ -f "$dir/app.kubeconfig" ] && all_running; then
    say "already up: $dir/admin.kubeconfig"
    return
  fi
  down >/dev/null 2>&1 || true
  # Tokens, keys and kubeconfigs are written here: none of it for other users. (Not by a umask:
  # containerd and the kubelet would pass it on to the images' and pods' files.)
  mkdir -p "$dir"
  chmod 700 "$dir"
  touch "$dir/.kube-local"
  certificates
  network
  start_control_plane
  start_node

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
  # Pods need their namespace's default ServiceAccount, which the controller manager makes.
  wait_for "the default ServiceAccount" 30 api GET /api/v1/namespaces/mcp/serviceaccounts/default
  kubeconfig "$dir/admin.kubeconfig" kube-local-admin "$(cat "$dir/admin-token")"
  kubeconfig "$dir/app.kubeconfig" mcp-orchestrator "$token"
  say "up: $dir/admin.kubeconfig (admin), $dir/app.kubeconfig (the app's ServiceAccount)"
}

parts=(kube-proxy kubelet containerd controller-manager scheduler apiserver etcd)

ours() { # NAME: the pid in NAME.pid, if that process is one of ours (a pid file may outlive it)
  [ -f "$dir/$1.pid" ] || return 1
  local pid
  pid=$(cat "$dir/$1.pid")
  case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in
    "$cache/bin/"*) echo "$pid" ;;
    *) return 1 ;;
  esac
}

all_running() {
  local name
  for name in "${parts[@]}"; do ours "$name" >/dev/null || return 1; done
}

stop() { # NAME: the process whose pid file is NAME.pid, waiting for it to end
  local pid
  pid=$(ours "$1") || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
}

down() {
  # The kubelet first, then every container and sandbox it left (each with its shim), then containerd.
  stop kube-proxy
  stop kubelet
  if [ -S "$dir/containerd/containerd.sock" ]; then
    local id
    for id in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do
      ctr_ -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(ctr_ -n k8s.io containers ls -q 2>/dev/null); do
      ctr_ -n k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true
      ctr_ -n k8s.io containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  for name in containerd controller-manager scheduler apiserver etcd; do stop "$name"; done
  pkill -f "containerd-shim-runc-v2 .*-address $dir/" 2>/dev/null || true
  # What is still mounted under the state directory (container root filesystems, network namespaces).
  if [ -d "$dir" ]; then
    awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
  fi
  ip link delete "$bridge" 2>/dev/null || true
  for table in "ip kube-proxy" "ip6 kube-proxy" "inet kube-local"; do
    # shellcheck disable=SC2086 # a family and a name
    nft delete table $table 2>/dev/null || true
  done
  rm -f /var/lib/cni/results/kube-local-*
  # The pods' cgroups (empty once their processes are gone) and the kernel settings as they were.
  find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} + 2>/dev/null || true
  [ ! -f "$dir/sysctl.saved" ] || sysctl -q -p "$dir/sysctl.saved" >/dev/null 2>&1 || true
  # Only a directory this script made: KUBE_LOCAL_DIR may name anything.
  if [ -f "$dir/.kube-local" ]; then
    rm -rf --one-file-system "$dir"
  fi
  say "down"
}

env_() {
  if [ ! -f "$dir/app.kubeconfig" ]; then
    echo "kube-local is not up (scripts/kube-local.sh up)" >&2
    exit 1
  fi
  echo "export TEST_KUBE_ADMIN_KUBECONFIG=$dir/admin.kubeconfig"
  echo "export TEST_KUBE_APP_KUBECONFIG=$dir/app.kubeconfig"
  # The Kubernetes runtime's suite on this cluster, as the app's ServiceAccount, with the image whose
  # npm cache holds the test servers (pods reach no registry).
  echo "export TEST_KUBECONFIG=$dir/app.kubeconfig TEST_K8S_NAMESPACE=mcp TEST_K8S_BASE_IMAGE=$test_image TEST_KUBE_LOCAL=1"
  # Helm, for the chart's test; the node's address, where pods reach this machine's services.
  echo "export TEST_HELM=$helm_bin/helm TEST_KUBE_NODE_IP=$node_ip"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_ ;;
  build) build ;;
  ctr)
    shift
    ctr_ "$@"
    ;;
  app-image)
    bash "$repo/scripts/kube-local/images.sh" "$cache" "$cache/image-archives/app" "$repo"
    say "importing mcp-orchestrator:local"
    ctr_ -n k8s.io images import "$cache/image-archives/app/mcp-orchestrator.tar" >"$dir/import.log" 2>&1 ||
      { cat "$dir/import.log"; exit 1; }
    ;;
  *)
    echo "usage: scripts/kube-local.sh up|env|down|build|app-image|ctr ..." >&2
    exit 2
    ;;
esac
