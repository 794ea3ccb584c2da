// Package rolloutfixture builds Rollouts as the Argo Rollouts controller holds them mid-update:
// metadata with times, labels, annotations, owner references and managed fields; a pod template
// with resources, probes and IntOrString ports; the canary strategy with this plugin's JSON under
// trafficRouting.plugins; status with conditions and canary weights; and, on purpose, nil slices,
// empty slices, nil maps and empty maps side by side (gob treats them differently).
package rolloutfixture

import (
	"encoding/json"
	"strings"
	"time"

	"goplugin-peer/v1alpha1"
)

// Params are the parts of a Rollout a traffic router reads; everything else is fixed filler.
type Params struct {
	Namespace        string                     `json:"namespace"`
	Name             string                     `json:"name"`
	UID              string                     `json:"uid"`
	CanaryService    string                     `json:"canaryService"`
	StableService    string                     `json:"stableService"`
	ManagedRoutes    []string                   `json:"managedRoutes"`
	PluginName       string                     `json:"pluginName"`
	PluginConfig     json.RawMessage            `json:"pluginConfig"`
	MaxTrafficWeight *int32                     `json:"maxTrafficWeight,omitempty"`
	PingPong         *PingPong                  `json:"pingPong,omitempty"`
	StatusWeights    *v1alpha1.TrafficWeights   `json:"statusWeights,omitempty"`
	ExtraAnnotations map[string]string          `json:"extraAnnotations,omitempty"`
	BigAnnotation    int                        `json:"bigAnnotationBytes,omitempty"`
	Plugins          map[string]json.RawMessage `json:"otherPlugins,omitempty"`
}

// PingPong is the ping-pong service pair and which one is stable now.
type PingPong struct {
	PingService    string `json:"pingService"`
	PongService    string `json:"pongService"`
	StablePingPong string `json:"stablePingPong"`
}

// DefaultPluginName is the key this project's plugin is configured under in the controller's
// ConfigMap (trafficRouterPlugins[].name) and therefore in the Rollout's plugins map.
const DefaultPluginName = "apisixplugin/apisix"

// DefaultParams is a Rollout "shop/checkout" whose config names one route with one rule.
func DefaultParams() Params {
	return Params{
		Namespace:     "shop",
		Name:          "checkout",
		UID:           "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		CanaryService: "checkout-canary",
		StableService: "checkout-stable",
		ManagedRoutes: []string{"checkout-header", "checkout-mirror"},
		PluginName:    DefaultPluginName,
		PluginConfig:  json.RawMessage(`{"routes":[{"name":"checkout-route","rules":["main"]}]}`),
	}
}

func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }
func boolp(v bool) *bool { return &v }

// Build assembles the full Rollout.
func Build(p Params) v1alpha1.Rollout {
	created := time.Date(2026, 11, 20, 9, 30, 15, 123456789, time.UTC)
	updated := created.Add(96*time.Hour + 17*time.Minute)
	hash := "7d9f8c6b5"
	stableHash := "5c4b3a291"

	annotations := map[string]string{
		"rollout.argoproj.io/revision":                     "7",
		"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"` + p.Name + `"}}`,
	}
	for k, v := range p.ExtraAnnotations {
		annotations[k] = v
	}
	if p.BigAnnotation > 0 {
		// A realistic way for a Rollout to exceed yamux's 256 KiB window: a huge annotation.
		annotations["example.com/big"] = strings.Repeat("0123456789abcdef", p.BigAnnotation/16+1)[:p.BigAnnotation]
	}

	plugins := map[string]json.RawMessage{}
	for k, v := range p.Plugins {
		plugins[k] = v
	}
	if p.PluginConfig != nil {
		plugins[p.PluginName] = p.PluginConfig
	}

	var managed []v1alpha1.MangedRoutes // nil when the Rollout has none, as the API decodes it
	for _, name := range p.ManagedRoutes {
		managed = append(managed, v1alpha1.MangedRoutes{Name: name})
	}

	canary := &v1alpha1.CanaryStrategy{
		CanaryService:  p.CanaryService,
		StableService:  p.StableService,
		Steps:          steps(),
		TrafficRouting: &v1alpha1.RolloutTrafficRouting{ManagedRoutes: managed, Plugins: plugins, MaxTrafficWeight: p.MaxTrafficWeight},
		MaxUnavailable: &v1alpha1.IntOrString{Type: v1alpha1.Int, IntVal: 0},
		MaxSurge:       &v1alpha1.IntOrString{Type: v1alpha1.String, StrVal: "25%"},
		CanaryMetadata: &v1alpha1.PodTemplateMetadata{Labels: map[string]string{"role": "canary"}},
		StableMetadata: &v1alpha1.PodTemplateMetadata{Labels: map[string]string{}}, // empty, not nil
	}
	status := rolloutStatus(created, updated, hash, stableHash, p)
	if p.PingPong != nil {
		canary.PingPong = &v1alpha1.PingPongSpec{PingService: p.PingPong.PingService, PongService: p.PingPong.PongService}
		status.Canary.StablePingPong = p.PingPong.StablePingPong
	}

	return v1alpha1.Rollout{
		TypeMeta: v1alpha1.TypeMeta{Kind: "Rollout", APIVersion: "argoproj.io/v1alpha1"},
		ObjectMeta: v1alpha1.ObjectMeta{
			Name:              p.Name,
			Namespace:         p.Namespace,
			UID:               v1alpha1.UID(p.UID),
			ResourceVersion:   "482913",
			Generation:        7,
			CreationTimestamp: v1alpha1.NewTime(created),
			Labels:            map[string]string{"app.kubernetes.io/name": p.Name, "app.kubernetes.io/part-of": p.Namespace},
			Annotations:       annotations,
			OwnerReferences: []v1alpha1.OwnerReference{{
				APIVersion: "argoproj.io/v1alpha1", Kind: "Application", Name: p.Name + "-app",
				UID: "0a1b2c3d-0000-4000-8000-00000000beef", Controller: boolp(true), BlockOwnerDeletion: boolp(true),
			}},
			Finalizers: []string{}, // empty slice: gob omits it like nil
			ManagedFields: []v1alpha1.ManagedFieldsEntry{{
				Manager: "rollouts-controller", Operation: "Update", APIVersion: "argoproj.io/v1alpha1",
				Time: timep(updated), FieldsType: "FieldsV1",
				FieldsV1: &v1alpha1.FieldsV1{Raw: []byte(`{"f:status":{"f:canary":{"f:weights":{}}}}`)}, Subresource: "status",
			}},
		},
		Spec: v1alpha1.RolloutSpec{
			Replicas:                i32(4),
			Selector:                &v1alpha1.LabelSelector{MatchLabels: map[string]string{"app": p.Name}},
			Template:                podTemplate(p.Name),
			RevisionHistoryLimit:    i32(3),
			ProgressDeadlineSeconds: i32(600),
			Strategy:                v1alpha1.RolloutStrategy{Canary: canary},
		},
		Status: status,
	}
}

