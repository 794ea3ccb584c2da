// Package v1alpha1 mirrors, field for field, the parts of argo-rollouts' v1alpha1 Rollout and of the
// Kubernetes types it embeds that travel to a traffic-router plugin. gob matches struct fields by
// name and sends each type's own definition, so a decoder that handles these bytes handles what the
// real controller sends: the same names, the same Go kinds, the same GobEncoder types.
//
// This file holds the apimachinery (metav1, types, intstr, resource) look-alikes.
package v1alpha1

import "time"

// UID is k8s.io/apimachinery/pkg/types.UID: a named string.
type UID string

// TypeMeta is metav1.TypeMeta. Embedded in Rollout, so gob sends it as a field named "TypeMeta".
type TypeMeta struct {
	Kind       string
	APIVersion string
}

// Time is metav1.Time. Embedding time.Time promotes GobEncode/GobDecode, so gob sends it as a
// GobEncoder type whose bytes are time.Time's MarshalBinary form, exactly like metav1.Time.
type Time struct {
	time.Time
}

// NewTime wraps a time.Time, like metav1.NewTime.
func NewTime(t time.Time) Time { return Time{t} }

// Duration is metav1.Duration: a struct holding time.Duration (an int64 in gob).
type Duration struct {
	Duration time.Duration
}

// OwnerReference is metav1.OwnerReference.
type OwnerReference struct {
	APIVersion         string
	Kind               string
	Name               string
	UID                UID
	Controller         *bool
	BlockOwnerDeletion *bool
}

// FieldsV1 is metav1.FieldsV1: the managed-fields JSON as raw bytes.
type FieldsV1 struct {
	Raw []byte
}

// ManagedFieldsEntry is metav1.ManagedFieldsEntry.
type ManagedFieldsEntry struct {
	Manager     string
	Operation   string
	APIVersion  string
	Time        *Time
	FieldsType  string
	FieldsV1    *FieldsV1
	Subresource string
}

// ObjectMeta is metav1.ObjectMeta.
type ObjectMeta struct {
	Name                       string
	GenerateName               string
	Namespace                  string
	SelfLink                   string
	UID                        UID
	ResourceVersion            string
	Generation                 int64
	CreationTimestamp          Time
	DeletionTimestamp          *Time
	DeletionGracePeriodSeconds *int64
	Labels                     map[string]string
	Annotations                map[string]string
	OwnerReferences            []OwnerReference
	Finalizers                 []string
	ManagedFields              []ManagedFieldsEntry
}

// LabelSelectorRequirement is metav1.LabelSelectorRequirement.
type LabelSelectorRequirement struct {
	Key      string
	Operator string
	Values   []string
}

// LabelSelector is metav1.LabelSelector.
type LabelSelector struct {
	MatchLabels      map[string]string
	MatchExpressions []LabelSelectorRequirement
}

// IntOrStringType is intstr.Type (an int64 kind).
type IntOrStringType int64

const (
	Int    IntOrStringType = iota // The IntOrString holds an int.
	String                        // The IntOrString holds a string.
)

// IntOrString is intstr.IntOrString: a plain struct in gob (it has no Gob/Binary marshaler).
type IntOrString struct {
	Type   IntOrStringType
	IntVal int32
	StrVal string
}

// FromInt is intstr.FromInt.
func FromInt(i int) IntOrString { return IntOrString{Type: Int, IntVal: int32(i)} }

// FromString is intstr.FromString.
func FromString(s string) IntOrString { return IntOrString{Type: String, StrVal: s} }

// Format is resource.Format.
type Format string

// Quantity is resource.Quantity. Its amount lives in unexported fields, so gob carries only
// Format: the real controller's quantities arrive as {Format} and a decoder must not expect more.
type Quantity struct {
	milli  int64
	text   string
	Format Format
}

// MustParseQuantity keeps the text for humans (JSON dumps); only Format reaches gob.
func MustParseQuantity(text string, milli int64) Quantity {
	format := Format("DecimalSI")
	if len(text) > 2 && text[len(text)-2] == 'i' {
		format = "BinarySI"
	}
	return Quantity{milli: milli, text: text, Format: format}
}

// MilliValue is the amount in thousandths (kept on the Go side only).
func (q Quantity) MilliValue() int64 { return q.milli }
