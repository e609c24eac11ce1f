{{/* Names ------------------------------------------------------------------------------------ */}}

{{- define "distconnect.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name; the headless Service appends "-headless", so keep it <= 54. */}}
{{- define "distconnect.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "distconnect.headless" -}}
{{- printf "%s-headless" (include "distconnect.fullname" .) }}
{{- end }}

{{- define "distconnect.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "distconnect.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "distconnect.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Labels ----------------------------------------------------------------------------------- */}}

{{- define "distconnect.selectorLabels" -}}
app.kubernetes.io/name: {{ include "distconnect.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "distconnect.labels" -}}
helm.sh/chart: {{ include "distconnect.chart" . }}
{{ include "distconnect.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: distconnect
{{- end }}

{{/* The workers only (hook and test pods share the instance label but not this component). */}}
{{- define "distconnect.workerSelectorLabels" -}}
{{ include "distconnect.selectorLabels" . }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "distconnect.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* REST ------------------------------------------------------------------------------------- */}}

{{- define "distconnect.scheme" -}}
{{- if .Values.rest.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{- define "distconnect.portName" -}}
{{- if .Values.rest.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* The client Service's in-cluster URL (hook Job, helm test, NOTES). */}}
{{- define "distconnect.serviceUrl" -}}
{{- printf "%s://%s.%s.svc.%s:%d" (include "distconnect.scheme" .) (include "distconnect.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.service.port) }}
{{- end }}

{{- define "distconnect.basicAuthSecret" -}}
{{- default (printf "%s-rest-auth" (include "distconnect.fullname" .)) .Values.rest.basicAuth.existingSecret }}
{{- end }}

{{- define "distconnect.saslSecret" -}}
{{- default (printf "%s-kafka-sasl" (include "distconnect.fullname" .)) .Values.kafka.sasl.existingSecret }}
{{- end }}

{{/* Mount points (the pod test remaps these to a temporary directory). */}}
{{- define "distconnect.configDir" -}}/etc/distconnect{{- end }}
{{- define "distconnect.tlsDir" -}}/run/distconnect/tls{{- end }}
{{- define "distconnect.restAuthDir" -}}/etc/distconnect-rest-auth{{- end }}
{{- define "distconnect.restTlsDir" -}}/etc/distconnect-rest-tls{{- end }}
{{- define "distconnect.kafkaCaDir" -}}/etc/distconnect-kafka-ca{{- end }}


{{/* A values scalar as a Connect config string: whole numbers without exponent (Helm reads
numbers as float64, which would print 300000000 as 3e+08), booleans as true/false. */}}
{{- define "distconnect.scalar" -}}
{{- if kindIs "float64" . }}
{{- if eq . (. | int64 | float64) }}{{ . | int64 }}{{ else }}{{ . }}{{ end }}
{{- else if kindIs "invalid" . }}
{{- else }}{{ . }}{{ end }}
{{- end }}

{{/* Worker properties ------------------------------------------------------------------------- */}}

{{/* Where each chart-owned key is set in the values (for the error when config sets it). */}}
{{- define "distconnect.ownedKeys" -}}
bootstrap.servers: kafka.bootstrapServers
group.id: groupId
config.storage.topic: storage.config.topic
offset.storage.topic: storage.offset.topic
status.storage.topic: storage.status.topic
config.storage.replication.factor: storage.config.replicationFactor
offset.storage.replication.factor: storage.offset.replicationFactor
status.storage.replication.factor: storage.status.replicationFactor
offset.storage.partitions: storage.offset.partitions
status.storage.partitions: storage.status.partitions
listeners: rest.port and rest.tls.enabled
rest.advertised.host.name: "nothing (it is the pod's DNS name)"
rest.advertised.port: rest.port
rest.advertised.listener: rest.tls.enabled
group.instance.id: staticMembership
security.protocol: kafka.securityProtocol
sasl.mechanism: kafka.sasl.mechanism
sasl.jaas.config: kafka.sasl
ssl.truststore.type: kafka.tls
ssl.truststore.location: kafka.tls.caSecret
{{- end }}

{{/* Java .properties escaping for one value. */}}
{{- define "distconnect.propEscape" -}}
{{- . | replace "\\" "\\\\" | replace "\n" "\\n" | replace "\r" "\\r" | replace "\t" "\\t" }}
{{- end }}

{{- define "distconnect.kafkaTls" -}}
{{- if and .Values.kafka.tls.caSecret (has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL")) }}true{{ end }}
{{- end }}

{{/* The properties the chart sets, before .Values.config. */}}
{{- define "distconnect.chartProperties" -}}
{{- $full := include "distconnect.fullname" . -}}
bootstrap.servers={{ .Values.kafka.bootstrapServers }}
group.id={{ .Values.groupId | default $full }}
config.storage.topic={{ .Values.storage.config.topic | default (printf "%s-configs" $full) }}
offset.storage.topic={{ .Values.storage.offset.topic | default (printf "%s-offsets" $full) }}
status.storage.topic={{ .Values.storage.status.topic | default (printf "%s-status" $full) }}
config.storage.replication.factor={{ .Values.storage.config.replicationFactor }}
offset.storage.replication.factor={{ .Values.storage.offset.replicationFactor }}
offset.storage.partitions={{ .Values.storage.offset.partitions }}
status.storage.replication.factor={{ .Values.storage.status.replicationFactor }}
status.storage.partitions={{ .Values.storage.status.partitions }}
listeners={{ include "distconnect.scheme" . }}://0.0.0.0:{{ .Values.rest.port }}
rest.advertised.listener={{ include "distconnect.scheme" . }}
rest.advertised.port={{ .Values.rest.port }}
security.protocol={{ .Values.kafka.securityProtocol }}
{{- if .Values.kafka.sasl.mechanism }}
{{- $module := ternary "org.apache.kafka.common.security.plain.PlainLoginModule" "org.apache.kafka.common.security.scram.ScramLoginModule" (eq .Values.kafka.sasl.mechanism "PLAIN") }}
sasl.mechanism={{ .Values.kafka.sasl.mechanism }}
sasl.jaas.config={{ $module }} required username="${env:KAFKA_SASL_USERNAME}" password="${env:KAFKA_SASL_PASSWORD}";
{{- end }}
{{- if include "distconnect.kafkaTls" . }}
ssl.truststore.type=PEM
ssl.truststore.location={{ include "distconnect.kafkaCaDir" . }}/{{ .Values.kafka.tls.caKey }}
{{- end }}
{{- if .Values.rest.tls.enabled }}
listeners.https.ssl.keystore.type=PEM
listeners.https.ssl.keystore.location={{ include "distconnect.tlsDir" . }}/keystore.pem
listeners.https.ssl.truststore.type=PEM
listeners.https.ssl.truststore.location={{ include "distconnect.restTlsDir" . }}/{{ .Values.rest.tls.caKey }}
listeners.https.ssl.client.auth={{ .Values.rest.tls.clientAuth }}
{{- end }}
{{- if .Values.rest.basicAuth.enabled }}
rest.basic.auth.credentials.file={{ include "distconnect.restAuthDir" . }}/credentials
rest.basic.auth.exempt.paths={{ join "," .Values.rest.basicAuth.exemptPaths }}
{{- end }}
{{- end }}

{{- define "distconnect.workerProperties" -}}
{{- if not .Values.kafka.bootstrapServers }}
{{- fail "kafka.bootstrapServers is required (e.g. --set kafka.bootstrapServers=my-kafka:9092)" }}
{{- end }}
{{- $owned := include "distconnect.ownedKeys" . | fromYaml -}}
{{- $chart := include "distconnect.chartProperties" . }}
{{- range $key, $_ := .Values.config }}
{{- if or (hasKey $owned $key) (hasPrefix "listeners.https." $key) (hasPrefix "rest.basic.auth." $key) (contains (printf "\n%s=" $key) (printf "\n%s" $chart)) }}
{{- fail (printf "config.%s is set by the chart; use %s instead" $key (get $owned $key | default "rest.tls / rest.basicAuth")) }}
{{- end }}
{{- end }}
{{- $graceMs := mul (int64 .Values.terminationGracePeriodSeconds) 1000 }}
{{- $taskMs := int64 (index .Values.config "task.shutdown.graceful.timeout.ms" | default 5000) }}
{{- if le $graceMs (add $taskMs 5000) }}
{{- fail (printf "terminationGracePeriodSeconds (%d s) must exceed task.shutdown.graceful.timeout.ms (%d ms) by at least 5 s, or Kubernetes kills workers before their tasks commit offsets" (int64 .Values.terminationGracePeriodSeconds) $taskMs) }}
{{- end }}
# Rendered by the distconnect chart. Per-pod values (group.instance.id, rest.advertised.host.name)
# are passed with --override on the command line.
{{ $chart }}
{{- range $key, $value := .Values.config }}
{{ include "distconnect.propEscape" $key | replace "=" "\\=" | replace ":" "\\:" | replace " " "\\ " }}={{ include "distconnect.propEscape" (include "distconnect.scalar" $value) }}
{{- end }}
{{- end }}

{{/* The pod's own DNS name through the headless Service (Kubernetes expands $(VAR) in args). */}}
{{- define "distconnect.podFqdn" -}}
{{- printf "$(POD_NAME).%s.$(POD_NAMESPACE).svc.%s" (include "distconnect.headless" .) .Values.clusterDomain }}
{{- end }}
