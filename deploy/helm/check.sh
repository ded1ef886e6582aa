#!/usr/bin/env bash
# Checks the mcp-orchestrator chart: lint, renderings of several values combinations, the cases
# that must fail and, given a kubeconfig, dry runs against that cluster (nothing is created).
# Usage: deploy/helm/check.sh HELM_BINARY [KUBECONFIG]
# The cluster part also needs curl, jq and yq (the jq wrapper for YAML).
set -euo pipefail

helm=${1:?usage: $0 HELM_BINARY [KUBECONFIG]}
kubeconfig=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
chart=$here/mcp-orchestrator
rbac=$here/../kubernetes/rbac.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

ok() { echo "ok   $*"; }
bad() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: runs COMMAND, records the outcome.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
# The documents of one kind in a multi-document YAML file.
docs() { awk -v kind="kind: $1" 'BEGIN { RS = "\n---\n" } $0 ~ "(^|\n)" kind "(\n|$)" { print; print "---" }' "$2"; }
has() { grep -qE -- "$1"; }
hasnt() { ! grep -qE -- "$1"; }
count() { [ "$(grep -cE -- "$1")" -eq "$2" ]; }
# has_all REGEX...: stdin matches every one.
has_all() {
  local d p
  d=$(cat)
  for p in "$@"; do grep -qE -- "$p" <<<"$d" || return 1; done
}

secrets=(--set secrets.databaseUrl=postgres://app:pw@postgres:5432/app
  --set secrets.encryptionKeys=1:c2VjcmV0LWtleS1mb3ItdGhlLWNoZWNrLW9ubHktMzI=
  --set secrets.authSecret=check-only-auth-secret-of-32-chars-at-least)

# render NAME NAMESPACE HELM_ARGS...: helm template into $work/NAME.yaml.
render() {
  local name=$1 namespace=$2
  shift 2
  if "$helm" template helm-check "$chart" --namespace "$namespace" "$@" >"$work/$name.yaml" 2>"$work/$name.err"; then
    ok "renders: $name"
  else
    bad "renders: $name: $(cat "$work/$name.err")"
    return 1
  fi
}

# must_fail NAME MESSAGE HELM_ARGS...: helm template exits non-zero and says MESSAGE.
must_fail() {
  local name=$1 message=$2
  shift 2
  if "$helm" template helm-check "$chart" --namespace mcp "$@" >/dev/null 2>"$work/$name.err"; then
    bad "fails: $name: rendered without error"
  elif grep -qF -- "$message" "$work/$name.err"; then
    ok "fails: $name: \"$message\""
  else
    bad "fails: $name: expected \"$message\", got: $(cat "$work/$name.err")"
  fi
}

echo "== lint"
for args in "--set existingSecret=mcp-orchestrator" "${secrets[*]}"; do
  # shellcheck disable=SC2086 # the arguments are meant to split
  if out=$("$helm" lint --strict "$chart" $args 2>&1); then ok "lint --strict $args"; else bad "lint --strict $args: $out"; fi
done

echo "== existingSecret, release namespace = MCP namespace (mcp)"
if render existing mcp --set existingSecret=mcp-orchestrator; then
  f=$work/existing.yaml
  check "no Secret is created" hasnt '^kind: Secret$' <"$f"
  check "the pods read the existing Secret" has '^ +name: mcp-orchestrator$' < <(docs Deployment "$f" | grep -A1 'secretRef:')
  check "no Namespace is created" hasnt '^kind: Namespace$' <"$f"
  check "the Role is in the MCP namespace" has '^  namespace: mcp$' < <(docs Role "$f")
  check "the RoleBinding is in the MCP namespace, for the app's ServiceAccount" \
    has '^    name: helm-check-mcp-orchestrator$' < <(docs RoleBinding "$f" | grep -A2 '^  - kind: ServiceAccount')
  check "the Role's rules are deploy/kubernetes/rbac.yaml's" \
    diff <(docs Role "$rbac" | sed -n '/^rules:/,/^---/{/^$/d;p;}') <(docs Role "$f" | sed -n '/^rules:/,/^---/{/^$/d;p;}')
  check "no ClusterRole or ClusterRoleBinding" hasnt '^kind: Cluster' <"$f"
  check "ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE is the MCP namespace" \
    has 'value: "mcp"' < <(grep -A1 'name: ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE$' "$f")
  check "loads the kubeconfig from the cluster" \
    has 'value: "true"' < <(grep -A1 'name: ARCHESTRA_ORCHESTRATOR_LOAD_KUBECONFIG_FROM_CURRENT_CLUSTER$' "$f")
  check "replicas reach each other on the internal port" has 'value: "http://\$\(POD_IP\):3001"' < <(grep -A1 'name: ARCHESTRA_REPLICA_URL$' "$f")
  check "2 replicas" has '^  replicas: 2$' <"$f"
  check "readiness probe /api/ready" has 'path: /api/ready' < <(docs Deployment "$f" | grep -A2 'readinessProbe:')
  check "liveness probe /api/health" has 'path: /api/health' < <(docs Deployment "$f" | grep -A2 'livenessProbe:')
  check "restricted: runAsNonRoot, RuntimeDefault, no privilege escalation, drop ALL" \
    has_all 'runAsNonRoot: true' 'type: RuntimeDefault' 'allowPrivilegeEscalation: false' '- ALL$' < <(docs Deployment "$f")
  check "the Service targets the http port" has 'targetPort: http$' < <(docs Service "$f")
  check "the Service does not expose the internal port" hasnt 'internal|3001' < <(docs Service "$f" | grep -v '^ *#')
  check "two NetworkPolicies, the MCP pods' in the MCP namespace" count '^kind: NetworkPolicy$' 2 <"$f"
  check "the MCP pods take connections from the app's pods only" \
    has '^              app.kubernetes.io/instance: helm-check$' < <(docs NetworkPolicy "$f" | grep -A30 'app.kubernetes.io/name: mcp-server$')
  check "no Ingress by default" hasnt '^kind: Ingress$' <"$f"
  check "standard labels" has_all 'helm.sh/chart: mcp-orchestrator-0.1.0$' 'app.kubernetes.io/managed-by: Helm$' \
    'app.kubernetes.io/version: "0.1.0"$' <"$f"
