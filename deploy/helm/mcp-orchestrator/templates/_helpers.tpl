{{- define "mcp-orchestrator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Truncated at 63 characters: some name fields are limited to a DNS label. */}}
{{- define "mcp-orchestrator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mcp-orchestrator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcp-orchestrator.labels" -}}
helm.sh/chart: {{ include "mcp-orchestrator.chart" . }}
{{ include "mcp-orchestrator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mcp-orchestrator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcp-orchestrator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mcp-orchestrator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mcp-orchestrator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mcp-orchestrator.mcpNamespace" -}}
{{- default .Release.Namespace .Values.mcpNamespace }}
{{- end }}

{{- define "mcp-orchestrator.secretName" -}}
{{- default (include "mcp-orchestrator.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
Checks the schema cannot express. Messages never repeat a secret's value.
*/}}
{{- define "mcp-orchestrator.validate" -}}
{{- $s := .Values.secrets }}
{{- $given := list }}
{{- range $key := list "databaseUrl" "encryptionKeys" "authSecret" }}
{{- if get $s $key }}{{ $given = append $given $key }}{{ end }}
{{- end }}
{{- if and .Values.existingSecret $given }}
{{- fail (printf "mcp-orchestrator: set either existingSecret (%s) or secrets.* (%s), not both" .Values.existingSecret (join ", " $given)) }}
{{- end }}
{{- if and (not .Values.existingSecret) (not $given) }}
{{- fail "mcp-orchestrator: no database URL or keys given. Set existingSecret to the name of a Secret holding DATABASE_URL, ARCHESTRA_ENCRYPTION_KEYS and ARCHESTRA_AUTH_SECRET, or set secrets.databaseUrl, secrets.encryptionKeys and secrets.authSecret for the chart to create one" }}
{{- end }}
{{- if $given }}
{{- range $key := list "databaseUrl" "encryptionKeys" "authSecret" }}
{{- if not (get $s $key) }}
{{- fail (printf "mcp-orchestrator: secrets.%s is required too: the chart's Secret needs secrets.databaseUrl, secrets.encryptionKeys and secrets.authSecret (or use existingSecret)" $key) }}
{{- end }}
{{- end }}
{{- if not (regexMatch "^postgres(ql)?://" $s.databaseUrl) }}
{{- fail "mcp-orchestrator: secrets.databaseUrl must start with postgres:// or postgresql://" }}
{{- end }}
{{- if lt (len $s.authSecret) 32 }}
{{- fail "mcp-orchestrator: secrets.authSecret must be at least 32 characters (openssl rand -base64 32)" }}
{{- end }}
{{- end }}
{{- if eq (int .Values.containerPorts.http) (int .Values.containerPorts.internal) }}
{{- fail "mcp-orchestrator: containerPorts.internal must differ from containerPorts.http: the internal port is never public" }}
{{- end }}
{{- end }}