func timep(t time.Time) *v1alpha1.Time {
	v := v1alpha1.NewTime(t)
	return &v
}

func steps() []v1alpha1.CanaryStep {
	return []v1alpha1.CanaryStep{
		{SetHeaderRoute: &v1alpha1.SetHeaderRoute{Name: "checkout-header", Match: []v1alpha1.HeaderRoutingMatch{
			{HeaderName: "X-Canary", HeaderValue: &v1alpha1.StringMatch{Exact: "yes"}}}}},
		{SetWeight: i32(20)},
		{Pause: &v1alpha1.RolloutPause{Duration: &v1alpha1.IntOrString{Type: v1alpha1.String, StrVal: "5m"}}},
		{SetCanaryScale: &v1alpha1.SetCanaryScale{Weight: i32(50)}},
		{SetWeight: i32(50)},
		{Pause: &v1alpha1.RolloutPause{}},
		{SetMirrorRoute: &v1alpha1.SetMirrorRoute{Name: "checkout-mirror", Percentage: i32(35), Match: []v1alpha1.RouteMatch{
			{Method: &v1alpha1.StringMatch{Exact: "GET"}, Headers: map[string]v1alpha1.StringMatch{}}}}},
	}
}

func rolloutStatus(created, updated time.Time, hash, stableHash string, p Params) v1alpha1.RolloutStatus {
	weights := p.StatusWeights
	if weights == nil {
		weights = &v1alpha1.TrafficWeights{
			Canary: v1alpha1.WeightDestination{Weight: 0, ServiceName: p.CanaryService, PodTemplateHash: hash},
			Stable: v1alpha1.WeightDestination{Weight: 100, ServiceName: p.StableService, PodTemplateHash: stableHash},
		}
	}
	return v1alpha1.RolloutStatus{
		PauseConditions: nil,
		ControllerPause: true,
		CurrentPodHash:  hash,
		CurrentStepHash: "6b8f7d9c4",
		Replicas:        5, UpdatedReplicas: 1, ReadyReplicas: 5, AvailableReplicas: 5,
		CurrentStepIndex:   i32(1),
		ObservedGeneration: "7",
		Conditions: []v1alpha1.RolloutCondition{
			{Type: "Progressing", Status: "True", LastUpdateTime: v1alpha1.NewTime(updated),
				LastTransitionTime: v1alpha1.NewTime(created), Reason: "ReplicaSetUpdated", Message: "ReplicaSet \"" + p.Name + "-" + hash + "\" is progressing."},
			{Type: "Available", Status: "True", LastUpdateTime: v1alpha1.NewTime(updated.In(time.FixedZone("CET", 3600))),
				LastTransitionTime: v1alpha1.NewTime(created), Reason: "AvailableReason", Message: "Rollout has minimum availability"},
		},
		Canary:      v1alpha1.CanaryStatus{Weights: weights},
		HPAReplicas: 5,
		Selector:    "app=" + p.Name,
		StableRS:    stableHash,
		Phase:       "Progressing",
		Message:     "more replicas need to be updated",
	}
}

