package wallet

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldKind is the JSON shape of a claim value.
type FieldKind string

// Field kinds.
const (
	KindText   FieldKind = "text"
	KindDate   FieldKind = "date" // "YYYY-MM-DD"
	KindNumber FieldKind = "number"
	KindBool   FieldKind = "bool"
	KindList   FieldKind = "list" // a list of strings
)

// Limits on claim values, enforced by ValidateClaims.
const (
	// MaxTextBytes bounds a text or date value and every item of a list.
	MaxTextBytes = 4 << 10
	// MaxListItems bounds the number of items of a list value.
	MaxListItems = 200
	// MinDateYear and MaxDateYear bound the year of a date value.
	MinDateYear = 1800
	MaxDateYear = 2300
)

// DateLayout is the layout of date claims (time.Parse syntax).
const DateLayout = "2006-01-02"

// Label is a text in Vietnamese and English.
type Label struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// Option is one allowed value of a coded text field: the stored code and
// how to show it.
type Option struct {
	Value string `json:"value"`
	Label Label  `json:"label"`
}

// Field is one claim of a record type.
type Field struct {
	Name     string    `json:"name"`
	Kind     FieldKind `json:"kind"`
	Label    Label     `json:"label"`
	Required bool      `json:"required"`
	// Sensitive marks sensitive personal data under Law 91/2025/QH15
	// (health, criminal record ...).
	Sensitive bool `json:"sensitive"`
	// Options, when not empty, are the only values a text field accepts
	// (a code list such as sex or residence kind).
	Options []Option `json:"options,omitempty"`
}

// Option returns the option of a coded field with that value.
func (f Field) Option(value string) (Option, bool) {
	for _, o := range f.Options {
		if o.Value == value {
			return o, true
		}
	}
	return Option{}, false
}

// RecordType describes one kind of record and its fields.
type RecordType struct {
	Code   string  `json:"code"`
	Domain Domain  `json:"domain"`
	Label  Label   `json:"label"`
	Fields []Field `json:"fields"`
	// Objects group fields into structured objects of the credential
	// (an address: street, commune, province), each a disclosable
	// object whose members are disclosable on their own. Records and
	// procedures keep naming the fields; only the credential nests them
	// (sync/credential).
	Objects []Object `json:"objects,omitempty"`
}

// Object is a structured claim of a record type's credentials: its
// name (unlike any field's) and the fields it holds. Every object of the
// registry is an address, its fields in the order street (or hamlet),
// commune, district, province; register refuses another shape.
type Object struct {
	Name   string   `json:"name"`
	Label  Label    `json:"label"`
	Fields []string `json:"fields"`
}

// addressParts are the endings of an address object's fields, in order
// after the street.
var addressParts = []string{"commune", "district", "province"}

// Line is the object's members that c holds on one line, as documents
// print an address (AddressLine); "" when c holds none of them.
func (o Object) Line(c Claims) string {
	var parts [4]string
	for i, f := range o.Fields {
		if s, ok := c[f].(string); ok && i < len(parts) {
			parts[i] = s
		}
	}
	return AddressLine(parts[0], parts[1], parts[2], parts[3])
}

// ObjectOf returns the object that holds field name, if any.
func (t *RecordType) ObjectOf(name string) (Object, bool) {
	for _, o := range t.Objects {
		if slices.Contains(o.Fields, name) {
			return o, true
		}
	}
	return Object{}, false
}

var (
	registry = map[string]*RecordType{}
	// order is the registration order; Types sorts it by domain.
	order []*RecordType
)