fi

echo "== chart-made Secret"
if render made mcp "${secrets[@]}"; then
  f=$work/made.yaml
  check "one Secret" count '^kind: Secret$' 1 <"$f"
  check "it holds DATABASE_URL, ARCHESTRA_ENCRYPTION_KEYS and ARCHESTRA_AUTH_SECRET" \
    has_all '^  DATABASE_URL: ' '^  ARCHESTRA_ENCRYPTION_KEYS: ' '^  ARCHESTRA_AUTH_SECRET: ' < <(docs Secret "$f")
  check "the pods read it" has 'name: helm-check-mcp-orchestrator$' < <(docs Deployment "$f" | grep -A1 'secretRef:')
  check "the pods restart when it changes" has 'checksum/secret: [0-9a-f]{64}$' < <(docs Deployment "$f")
fi

echo "== MCP namespace apart from the release's (apps -> mcp-servers), created by the chart"
if render apart apps "${secrets[@]}" --set mcpNamespace=mcp-servers --set createMcpNamespace=true; then
  f=$work/apart.yaml
  check "the MCP namespace is created with Pod Security restricted enforced" \
    has_all '^  name: mcp-servers$' 'pod-security.kubernetes.io/enforce: restricted$' < <(docs Namespace "$f")
  check "the Role is in the MCP namespace" has '^  namespace: mcp-servers$' < <(docs Role "$f")
  check "the RoleBinding is there too, for the ServiceAccount of the release namespace" \
    has_all '^  namespace: mcp-servers$' '^    namespace: apps$' < <(docs RoleBinding "$f")
  check "the ServiceAccount, Deployment, Service and Secret are in the release namespace" \
    count '^  namespace: apps$' 4 < <(docs ServiceAccount "$f"; docs Deployment "$f"; docs Service "$f"; docs Secret "$f")
  check "ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE is mcp-servers" \
    has 'value: "mcp-servers"' < <(grep -A1 'name: ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE$' "$f")
  check "the MCP pods' NetworkPolicy admits the app's pods from the release namespace" \
    has 'kubernetes.io/metadata.name: apps$' < <(docs NetworkPolicy "$f" | grep -A30 'app.kubernetes.io/name: mcp-server$')
fi
if render apart-nocreate apps "${secrets[@]}" --set mcpNamespace=mcp-servers; then
  check "createMcpNamespace=false: no Namespace" hasnt '^kind: Namespace$' <"$work/apart-nocreate.yaml"
fi
if render same-create mcp "${secrets[@]}" --set mcpNamespace=mcp --set createMcpNamespace=true; then
  check "createMcpNamespace with the release namespace: no Namespace" hasnt '^kind: Namespace$' <"$work/same-create.yaml"
fi

echo "== networkPolicy.enabled=false"
if render nonetpol mcp --set existingSecret=mcp-orchestrator --set networkPolicy.enabled=false; then
  check "no NetworkPolicy" hasnt '^kind: NetworkPolicy$' <"$work/nonetpol.yaml"
fi