func podTemplate(name string) v1alpha1.PodTemplateSpec {
	probe := func(path string, delay int32) *v1alpha1.Probe {
		return &v1alpha1.Probe{
			ProbeHandler:        v1alpha1.ProbeHandler{HTTPGet: &v1alpha1.HTTPGetAction{Path: path, Port: v1alpha1.FromString("http"), Scheme: "HTTP"}},
			InitialDelaySeconds: delay, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
		}
	}
	return v1alpha1.PodTemplateSpec{
		ObjectMeta: v1alpha1.ObjectMeta{
			Labels:      map[string]string{"app": name},
			Annotations: map[string]string{"prometheus.io/scrape": "true"},
		},
		Spec: v1alpha1.PodSpec{
			Volumes: []v1alpha1.Volume{
				{Name: "config", VolumeSource: v1alpha1.VolumeSource{ConfigMap: &v1alpha1.ConfigMapVolumeSource{
					LocalObjectReference: v1alpha1.LocalObjectReference{Name: name + "-config"}, DefaultMode: i32(0o644)}}},
				{Name: "cache", VolumeSource: v1alpha1.VolumeSource{EmptyDir: &v1alpha1.EmptyDirVolumeSource{
					SizeLimit: quantityp(v1alpha1.MustParseQuantity("512Mi", 512*1024*1024*1000))}}},
			},
			Containers: []v1alpha1.Container{{
				Name: name, Image: "registry.example.com/shop/" + name + ":1.8.3",
				Args:  []string{"--port=8080", "--log-format=json"},
				Ports: []v1alpha1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: "TCP"}, {Name: "metrics", ContainerPort: 9090, Protocol: "TCP"}},
				Env: []v1alpha1.EnvVar{
					{Name: "POD_NAMESPACE", ValueFrom: &v1alpha1.EnvVarSource{FieldRef: &v1alpha1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}},
					{Name: "DB_PASSWORD", ValueFrom: &v1alpha1.EnvVarSource{SecretKeyRef: &v1alpha1.SecretKeySelector{
						LocalObjectReference: v1alpha1.LocalObjectReference{Name: name + "-db"}, Key: "password"}}},
					{Name: "FEATURE_FLAGS", Value: "fast-checkout,new-cart"},
				},
				Resources: v1alpha1.ResourceRequirements{
					Limits:   v1alpha1.ResourceList{"cpu": v1alpha1.MustParseQuantity("1", 1000), "memory": v1alpha1.MustParseQuantity("512Mi", 512*1024*1024*1000)},
					Requests: v1alpha1.ResourceList{"cpu": v1alpha1.MustParseQuantity("250m", 250), "memory": v1alpha1.MustParseQuantity("256Mi", 256*1024*1024*1000)},
				},
				VolumeMounts:             []v1alpha1.VolumeMount{{Name: "config", MountPath: "/etc/" + name, ReadOnly: true}, {Name: "cache", MountPath: "/var/cache"}},
				LivenessProbe:            probe("/healthz", 10),
				ReadinessProbe:           probe("/ready", 2),
				TerminationMessagePath:   "/dev/termination-log",
				TerminationMessagePolicy: "File",
				ImagePullPolicy:          "IfNotPresent",
				SecurityContext: &v1alpha1.SecurityContext{Capabilities: &v1alpha1.Capabilities{Drop: []string{"ALL"}},
					RunAsUser: i64(10001), RunAsNonRoot: boolp(true), ReadOnlyRootFilesystem: boolp(true), AllowPrivilegeEscalation: boolp(false)},
			}},
			InitContainers:                []v1alpha1.Container{}, // empty, not nil
			RestartPolicy:                 "Always",
			TerminationGracePeriodSeconds: i64(30),
			DNSPolicy:                     "ClusterFirst",
			NodeSelector:                  map[string]string{}, // empty map: gob still sends it
			ServiceAccountName:            name,
			Affinity: &v1alpha1.Affinity{PodAntiAffinity: &v1alpha1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []v1alpha1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: v1alpha1.PodAffinityTerm{
					LabelSelector: &v1alpha1.LabelSelector{MatchExpressions: []v1alpha1.LabelSelectorRequirement{{Key: "app", Operator: "In", Values: []string{name}}}},
					TopologyKey:   "kubernetes.io/hostname"}}}}},
			SchedulerName: "default-scheduler",
			Tolerations:   []v1alpha1.Toleration{{Key: "dedicated", Operator: "Equal", Value: "shop", Effect: "NoSchedule", TolerationSeconds: i64(300)}},
		},
	}
}

func quantityp(q v1alpha1.Quantity) *v1alpha1.Quantity { return &q }
