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

{{/* Trainer pods: workers / gpusPerNode (CPU: one trainer per pod). */}}
{{- define "gancluster.trainerPods" -}}
{{- if eq (int .Values.gpusPerNode) 0 }}{{ .Values.workers }}{{ else }}
{{- if ne (mod (int .Values.workers) (int .Values.gpusPerNode)) 0 }}
{{- fail (printf "workers (%d) must be a multiple of gpusPerNode (%d)" (int .Values.workers) (int .Values.gpusPerNode)) }}
{{- end }}
{{- div (int .Values.workers) (int .Values.gpusPerNode) }}
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
