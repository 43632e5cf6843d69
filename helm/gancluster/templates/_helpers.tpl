{{/* Chart name. */}}
{{- define "gancluster.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the prefix of every object (helm create style). */}}
{{- define "gancluster.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "gancluster.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: also the pod label selector of cluster bootstrap (coordinator and trainers). */}}
{{- define "gancluster.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gancluster.name" . }}
app.kubernetes.io/instance: {{ include "gancluster.fullname" . }}
{{- end }}

{{- define "gancluster.labels" -}}
helm.sh/chart: {{ include "gancluster.chart" . }}
{{ include "gancluster.selectorLabels" . }}
app.kubernetes.io/part-of: gancluster
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "gancluster.discoverySelector" -}}
app.kubernetes.io/name={{ include "gancluster.name" . }},app.kubernetes.io/instance={{ include "gancluster.fullname" . }}
{{- end }}

{{- define "gancluster.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gancluster.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gancluster.image" -}}
{{ .Values.image.repository }}:{{ default (printf "%s-%s" .Chart.AppVersion .Values.image.flavor) .Values.image.tag }}
{{- end }}

{{/* The coordinator's image: coordinator.image.repository/tag where set, else the image above. */}}
{{- define "gancluster.coordinatorImage" -}}
{{- $repository := default .Values.image.repository .Values.coordinator.image.repository }}
{{- $tag := default (printf "%s-%s" .Chart.AppVersion .Values.image.flavor) (default .Values.image.tag .Values.coordinator.image.tag) }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/* Trainer pods: workers / gpusPerTrainerPod (CPU: one trainer per pod). */}}
{{- define "gancluster.trainerPods" -}}
{{- if eq (int .Values.gpusPerTrainerPod) 0 }}{{ .Values.workers }}{{ else }}
{{- if ne (mod (int .Values.workers) (int .Values.gpusPerTrainerPod)) 0 }}
{{- fail (printf "workers (%d) must be a multiple of gpusPerTrainerPod (%d)" (int .Values.workers) (int .Values.gpusPerTrainerPod)) }}
{{- end }}
{{- div (int .Values.workers) (int .Values.gpusPerTrainerPod) }}
{{- end }}
{{- end }}

{{/* cluster.max_restarts of the run spec (3, the spec's default, when it leaves it out): the pods' retry budget. */}}
{{- define "gancluster.maxRestarts" -}}
{{- $spec := fromYaml .Values.runSpec }}
{{- if hasKey $spec "Error" }}{{ fail (printf "runSpec: expected a YAML mapping (the run spec), found: %s" $spec.Error) }}{{ end }}
{{- dig "cluster" "max_restarts" 3 $spec | int }}
{{- end }}

{{- define "gancluster.runDir" -}}
{{ trimSuffix "/" .Values.checkpoints.mountPath }}/{{ include "gancluster.fullname" . }}
{{- end }}

{{/*
The command line of a pod, by role: the one place that spells the CLI's options (src/GanCluster.Cli/Kubernetes/NodePod.cs
is its twin for `gancluster k8s render`; a test keeps them equal). Call with (dict "root" $ "role" "trainer").
*/}}
{{- define "gancluster.args" -}}
{{- $ := .root }}
{{- $gpus := int $.Values.gpusPerTrainerPod }}
- {{ .role }}
- --config
- /etc/gancluster/run.yaml
- --out
- {{ include "gancluster.runDir" $ }}
- --discovery
- kubernetes
- --host
- 0.0.0.0
- --port
- {{ $.Values.ports.akka | quote }}
- --metrics-port
- {{ $.Values.ports.metrics | quote }}
{{- with $.Values.checkpoints.s3.uri }}
- --set
- {{ printf "checkpoint.uri=%s" . | quote }}
{{- end }}
{{- if $.Values.tls.secretName }}
- --tls-certificate
- /etc/gancluster/tls/cluster.pfx
- --tls-password-env
- GANCLUSTER_TLS_PASSWORD
{{- end }}
{{- if eq .role "trainer" }}
- --device
- {{ if eq $gpus 0 }}cpu{{ else }}{{ range $i, $_ := until $gpus }}{{ if $i }},{{ end }}cuda:{{ $i }}{{ end }}{{ end }}
- --data-port
- {{ $.Values.ports.dataPlane | quote }}
{{- else }}
- --workers
- {{ $.Values.workers | quote }}
{{- if $.Values.resume }}
- --resume
{{- end }}
{{- end }}
{{- end }}

{{- define "gancluster.tokenSecret" -}}
{{- default (printf "%s-token" (include "gancluster.fullname" .)) .Values.runToken.existingSecret }}
{{- end }}

{{- define "gancluster.journalSecret" -}}
{{- default (printf "%s-journal" (include "gancluster.fullname" .)) .Values.journal.postgres.existingSecret }}
{{- end }}

{{- define "gancluster.checkpointsClaim" -}}
{{- default (printf "%s-checkpoints" (include "gancluster.fullname" .)) .Values.checkpoints.existingClaim }}
{{- end }}