// register adds t to the registry. It panics on a malformed or duplicate
// type: the registry is static and checked by the package's tests, so
// this can only fire while a developer edits this file.
func register(t *RecordType) {
	if _, dup := registry[t.Code]; dup {
		panic("wallet: record type registered twice: " + t.Code)
	}
	if !slices.Contains(Domains, t.Domain) {
		panic("wallet: record type " + t.Code + " has unknown domain " + string(t.Domain))
	}
	seen := map[string]bool{}
	for _, f := range t.Fields {
		if seen[f.Name] {
			panic("wallet: record type " + t.Code + " repeats field " + f.Name)
		}
		seen[f.Name] = true
		if len(f.Options) > 0 && f.Kind != KindText {
			panic("wallet: record type " + t.Code + ": options on a non-text field " + f.Name)
		}
	}
	held := map[string]bool{}
	for _, o := range t.Objects {
		if seen[o.Name] || o.Name == "" || len(o.Fields) == 0 {
			panic("wallet: record type " + t.Code + ": object " + o.Name + " is unnamed, empty or named as a field")
		}
		seen[o.Name] = true
		if len(o.Fields) != 1+len(addressParts) {
			panic("wallet: record type " + t.Code + ": object " + o.Name + " is not an address (street, commune, district, province)")
		}
		for i, part := range addressParts {
			if !strings.HasSuffix(o.Fields[1+i], part) {
				panic("wallet: record type " + t.Code + ": object " + o.Name + " is not an address (street, commune, district, province)")
			}
		}
		for _, f := range o.Fields {
			if _, ok := t.Field(f); !ok || held[f] {
				panic("wallet: record type " + t.Code + ": object " + o.Name + " holds an unknown or shared field " + f)
			}
			held[f] = true
		}
	}
	registry[t.Code] = t
	order = append(order, t)
}

// LookupType returns the registered record type with that code.
func LookupType(code string) (*RecordType, bool) {
	t, ok := registry[code]
	return t, ok
}

// Types returns every registered record type in display order: by the
// order of Domains, then in registration order within a domain. The slice
// is new on every call; the types it points to are shared and must not be
// modified.
func Types() []*RecordType {
	out := make([]*RecordType, 0, len(order))
	for _, d := range Domains {
		for _, t := range order {
			if t.Domain == d {
				out = append(out, t)
			}
		}
	}
	return out
}

// Field returns the field of t with that name.
func (t *RecordType) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// ValidateClaims checks claims against the type's fields:
//   - every claim names a field of the type (unknown names are rejected);
//   - every required field is present and not empty;
//   - every value has its field's kind: text is a string (one of the
//     field's options, if it has any); a date is a string "YYYY-MM-DD"
//     naming a real day between MinDateYear and MaxDateYear; a number is a
//     finite float64, any Go integer or float type, or a json.Number; a
//     bool is a bool; a list is a []string or a []any of strings;
//   - text is valid UTF-8 without control characters other than tab and
//     newline, at most MaxTextBytes, and a list has at most MaxListItems
//     non-empty items, each bounded like text.
//
// JSON null is not a value: leave an absent field out. An optional text,
// date or list field may be empty (""/[]), which counts as absent.
//
// The error wraps ErrInvalid and names the type and the field.
func (t *RecordType) ValidateClaims(c Claims) error {
	return t.validateClaims(c, true)
}

// validateClaims is ValidateClaims; with required false it skips the
// required-field check (for tombstones, whose claims are optional but
// must still be well-formed and bounded).
func (t *RecordType) validateClaims(c Claims, required bool) error {
	names := make([]string, 0, len(c))
	for name := range c {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic: the same input, the same error
	for _, name := range names {
		f, ok := t.Field(name)
		if !ok {
			return fmt.Errorf("%w: %s: unknown field %q", ErrInvalid, t.Code, truncate(name, 64))
		}
		if err := f.check(c[name]); err != nil {
			return fmt.Errorf("%w: %s: field %s: %s", ErrInvalid, t.Code, name, err)
		}
	}
	for _, f := range t.Fields {
		if !required || !f.Required {
			continue
		}
		v, ok := c[f.Name]
		if !ok || isEmpty(v) {
			return fmt.Errorf("%w: %s: field %s is required", ErrInvalid, t.Code, f.Name)
		}
	}
	return nil
}

// isEmpty reports whether a value that passed check counts as absent.
func isEmpty(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
}

// check validates one value against the field's kind. Its message does
// not repeat the field name; ValidateClaims adds it.
func (f Field) check(v any) error {
	if v == nil {
		return fmt.Errorf("null value (leave the field out instead)")
	}
	switch f.Kind {
	case KindText:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want text, got %s", jsonKind(v))
		}
		if err := checkText(s); err != nil {
			return err
		}
		if len(f.Options) > 0 && s != "" {
			if _, ok := f.Option(s); !ok {
				vals := make([]string, len(f.Options))
				for i, o := range f.Options {
					vals[i] = o.Value
				}
				return fmt.Errorf("%q is not one of %s", truncate(s, 64), strings.Join(vals, ", "))
			}
		}
	case KindDate:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a date YYYY-MM-DD, got %s", jsonKind(v))
		}
		if s == "" {
			return nil
		}
		if _, err := ParseDate(s); err != nil {
			return err
		}
	case KindNumber:
		if _, err := number(v); err != nil {
			return err
		}
	case KindBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want true or false, got %s", jsonKind(v))
		}
	case KindList:
		var items []string
		switch l := v.(type) {
		case []string:
			items = l
		case []any:
			if len(l) > MaxListItems {
				return fmt.Errorf("list has %d items, more than %d", len(l), MaxListItems)
			}
			items = make([]string, len(l))
			for i, it := range l {
				s, ok := it.(string)
				if !ok {
					return fmt.Errorf("item %d: want text, got %s", i, jsonKind(it))
				}
				items[i] = s
			}
		default:
			return fmt.Errorf("want a list of texts, got %s", jsonKind(v))
		}
		if len(items) > MaxListItems {
			return fmt.Errorf("list has %d items, more than %d", len(items), MaxListItems)
		}
		for i, s := range items {
			if strings.TrimSpace(s) == "" {
				return fmt.Errorf("item %d is empty", i)
			}
			if err := checkText(s); err != nil {
				return fmt.Errorf("item %d: %s", i, err)
			}
		}
	default:
		return fmt.Errorf("field has unknown kind %q", f.Kind)
	}
	return nil
}

