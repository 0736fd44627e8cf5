package wallet

import (
	"fmt"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// Credential types (SD-JWT VC "vct"). A record type's code
// ("identity.citizen") is this registry's name for it; on the wire a
// credential names its type with a collision-resistant URN of the
// province that defines the registry:
//
//	urn:vn:dongnai:vct:identity.citizen
//
// ("vn.dongnai" with its dots as colons, then "vct", then the code). The
// province's warehouse serves each type's SD-JWT VC Type Metadata
// document (TypeMetadataOf) at /.well-known/vct/<code>, so a verifier
// that knows nothing of this project can show the fields with their
// Vietnamese names.

// VCT is the vct of record type code in province (e.g. "vn.dongnai");
// the rule is crypto/trust's (trust.VCT), which verifiers use.
func VCT(province, code string) string { return trust.VCT(province, code) }

// TypeOfVCT is the record type code a vct of province names; ok is false
// for a vct of another province or of no registered type.
func TypeOfVCT(province, vct string) (code string, ok bool) {
	code, ok = strings.CutPrefix(vct, VCT(province, ""))
	if !ok {
		return "", false
	}
	_, ok = LookupType(code)
	return code, ok
}

// TypeMetadata is an SD-JWT VC Type Metadata document
// (draft-ietf-oauth-sd-jwt-vc, "Type Metadata"): the type's names and,
// for each claim, its path, labels and whether it is selectively
// disclosable.
type TypeMetadata struct {
	VCT         string          `json:"vct"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Display     []TypeDisplay   `json:"display"`
	Claims      []ClaimMetadata `json:"claims"`
}

// TypeDisplay is a type's name in one language.
type TypeDisplay struct {
	Locale      string `json:"locale"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ClaimMetadata describes one claim of a type.
type ClaimMetadata struct {
	Path      []string       `json:"path"`
	Display   []ClaimDisplay `json:"display"`
	SD        string         `json:"sd"`                  // "always": every claim is a disclosure
	Mandatory bool           `json:"mandatory,omitempty"` // the registry requires it
}

// ClaimDisplay is a claim's label in one language.
type ClaimDisplay struct {
	Locale      string `json:"locale"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
}

// TypeMetadataOf returns the type metadata document of record type code
// in province. Every claim is selectively disclosable ("sd": "always"),
// as credentials of this registry issue them; extra names the claims the
// issuer adds to every record (e.g. the citizen binding) with their
// labels.
func TypeMetadataOf(province, code string, extra ...Field) (TypeMetadata, error) {
	t, ok := LookupType(code)
	if !ok {
		return TypeMetadata{}, fmt.Errorf("%w: no record type %q", ErrInvalid, code)
	}
	m := TypeMetadata{
		VCT:  VCT(province, code),
		Name: t.Label.VI,
		Display: []TypeDisplay{
			{Locale: "vi-VN", Name: t.Label.VI, Description: DomainLabel(t.Domain).VI},
			{Locale: "en", Name: t.Label.EN, Description: DomainLabel(t.Domain).EN},
		},
	}
	for _, o := range t.Objects {
		m.Claims = append(m.Claims, ClaimMetadata{Path: []string{o.Name}, SD: "always",
			Display: []ClaimDisplay{{Locale: "vi-VN", Label: o.Label.VI}, {Locale: "en", Label: o.Label.EN}}})
	}
	for _, f := range append(append([]Field(nil), t.Fields...), extra...) {
		path := []string{f.Name}
		if o, ok := t.ObjectOf(f.Name); ok {
			path = []string{o.Name, f.Name} // a member of a structured object
		}
		c := ClaimMetadata{Path: path, SD: "always", Mandatory: f.Required,
			Display: []ClaimDisplay{{Locale: "vi-VN", Label: f.Label.VI}, {Locale: "en", Label: f.Label.EN}}}
		if f.Sensitive {
			c.Display[0].Description = "Dữ liệu cá nhân nhạy cảm (Luật 91/2025/QH15)"
			c.Display[1].Description = "Sensitive personal data (Law 91/2025/QH15)"
		}
		m.Claims = append(m.Claims, c)
	}
	return m, nil
}
