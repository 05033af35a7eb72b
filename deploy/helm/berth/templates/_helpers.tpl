{{/* Names and labels. */}}
{{- define "berth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "berth.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "berth.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "berth.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "berth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "berth.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "berth.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "berth.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "berth.embedded" -}}
{{- if eq .Values.mode "embedded" -}}true{{- else if eq .Values.mode "production" -}}{{- else -}}
{{- fail (printf "mode must be \"production\" or \"embedded\", not %q" (toString .Values.mode)) -}}
{{- end -}}
{{- end -}}

{{/* Where the data directory is mounted (dataDir in the ConfigMap). */}}
{{- define "berth.dataDir" -}}/var/lib/berth{{- end -}}

{{/* Seconds a registry pod may take to stop: preStop sleep, Berth's delay, its grace, and 5 s to close. */}}
{{- define "berth.registryTerminationSeconds" -}}
{{- add (mul 2 (int .Values.shutdown.delaySeconds)) (int .Values.shutdown.graceSeconds) 5 -}}
{{- end -}}

{{/*
Berth's YAML configuration: the values' `config` with the settings the chart owns laid over it.
*/}}
{{- define "berth.config" -}}
{{- $owned := dict
  "server" (dict "host" "0.0.0.0" "port" 5000 "shutdownDelaySeconds" (int .Values.shutdown.delaySeconds) "shutdownGraceSeconds" (int .Values.shutdown.graceSeconds))
  "dataDir" (include "berth.dataDir" .)
  "jobs" (dict "workerPort" 5001) -}}
{{- if include "berth.embedded" . -}}
{{- $_ := set $owned "storage" (dict "driver" "fs") -}}
{{- else -}}
{{- if not .Values.s3.bucket -}}{{- fail "production mode needs s3.bucket (or mode: embedded)" -}}{{- end -}}
{{- $s3 := dict "bucket" .Values.s3.bucket "region" .Values.s3.region "forcePathStyle" .Values.s3.forcePathStyle "redirect" .Values.s3.redirect -}}
{{- if .Values.s3.endpoint -}}{{- $_ := set $s3 "endpoint" .Values.s3.endpoint -}}{{- end -}}
{{- if .Values.s3.prefix -}}{{- $_ := set $s3 "prefix" .Values.s3.prefix -}}{{- end -}}
{{- $_ := set $owned "storage" (dict "driver" "s3" "s3" $s3) -}}
{{- end -}}
{{- $config := mustMergeOverwrite (deepCopy (default (dict) .Values.config)) $owned -}}
{{- toYaml $config -}}
{{- end -}}

{{/* An env entry read from a Secret. Arguments: list name secretName key. */}}
{{- define "berth.secretEnv" -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ index . 1 }}
      key: {{ index . 2 }}
{{- end -}}

{{/* The environment both the registry and the worker get: the config file and every secret. */}}
{{- define "berth.env" -}}
{{- $fullname := include "berth.fullname" . -}}
- name: BERTH_CONFIG
  value: /etc/berth/berth.yaml
{{ include "berth.secretEnv" (list "BERTH_SECRETS__KEY" (default $fullname .Values.secrets.existingSecret) .Values.secrets.secretsKeyKey) }}
{{ include "berth.secretEnv" (list "BERTH_ADMIN_PASSWORD" (default $fullname .Values.secrets.existingSecret) .Values.secrets.adminPasswordKey) }}
{{- if not (include "berth.embedded" .) }}
{{- if .Values.postgresql.existingSecret }}
{{ include "berth.secretEnv" (list "DATABASE_URL" .Values.postgresql.existingSecret .Values.postgresql.existingSecretKey) }}
{{- else if .Values.postgresql.url }}
{{ include "berth.secretEnv" (list "DATABASE_URL" $fullname "database-url") }}
{{- else }}
{{- fail "production mode needs postgresql.existingSecret (or postgresql.url)" }}
{{- end }}
{{- if .Values.redis.existingSecret }}
{{ include "berth.secretEnv" (list "REDIS_URL" .Values.redis.existingSecret .Values.redis.existingSecretKey) }}
{{- else if .Values.redis.url }}
{{ include "berth.secretEnv" (list "REDIS_URL" $fullname "redis-url") }}
{{- else }}
{{- fail "production mode needs redis.existingSecret (or redis.url): the worker and the replicas share the job queue and fill locks there" }}
{{- end }}
{{- if .Values.s3.existingSecret }}
{{ include "berth.secretEnv" (list "BERTH_STORAGE__S3__ACCESS_KEY_ID" .Values.s3.existingSecret .Values.s3.accessKeyIdKey) }}
{{ include "berth.secretEnv" (list "BERTH_STORAGE__S3__SECRET_ACCESS_KEY" .Values.s3.existingSecret .Values.s3.secretAccessKeyKey) }}
{{- else if or .Values.s3.accessKeyId .Values.s3.secretAccessKey }}
{{- if not (and .Values.s3.accessKeyId .Values.s3.secretAccessKey) }}{{ fail "give both s3.accessKeyId and s3.secretAccessKey, or neither" }}{{ end }}
{{ include "berth.secretEnv" (list "BERTH_STORAGE__S3__ACCESS_KEY_ID" $fullname "s3-access-key-id") }}
{{ include "berth.secretEnv" (list "BERTH_STORAGE__S3__SECRET_ACCESS_KEY" $fullname "s3-secret-access-key") }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod and container security: non-root, read-only root filesystem, no capabilities. */}}
{{- define "berth.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "berth.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Volumes of a Berth pod: the configuration, /tmp, and the data directory. */}}
{{- define "berth.volumes" -}}
- name: config
  configMap:
    name: {{ include "berth.fullname" . }}
- name: tmp
  emptyDir: {}
- name: data
{{- if include "berth.embedded" . }}
  persistentVolumeClaim:
    claimName: {{ default (include "berth.fullname" .) .Values.persistence.existingClaim }}
{{- else }}
  emptyDir:
    sizeLimit: {{ .Values.persistence.spoolSizeLimit }}
{{- end }}
{{- end -}}

{{- define "berth.volumeMounts" -}}
- name: config
  mountPath: /etc/berth
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: {{ include "berth.dataDir" . }}
{{- end -}}

{{/*
Node mirror: the URL the nodes reach Berth at, and its host[:port] (registries.conf has no scheme).
*/}}
{{- define "berth.nodeMirror.endpoint" -}}
{{- if .Values.nodeMirror.endpoint -}}
{{- trimSuffix "/" .Values.nodeMirror.endpoint -}}
{{- else if .Values.service.clusterIP -}}
{{- printf "http://%s:%d" .Values.service.clusterIP (int .Values.service.port) -}}
{{- else -}}
{{- fail "nodeMirror.enabled needs nodeMirror.endpoint or service.clusterIP: a node's containerd resolves names with the node's DNS, not the cluster's" -}}
{{- end -}}
{{- end -}}

{{/* The ns hosts of the proxy projects in `config`, as a YAML list of {host, project}. */}}
{{- define "berth.nodeMirror.hosts" -}}
{{- $hosts := list -}}
{{- range (default (list) .Values.config.projects) -}}
{{- if eq (toString .kind) "proxy" -}}
{{- $project := .name -}}
{{- range (default (list) .ns) -}}
{{- $hosts = append $hosts (dict "host" . "project" $project) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $hosts -}}
{{- end -}}
