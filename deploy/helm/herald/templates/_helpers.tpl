{{/* The four services, in start order (the data plane follows the control plane). */}}
{{- define "herald.components" -}}
control ingest delivery edge
{{- end }}

{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped name; the release name alone when it already contains the chart name. */}}
{{- define "herald.fullname" -}}
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

{{/* Name of one service's objects: <fullname>-<component>. Args: (dict "root" $ "component" "x"). */}}
{{- define "herald.componentName" -}}
{{- printf "%s-%s" (include "herald.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "herald.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "herald.labels" -}}
helm.sh/chart: {{ include "herald.chart" . }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: herald
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Args: (dict "root" $ "component" "x"). */}}
{{- define "herald.componentSelectorLabels" -}}
{{ include "herald.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "herald.componentLabels" -}}
{{ include "herald.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "herald.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "herald.secretName" -}}
{{- default (printf "%s-keys" (include "herald.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "herald.kafkaTlsSecretName" -}}
{{- default (printf "%s-kafka-tls" (include "herald.fullname" .)) .Values.kafka.tls.existingSecret }}
{{- end }}

{{- define "herald.kafkaSaslSecretName" -}}
{{- default (printf "%s-kafka-sasl" (include "herald.fullname" .)) .Values.kafka.sasl.existingSecret }}
{{- end }}

{{/* librdkafka's security.protocol from the TLS and SASL switches. */}}
{{- define "herald.kafkaSecurityProtocol" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.sasl.enabled }}SASL_SSL
{{- else if .Values.kafka.sasl.enabled }}SASL_PLAINTEXT
{{- else if .Values.kafka.tls.enabled }}SSL
{{- else }}PLAINTEXT
{{- end }}
{{- end }}

{{/*
One service's TOML config file: Kafka and telemetry from the shared values, then the service's
own `config` map on top. Credentials never appear here: the SASL username and password reach the
process as environment variables (see herald.kafkaEnv). Args: (dict "root" $ "component" "x").
*/}}
{{- define "herald.configToml" -}}
{{- $v := .root.Values }}
{{- $props := dict "security.protocol" (include "herald.kafkaSecurityProtocol" .root) }}
{{- if $v.kafka.sasl.enabled }}
{{- $_ := set $props "sasl.mechanism" $v.kafka.sasl.mechanism }}
{{- end }}
{{- if $v.kafka.tls.enabled }}
{{- if or $v.kafka.tls.existingSecret $v.kafka.tls.ca }}
{{- $_ := set $props "ssl.ca.location" (printf "%s/%s" $v.kafka.tls.mountPath $v.kafka.tls.caKey) }}
{{- end }}
{{- if $v.kafka.tls.clientCert.enabled }}
{{- $_ := set $props "ssl.certificate.location" (printf "%s/%s" $v.kafka.tls.mountPath $v.kafka.tls.clientCert.certKey) }}
{{- $_ := set $props "ssl.key.location" (printf "%s/%s" $v.kafka.tls.mountPath $v.kafka.tls.clientCert.keyKey) }}
{{- end }}
{{- end }}
{{- range $key, $value := $v.kafka.properties }}
{{- $_ := set $props $key (toString $value) }}
{{- end }}
{{- $kafka := dict "bootstrap_servers" $v.kafka.bootstrapServers "client_id" (printf "%s-%s" $v.kafka.clientIdPrefix .component) "properties" $props }}
{{- $telemetry := dict "log_format" $v.telemetry.logFormat "log_filter" $v.telemetry.logFilter }}
{{- with $v.telemetry.otlpEndpoint }}
{{- $_ := set $telemetry "otlp_endpoint" . }}
{{- end }}
{{- $config := dict "kafka" $kafka "telemetry" $telemetry }}
{{- $own := index $v .component }}
{{- $merged := mergeOverwrite $config (deepCopy ($own.config | default dict)) }}
{{- include "herald.intify" $merged }}
{{- toToml $merged }}
{{- end }}

{{/*
Helm reads every number in a values file as a float, and toToml would write `7` as `7.0`, which a
Rust integer setting rejects. This turns whole floats back into integers, in place, through maps
and lists (a float setting still accepts an integer).
*/}}
{{- define "herald.intify" -}}
{{- $d := . }}
{{- range $k, $v := $d }}
{{- if and (kindIs "float64" $v) (eq $v (floor $v)) }}
{{- $_ := set $d $k (int64 $v) }}
{{- else if kindIs "map" $v }}
{{- include "herald.intify" $v }}
{{- else if kindIs "slice" $v }}
{{- $out := list }}
{{- range $item := $v }}
{{- if and (kindIs "float64" $item) (eq $item (floor $item)) }}
{{- $out = append $out (int64 $item) }}
{{- else }}
{{- if kindIs "map" $item }}
{{- include "herald.intify" $item }}
{{- end }}
{{- $out = append $out $item }}
{{- end }}
{{- end }}
{{- $_ := set $d $k $out }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment variables of one service. Args: (dict "root" $ "component" "x"). */}}
{{- define "herald.env" -}}
{{- $root := .root }}
{{- $v := .root.Values }}
{{- $c := index $v .component }}
{{- $secret := include "herald.secretName" $root }}
{{- range $name, $port := $c.ports }}
- name: HERALD_{{ upper $name }}_LISTEN
  value: {{ printf "0.0.0.0:%v" $port | quote }}
{{- end }}
- name: HERALD_SHUTDOWN_GRACE
  value: {{ $c.shutdownGrace | quote }}
- name: HERALD_DEPLOYMENT
  value: {{ $v.deployment | quote }}
- name: HERALD_INTERNAL_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $v.secrets.keys.internalToken }}
{{- if has .component (list "control" "ingest" "edge") }}
- name: HERALD_ROOT_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $v.secrets.keys.rootKey }}
{{- end }}
{{- if eq .component "control" }}
- name: HERALD_MASTER_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $v.secrets.keys.masterKey }}
{{- else }}
- name: HERALD_CONTROL_ENDPOINT
  value: {{ printf "http://%s:%v" (include "herald.componentName" (dict "root" $root "component" "control")) $v.control.ports.grpc | quote }}
{{- end }}
{{- if eq .component "edge" }}
- name: HERALD_TOKEN_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $v.secrets.keys.tokenSecret }}
{{- end }}
{{- if eq .component "ingest" }}
# Optional: a Secret made before request-reply existed lacks the key, and ingest then answers
# request-reply's routes 503.
- name: HERALD_REPLY_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $v.secrets.keys.replySecret }}
      optional: true
{{- end }}
{{- include "herald.kafkaEnv" $root }}
{{- with $c.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
SASL credentials: librdkafka's dotted property names cannot be spelled as HERALD_* variables,
so the two values come from the Secret as plain variables (not HERALD_-prefixed, which the
config loader would read) and Kubernetes' $(VAR) expansion places them in an inline TOML table
that the loader merges into [kafka.properties]. The password must not contain `"` or `\`.
*/}}
{{- define "herald.kafkaEnv" -}}
{{- if .Values.kafka.sasl.enabled }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "herald.kafkaSaslSecretName" . }}
      key: {{ .Values.kafka.sasl.usernameKey }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "herald.kafkaSaslSecretName" . }}
      key: {{ .Values.kafka.sasl.passwordKey }}
- name: HERALD_KAFKA__PROPERTIES
  value: '{"sasl.username"="$(KAFKA_SASL_USERNAME)","sasl.password"="$(KAFKA_SASL_PASSWORD)"}'
{{- end }}
{{- end }}