echo "== ingress"
if render ingress mcp --set existingSecret=mcp-orchestrator --set ingress.enabled=true --set ingress.className=nginx \
  --set 'ingress.tls[0].secretName=mcp-tls' --set 'ingress.tls[0].hosts[0]=mcp.example.com' --set publicUrl=https://mcp.example.com; then
  f=$work/ingress.yaml
  check "an Ingress for mcp.example.com, with TLS, to the Service's http port" \
    has_all 'host: "mcp.example.com"' 'ingressClassName: nginx' 'secretName: mcp-tls' \
    'name: helm-check-mcp-orchestrator$' '^ +name: http$' < <(docs Ingress "$f")
  check "ARCHESTRA_PUBLIC_URL" has 'value: "https://mcp.example.com"' < <(grep -A1 'name: ARCHESTRA_PUBLIC_URL$' "$f")
fi

echo "== what must fail"
must_fail neither "no database URL or keys given. Set existingSecret"
must_fail both "set either existingSecret" --set existingSecret=mcp-orchestrator "${secrets[@]}"
must_fail partial "secrets.encryptionKeys is required too" --set secrets.databaseUrl=postgres://h/db --set secrets.authSecret=check-only-auth-secret-of-32-chars-at-least
must_fail short-auth-secret "secrets.authSecret must be at least 32 characters" \
  --set secrets.databaseUrl=postgres://h/db --set secrets.encryptionKeys=k --set secrets.authSecret=tooshort-value
check "the error does not repeat the secret" hasnt 'tooshort-value' <"$work/short-auth-secret.err"
must_fail not-postgres "secrets.databaseUrl must start with postgres://" \
  --set secrets.databaseUrl=mysql://h/db --set secrets.encryptionKeys=k --set secrets.authSecret=check-only-auth-secret-of-32-chars-at-least
must_fail same-ports "containerPorts.internal must differ" --set existingSecret=x --set containerPorts.internal=3000
must_fail schema-type "at '/replicaCount': got string, want integer" --set existingSecret=x --set replicaCount=two
must_fail schema-namespace "/mcpNamespace" --set existingSecret=x --set mcpNamespace=Not_A_Namespace
must_fail schema-typo "additional properties 'replicas' not allowed" --set existingSecret=x --set replicas=3

# connect: reads $kubeconfig's current context into $server and the curl options ${tls[@]} and
# ${auth[@]} (a token, or a client certificate). The token goes in a file, not on a command line.
# shellcheck disable=SC2016 # jq filters name jq variables ($c, $u) in single quotes
connect() {
  local ctx cluster user kdir ca ca_data
  kc() { yq -r "$@" "$kubeconfig"; }
  # A kubeconfig's relative paths are relative to the kubeconfig itself.
  kdir=$(dirname "$kubeconfig")
  path_of() { case $1 in /*) echo "$1" ;; *) echo "$kdir/$1" ;; esac }
  ctx=$(kc '."current-context"')
  cluster=$(kc --arg c "$ctx" '.contexts[] | select(.name == $c) | .context.cluster')
  user=$(kc --arg c "$ctx" '.contexts[] | select(.name == $c) | .context.user')
  c() { kc --arg c "$cluster" ".clusters[] | select(.name == \$c) | .cluster[\"$1\"] // empty"; }
  u() { kc --arg u "$user" ".users[] | select(.name == \$u) | .user[\"$1\"] // empty"; }
  server=$(c server)
  ca=$(c certificate-authority)
  ca_data=$(c certificate-authority-data)
  tls=()
  if [ -n "$ca_data" ]; then
    base64 -d <<<"$ca_data" >"$work/ca.crt"
    tls+=(--cacert "$work/ca.crt")
  elif [ -n "$ca" ]; then
    tls+=(--cacert "$(path_of "$ca")")
  elif [ "$(c insecure-skip-tls-verify)" = true ]; then
    tls+=(--insecure)
  fi
  auth=()
  if [ -n "$(u token)" ]; then
    (umask 077 && printf 'Authorization: Bearer %s\n' "$(u token)" >"$work/auth")
    auth+=(-H "@$work/auth")
  elif [ -n "$(u tokenFile)" ]; then
    (umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$(path_of "$(u tokenFile)")")" >"$work/auth")
    auth+=(-H "@$work/auth")
  fi
  if [ -n "$(u client-certificate-data)" ]; then
    base64 -d <<<"$(u client-certificate-data)" >"$work/client.crt"
    (umask 077 && base64 -d <<<"$(u client-key-data)" >"$work/client.key")
    auth+=(--cert "$work/client.crt" --key "$work/client.key")
  elif [ -n "$(u client-certificate)" ]; then
    auth+=(--cert "$(path_of "$(u client-certificate)")" --key "$(path_of "$(u client-key)")")
  fi
}
api() { curl -sS "${tls[@]}" "${auth[@]}" "$@"; }

# dry_run OBJECT_JSON: server-side apply with dryRun=All; prints the API server's refusal, if any.
dry_run() {
  local obj=$1 kind name namespace version plural path code
  kind=$(jq -r .kind <<<"$obj")
  name=$(jq -r .metadata.name <<<"$obj")
  namespace=$(jq -r '.metadata.namespace // empty' <<<"$obj")
  version=$(jq -r .apiVersion <<<"$obj")
  case $kind in
    NetworkPolicy) plural=networkpolicies ;;
    Ingress) plural=ingresses ;;
    *) plural="$(tr '[:upper:]' '[:lower:]' <<<"$kind")s" ;;
  esac
  case $version in */*) path=/apis/$version ;; *) path=/api/$version ;; esac
  if [ -n "$namespace" ]; then path=$path/namespaces/$namespace; fi
  code=$(api -o "$work/answer" -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
    --data-binary "$obj" "$server$path/$plural/$name?dryRun=All&fieldManager=helm-check&force=true") || code=000
  if [ "$code" = 200 ] || [ "$code" = 201 ]; then return 0; fi
  echo "$kind $namespace/$name: HTTP $code $(jq -r '.message // empty' "$work/answer" 2>/dev/null || cat "$work/answer")"
  return 1
}

