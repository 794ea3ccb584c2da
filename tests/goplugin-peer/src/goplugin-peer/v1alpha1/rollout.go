package v1alpha1

import "encoding/json"

// The Rollout itself, with argo-rollouts' names. Strategies and status parts a traffic router never
// reads are kept in reduced form, but with their real names and kinds, so the argument stays as
// rich as the controller's.

// Rollout is v1alpha1.Rollout.
type Rollout struct {
	TypeMeta
	ObjectMeta

	Spec   RolloutSpec
	Status RolloutStatus
}

// RolloutSpec is v1alpha1.RolloutSpec.
type RolloutSpec struct {
	TemplateResolvedFromRef bool
	SelectorResolvedFromRef bool
	Replicas                *int32
	Selector                *LabelSelector
	Template                PodTemplateSpec
	WorkloadRef             *ObjectRef
	MinReadySeconds         int32
	Strategy                RolloutStrategy
	RevisionHistoryLimit    *int32
	Paused                  bool
	ProgressDeadlineSeconds *int32
	ProgressDeadlineAbort   bool
	RestartAt               *Time
}

// ObjectRef is v1alpha1.ObjectRef.
type ObjectRef struct {
	APIVersion string
	Kind       string
	Name       string
	ScaleDown  string
}

// RolloutStrategy is v1alpha1.RolloutStrategy.
type RolloutStrategy struct {
	BlueGreen *BlueGreenStrategy
	Canary    *CanaryStrategy
}

// BlueGreenStrategy is v1alpha1.BlueGreenStrategy (subset; nil in canary Rollouts).
type BlueGreenStrategy struct {
	ActiveService  string
	PreviewService string
}

// CanaryStrategy is v1alpha1.CanaryStrategy (subset).
type CanaryStrategy struct {
	CanaryService         string
	StableService         string
	Steps                 []CanaryStep
	TrafficRouting        *RolloutTrafficRouting
	MaxUnavailable        *IntOrString
	MaxSurge              *IntOrString
	CanaryMetadata        *PodTemplateMetadata
	StableMetadata        *PodTemplateMetadata
	ScaleDownDelaySeconds *int32
	DynamicStableScale    bool
	PingPong              *PingPongSpec
	MinPodsPerReplicaSet  *int32
}

// PingPongSpec is v1alpha1.PingPongSpec.
type PingPongSpec struct {
	PingService string
	PongService string
}

// PodTemplateMetadata is v1alpha1.PodTemplateMetadata.
type PodTemplateMetadata struct {
	Labels      map[string]string
	Annotations map[string]string
}

// CanaryStep is v1alpha1.CanaryStep (without experiment and analysis).
type CanaryStep struct {
	SetWeight      *int32
	Pause          *RolloutPause
	SetCanaryScale *SetCanaryScale
	SetHeaderRoute *SetHeaderRoute
	SetMirrorRoute *SetMirrorRoute
}

// RolloutPause is v1alpha1.RolloutPause: Duration is an IntOrString.
type RolloutPause struct {
	Duration *IntOrString
}

// SetCanaryScale is v1alpha1.SetCanaryScale.
type SetCanaryScale struct {
	Weight             *int32
	Replicas           *int32
	MatchTrafficWeight bool
}

// RolloutTrafficRouting is v1alpha1.RolloutTrafficRouting; Plugins carries each plugin's JSON.
type RolloutTrafficRouting struct {
	ManagedRoutes    []MangedRoutes
	Apisix           *ApisixTrafficRouting
	Plugins          map[string]json.RawMessage
	MaxTrafficWeight *int32
}

// MangedRoutes is v1alpha1.MangedRoutes (the misspelling is argo-rollouts').
type MangedRoutes struct {
	Name string
}

// ApisixTrafficRouting is v1alpha1.ApisixTrafficRouting (argo's built-in APISIX router, unused here).
type ApisixTrafficRouting struct {
	Route *ApisixRoute
}

// ApisixRoute is v1alpha1.ApisixRoute.
type ApisixRoute struct {
	Name  string
	Rules []string
}

// SetMirrorRoute is v1alpha1.SetMirrorRoute.
type SetMirrorRoute struct {
	Name       string
	Match      []RouteMatch
	Percentage *int32
}

// RouteMatch is v1alpha1.RouteMatch.
type RouteMatch struct {
	Method  *StringMatch
	Path    *StringMatch
	Headers map[string]StringMatch
}

// StringMatch is v1alpha1.StringMatch.
type StringMatch struct {
	Exact  string
	Prefix string
	Regex  string
}

// SetHeaderRoute is v1alpha1.SetHeaderRoute.
type SetHeaderRoute struct {
	Name  string
	Match []HeaderRoutingMatch
}

// HeaderRoutingMatch is v1alpha1.HeaderRoutingMatch.
type HeaderRoutingMatch struct {
	HeaderName  string
	HeaderValue *StringMatch
}

// PauseCondition is v1alpha1.PauseCondition.
type PauseCondition struct {
	Reason    string
	StartTime Time
}

// RolloutCondition is v1alpha1.RolloutCondition.
type RolloutCondition struct {
	Type               string
	Status             string
	LastUpdateTime     Time
	LastTransitionTime Time
	Reason             string
	Message            string
}

// RolloutStatus is v1alpha1.RolloutStatus (subset).
type RolloutStatus struct {
	Abort              bool
	PauseConditions    []PauseCondition
	ControllerPause    bool
	AbortedAt          *Time
	CurrentPodHash     string
	CurrentStepHash    string
	Replicas           int32
	UpdatedReplicas    int32
	ReadyReplicas      int32
	AvailableReplicas  int32
	CurrentStepIndex   *int32
	CollisionCount     *int32
	ObservedGeneration string
	Conditions         []RolloutCondition
	Canary             CanaryStatus
	BlueGreen          BlueGreenStatus
	HPAReplicas        int32
	Selector           string
	StableRS           string
	RestartedAt        *Time
	PromoteFull        bool
	Phase              string
	Message            string
}

// BlueGreenStatus is v1alpha1.BlueGreenStatus (subset).
type BlueGreenStatus struct {
	PreviewSelector string
	ActiveSelector  string
}

// CanaryStatus is v1alpha1.CanaryStatus (subset).
type CanaryStatus struct {
	CurrentExperiment string
	Weights           *TrafficWeights
	StablePingPong    string
}

// TrafficWeights is v1alpha1.TrafficWeights.
type TrafficWeights struct {
	Canary     WeightDestination
	Stable     WeightDestination
	Additional []WeightDestination
	Verified   *bool
}

// WeightDestination is v1alpha1.WeightDestination.
type WeightDestination struct {
	Weight          int32
	ServiceName     string
	PodTemplateHash string
}
