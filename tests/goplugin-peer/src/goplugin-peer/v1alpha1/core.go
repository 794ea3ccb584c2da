package v1alpha1

// The k8s.io/api/core/v1 look-alikes a Rollout's pod template uses. A subset of PodSpec's fields,
// each with its real name and kind; enough nesting (probes, env sources, affinity) that the
// argument carries dozens of type definitions the plugin never needs.

// ResourceName is corev1.ResourceName.
type ResourceName string

// ResourceList is corev1.ResourceList: a map whose values are Quantity structs.
type ResourceList map[ResourceName]Quantity

// ResourceRequirements is corev1.ResourceRequirements.
type ResourceRequirements struct {
	Limits   ResourceList
	Requests ResourceList
}

// ContainerPort is corev1.ContainerPort.
type ContainerPort struct {
	Name          string
	HostPort      int32
	ContainerPort int32
	Protocol      string
	HostIP        string
}

// ObjectFieldSelector is corev1.ObjectFieldSelector.
type ObjectFieldSelector struct {
	APIVersion string
	FieldPath  string
}

// SecretKeySelector is corev1.SecretKeySelector (LocalObjectReference embedded as a field).
type SecretKeySelector struct {
	LocalObjectReference
	Key      string
	Optional *bool
}

// LocalObjectReference is corev1.LocalObjectReference.
type LocalObjectReference struct {
	Name string
}

// EnvVarSource is corev1.EnvVarSource (subset).
type EnvVarSource struct {
	FieldRef     *ObjectFieldSelector
	SecretKeyRef *SecretKeySelector
}

// EnvVar is corev1.EnvVar.
type EnvVar struct {
	Name      string
	Value     string
	ValueFrom *EnvVarSource
}

// HTTPHeader is corev1.HTTPHeader.
type HTTPHeader struct {
	Name  string
	Value string
}

// HTTPGetAction is corev1.HTTPGetAction: Port is an IntOrString.
type HTTPGetAction struct {
	Path        string
	Port        IntOrString
	Host        string
	Scheme      string
	HTTPHeaders []HTTPHeader
}

// ProbeHandler is corev1.ProbeHandler (embedded in Probe).
type ProbeHandler struct {
	HTTPGet *HTTPGetAction
}

// Probe is corev1.Probe.
type Probe struct {
	ProbeHandler
	InitialDelaySeconds           int32
	TimeoutSeconds                int32
	PeriodSeconds                 int32
	SuccessThreshold              int32
	FailureThreshold              int32
	TerminationGracePeriodSeconds *int64
}

// VolumeMount is corev1.VolumeMount.
type VolumeMount struct {
	Name      string
	ReadOnly  bool
	MountPath string
	SubPath   string
}

// Capabilities is corev1.Capabilities.
type Capabilities struct {
	Add  []string
	Drop []string
}

// SecurityContext is corev1.SecurityContext (subset).
type SecurityContext struct {
	Capabilities             *Capabilities
	RunAsUser                *int64
	RunAsNonRoot             *bool
	ReadOnlyRootFilesystem   *bool
	AllowPrivilegeEscalation *bool
}

// Container is corev1.Container (subset).
type Container struct {
	Name                     string
	Image                    string
	Command                  []string
	Args                     []string
	WorkingDir               string
	Ports                    []ContainerPort
	Env                      []EnvVar
	Resources                ResourceRequirements
	VolumeMounts             []VolumeMount
	LivenessProbe            *Probe
	ReadinessProbe           *Probe
	TerminationMessagePath   string
	TerminationMessagePolicy string
	ImagePullPolicy          string
	SecurityContext          *SecurityContext
}

// ConfigMapVolumeSource is corev1.ConfigMapVolumeSource (subset).
type ConfigMapVolumeSource struct {
	LocalObjectReference
	DefaultMode *int32
}

// EmptyDirVolumeSource is corev1.EmptyDirVolumeSource: SizeLimit is a *Quantity.
type EmptyDirVolumeSource struct {
	Medium    string
	SizeLimit *Quantity
}

// VolumeSource is corev1.VolumeSource (subset), embedded in Volume.
type VolumeSource struct {
	ConfigMap *ConfigMapVolumeSource
	EmptyDir  *EmptyDirVolumeSource
}

// Volume is corev1.Volume.
type Volume struct {
	Name string
	VolumeSource
}

// Toleration is corev1.Toleration.
type Toleration struct {
	Key               string
	Operator          string
	Value             string
	Effect            string
	TolerationSeconds *int64
}

// PodAffinityTerm is corev1.PodAffinityTerm (subset).
type PodAffinityTerm struct {
	LabelSelector *LabelSelector
	Namespaces    []string
	TopologyKey   string
}

// WeightedPodAffinityTerm is corev1.WeightedPodAffinityTerm.
type WeightedPodAffinityTerm struct {
	Weight          int32
	PodAffinityTerm PodAffinityTerm
}

// PodAntiAffinity is corev1.PodAntiAffinity.
type PodAntiAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm
	PreferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
}

// Affinity is corev1.Affinity (subset).
type Affinity struct {
	PodAntiAffinity *PodAntiAffinity
}

// PodSpec is corev1.PodSpec (subset).
type PodSpec struct {
	Volumes                       []Volume
	InitContainers                []Container
	Containers                    []Container
	RestartPolicy                 string
	TerminationGracePeriodSeconds *int64
	DNSPolicy                     string
	NodeSelector                  map[string]string
	ServiceAccountName            string
	AutomountServiceAccountToken  *bool
	Affinity                      *Affinity
	SchedulerName                 string
	Tolerations                   []Toleration
	PriorityClassName             string
	Overhead                      ResourceList
}

// PodTemplateSpec is corev1.PodTemplateSpec.
type PodTemplateSpec struct {
	ObjectMeta
	Spec PodSpec
}