# A Pod from a Deployment's template, as its ReplicaSet would create it: Pod Security judges pods,
# not Deployments. Without serviceAccountName: the chart's ServiceAccount exists only in the dry run.
pod_of() {
  jq -c '{apiVersion: "v1", kind: "Pod",
    metadata: {name: (.metadata.name + "-check"), namespace: .metadata.namespace, labels: .spec.template.metadata.labels},
    spec: (.spec.template.spec | del(.serviceAccountName))}'
}

# server_dry_run DESCRIPTION FILE: every object in FILE, and the Pods of its Deployments.
server_dry_run() {
  local what=$1 file=$2 obj p problems=""
  while IFS= read -r obj; do
    [ "$obj" = null ] && continue
    if ! p=$(dry_run "$obj"); then problems+="$p; "; fi
    if [ "$(jq -r .kind <<<"$obj")" = Deployment ] && ! p=$(dry_run "$(pod_of <<<"$obj")"); then problems+="$p; "; fi
  done < <(yq -c . "$file")
  if [ -z "$problems" ]; then ok "$what"; else bad "$what: $problems"; fi
}

if [ -n "$kubeconfig" ]; then
  echo "== cluster ($kubeconfig): dry runs only, nothing is created"
  if out=$("$helm" install helm-check "$chart" --kubeconfig "$kubeconfig" --namespace mcp --dry-run=server \
    --set existingSecret=mcp-orchestrator 2>&1); then
    ok "helm install --dry-run=server --namespace mcp --set existingSecret=mcp-orchestrator"
  else
    bad "helm install --dry-run=server: $out"
  fi

  # Helm's server dry run only reads from the cluster; the API server's own (dryRun=All) also runs
  # admission: Pod Security, RBAC's escalation check, the namespaces' existence.
  missing=""
  for tool in curl jq yq; do command -v "$tool" >/dev/null || missing+=" $tool"; done
  if [ -n "$missing" ]; then
    bad "the server-side dry run needs:$missing"
  else
    connect
    # The cluster may be restarting: give it a minute.
    for _ in $(seq 1 30); do
      [ "$(api -o /dev/null -w '%{http_code}' "$server/version" 2>/dev/null)" = 200 ] && break
      sleep 2
    done
    if [ "$(api -o /dev/null -w '%{http_code}' "$server/version")" != 200 ]; then
      bad "the API server at $server answers /version"
    elif [ -s "$work/existing.yaml" ] && render cross default --set existingSecret=mcp-orchestrator --set mcpNamespace=mcp; then
      server_dry_run "server-side dry run (dryRun=All) of every object, and of the app's Pod in mcp (Pod Security restricted)" \
        "$work/existing.yaml"
      server_dry_run "server-side dry run (dryRun=All), release in default and MCP namespace mcp" "$work/cross.yaml"
      # The control: the same Pod without its securityContext must be refused, or the check above proves nothing.
      bare=$(docs Deployment "$work/existing.yaml" | yq -c 'select(. != null)' | pod_of |
        jq -c '.metadata.name += "-bare" | del(.spec.securityContext, .spec.containers[].securityContext)')
      if refusal=$(dry_run "$bare"); then
        bad "a Pod without the securityContext is refused in mcp (it was admitted)"
      elif grep -q 'violates PodSecurity "restricted' <<<"$refusal"; then
        ok "a Pod without the securityContext is refused in mcp: violates PodSecurity \"restricted\""
      else
        bad "a Pod without the securityContext is refused for Pod Security: $refusal"
      fi
    fi
  fi
fi

echo
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