func checkText(s string) error {
	if len(s) > MaxTextBytes {
		return fmt.Errorf("text is %d bytes, more than %d", len(s), MaxTextBytes)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("text is not valid UTF-8")
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f {
			return fmt.Errorf("text contains control character %U", r)
		}
	}
	return nil
}

// ParseDate parses a date claim "YYYY-MM-DD" into midnight UTC. The day
// must exist and the year lie between MinDateYear and MaxDateYear. The
// error does not wrap ErrInvalid; callers add context.
func ParseDate(s string) (time.Time, error) {
	if len(s) != len(DateLayout) {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", truncate(s, 32))
	}
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", truncate(s, 32))
	}
	if y := d.Year(); y < MinDateYear || y > MaxDateYear {
		return time.Time{}, fmt.Errorf("date %s: year outside %d-%d", s, MinDateYear, MaxDateYear)
	}
	return d, nil
}

// number returns a claim value of kind number as a float64.
func number(v any) (float64, error) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		p, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", truncate(string(n), 32))
		}
		f = p
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int, int8, int16, int32, int64:
		f = float64(reflect.ValueOf(n).Int())
	case uint, uint8, uint16, uint32, uint64:
		f = float64(reflect.ValueOf(n).Uint())
	default:
		return 0, fmt.Errorf("want a number, got %s", jsonKind(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("number is not finite")
	}
	return f, nil
}

// jsonKind names the JSON kind of a value for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case bool:
		return "a bool"
	case json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// DomainLabel names a domain in Vietnamese and English.
func DomainLabel(d Domain) Label {
	switch d {
	case DomainIdentity:
		return Label{VI: "Căn cước & cư trú", EN: "Identity & residence"}
	case DomainCivilStatus:
		return Label{VI: "Hộ tịch", EN: "Civil status"}
	case DomainJustice:
		return Label{VI: "Tư pháp", EN: "Justice"}
	case DomainHealth:
		return Label{VI: "Sức khỏe", EN: "Health"}
	case DomainEducation:
		return Label{VI: "Giáo dục", EN: "Education"}
	case DomainLabour:
		return Label{VI: "Lao động & BHXH", EN: "Labour & social insurance"}
	}
	return Label{VI: string(d), EN: string(d)}
}

// StatusLabel names a record status in Vietnamese and English.
func StatusLabel(s Status) Label {
	switch s {
	case StatusActive:
		return Label{VI: "còn hiệu lực", EN: "active"}
	case StatusSuperseded:
		return Label{VI: "đã được thay thế", EN: "superseded"}
	case StatusWithdrawn:
		return Label{VI: "đã bị thu hồi", EN: "withdrawn"}
	}
	return Label{VI: string(s), EN: string(s)}
}
