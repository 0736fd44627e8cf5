package wallet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"slices"
	"sort"
)

// ProcedureFormat is the format name of a procedure catalogue file.
const ProcedureFormat = "citizenwallet.procedures/v1"

// Procedure is one administrative procedure (thủ tục hành chính) or other
// common use of a citizen's data, with the fields it legally needs.
type Procedure struct {
	// Code is the wallet's stable id, e.g. "civil.birth_registration";
	// it travels in consent tokens.
	Code string `json:"code"`
	// NationalCode is the procedure's code in the National Database on
	// Administrative Procedures, when known.
	NationalCode string `json:"national_code"`
	Name         Label  `json:"name"`
	// Recipient describes who receives the data (the kind of office).
	Recipient Label `json:"recipient"`
	// RecipientKinds are the kinds of office (crypto/trust's office kinds)
	// that receive the procedure: the wallet offers the trust list's
	// offices of these kinds, by name.
	RecipientKinds []string `json:"recipient_kinds"`
	Purpose        Purpose  `json:"purpose"`
	// LegalBasis names the basis for processing: the citizen's consent
	// and the law behind the procedure.
	LegalBasis Label `json:"legal_basis"`
	// Retention says how long the recipient may keep the data.
	Retention Label            `json:"retention"`
	Fields    []ProcedureField `json:"fields"`
}

// Purpose is why data is shared: a stable code and its text.
type Purpose struct {
	Code string `json:"code"`
	Text Label  `json:"text"`
}

// ProcedureField is one claim of one record type a procedure asks for.
// Required fields are its legal minimum: what the wallet proposes; the
// others the citizen may add.
type ProcedureField struct {
	Type     string `json:"type"`  // record type code
	Claim    string `json:"claim"` // field name of that type
	Required bool   `json:"required"`
	Why      Label  `json:"why"` // what the procedure uses it for
}

// Field returns the record type's description of the claim.
func (f ProcedureField) Field() Field {
	t, _ := LookupType(f.Type)
	if t == nil {
		return Field{Name: f.Claim}
	}
	out, _ := t.Field(f.Claim)
	return out
}

// Sensitive reports whether the claim is sensitive personal data.
func (f ProcedureField) Sensitive() bool { return f.Field().Sensitive }

// Catalogue is a validated set of procedures.
type Catalogue struct {
	procs []Procedure
}

// ParseCatalogue reads and validates a catalogue file: its format, unique
// codes, both languages of every text, at least one required field per
// procedure, and every field an existing claim of an existing record
// type, listed once. The error wraps ErrInvalid and names the rule.
func ParseCatalogue(data []byte) (*Catalogue, error) {
	var doc struct {
		Format     string      `json:"format"`
		Note       string      `json:"note"`
		Procedures []Procedure `json:"procedures"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: procedure catalogue: %v", ErrInvalid, err)
	}
	if doc.Format != ProcedureFormat {
		return nil, fmt.Errorf("%w: procedure catalogue format %q, want %q", ErrInvalid, doc.Format, ProcedureFormat)
	}
	seen := map[string]bool{}
	for i, p := range doc.Procedures {
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("%w: procedure %d (%s): %v", ErrInvalid, i+1, p.Code, err)
		}
		if seen[p.Code] {
			return nil, fmt.Errorf("%w: procedure code %s repeats", ErrInvalid, p.Code)
		}
		seen[p.Code] = true
	}
	return &Catalogue{procs: doc.Procedures}, nil
}

func (p Procedure) validate() error {
	if err := checkIdent(p.Code); err != nil || p.Code == "" {
		return fmt.Errorf("code %q is not an identifier", p.Code)
	}
	if err := checkIdent(p.Purpose.Code); err != nil || p.Purpose.Code == "" {
		return fmt.Errorf("purpose code %q is not an identifier", p.Purpose.Code)
	}
	for name, l := range map[string]Label{"name": p.Name, "recipient": p.Recipient, "purpose": p.Purpose.Text, "legal basis": p.LegalBasis, "retention": p.Retention} {
		if l.VI == "" || l.EN == "" {
			return fmt.Errorf("%s needs Vietnamese and English", name)
		}
	}
	if len(p.RecipientKinds) == 0 {
		return fmt.Errorf("no recipient kind")
	}
	for _, k := range p.RecipientKinds {
		if !trust.ValidOfficeKind(k) {
			return fmt.Errorf("recipient kind %q is not one of %v", k, trust.OfficeKinds())
		}
	}
	required := 0
	fields := map[[2]string]bool{}
	for _, f := range p.Fields {
		t, ok := LookupType(f.Type)
		if !ok {
			return fmt.Errorf("unknown record type %q", f.Type)
		}
		if _, ok := t.Field(f.Claim); !ok {
			return fmt.Errorf("record type %s has no field %q", f.Type, f.Claim)
		}
		k := [2]string{f.Type, f.Claim}
		if fields[k] {
			return fmt.Errorf("field %s.%s listed twice", f.Type, f.Claim)
		}
		fields[k] = true
		if f.Why.VI == "" || f.Why.EN == "" {
			return fmt.Errorf("field %s.%s: why needs Vietnamese and English", f.Type, f.Claim)
		}
		if f.Required {
			required++
		}
	}
	if required == 0 {
		return fmt.Errorf("no required field")
	}
	return nil
}

// Procedures returns every procedure in catalogue order.
func (c *Catalogue) Procedures() []Procedure { return slices.Clone(c.procs) }

// Lookup returns the procedure with that code.
func (c *Catalogue) Lookup(code string) (Procedure, bool) {
	for _, p := range c.procs {
		if p.Code == code {
			return p, true
		}
	}
	return Procedure{}, false
}

// FieldRef names one claim of one stored record.
type FieldRef struct {
	RecordID string `json:"record_id"`
	Type     string `json:"type"`
	Claim    string `json:"claim"`
}

// Proposal is what the wallet offers for a procedure: for each field the
// procedure lists, the record that would supply it (the newest active
// record of that type holding the claim), and whether it is selected.
type Proposal struct {
	Procedure Procedure
	Items     []ProposalItem
}

// ProposalItem is one field of a proposal.
type ProposalItem struct {
	ProcedureField
	// Source is the record and claim that would be disclosed; empty
	// RecordID when the wallet holds no record with this claim.
	Source FieldRef
	// Selected is what the citizen will share: the procedure's minimum
	// (required and available) until the citizen changes it.
	Selected bool
}

// Available reports whether the wallet can supply the field.
func (it ProposalItem) Available() bool { return it.Source.RecordID != "" }

// Propose matches a procedure's fields with the citizen's records (latest
// versions, as Store.Records returns them). Only required fields that
// are available start selected: nothing beyond the minimum is
// pre-selected, but that an address travels whole: an optional member of
// an address (Object) the record has starts selected with the required
// members of that address (the district of an address written before 1
// July 2025, with its commune).
func Propose(p Procedure, recs []Record) Proposal {
	best := map[string]Record{} // by type: the newest active record
	for _, r := range recs {
		if r.Status != StatusActive {
			continue
		}
		if cur, ok := best[r.Type]; !ok || r.IssuedAt.After(cur.IssuedAt) {
			best[r.Type] = r
		}
	}
	out := Proposal{Procedure: p}
	for _, f := range p.Fields {
		it := ProposalItem{ProcedureField: f}
		if r, ok := best[f.Type]; ok {
			if _, has := r.Claims[f.Claim]; has {
				it.Source = FieldRef{RecordID: r.ID, Type: f.Type, Claim: f.Claim}
			}
		}
		it.Selected = f.Required && it.Available()
		out.Items = append(out.Items, it)
	}
	for i := range out.Items {
		it := &out.Items[i]
		if it.Selected || !it.Available() {
			continue
		}
		if t, ok := LookupType(it.Type); ok {
			if o, ok := t.ObjectOf(it.Claim); ok {
				it.Selected = slices.ContainsFunc(out.Items, func(other ProposalItem) bool {
					return other.Type == it.Type && other.Required && other.Selected && slices.Contains(o.Fields, other.Claim)
				})
			}
		}
	}
	return out
}

// Selected returns the fields that will be shared, sorted by record and
// claim.
func (pr Proposal) Selected() []FieldRef {
	var out []FieldRef
	for _, it := range pr.Items {
		if it.Selected && it.Available() {
			out = append(out, it.Source)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RecordID != out[j].RecordID {
			return out[i].RecordID < out[j].RecordID
		}
		return out[i].Claim < out[j].Claim
	})
	return out
}

// Lacking returns the required fields that will not be shared, because
// the citizen removed them or the wallet does not hold them: what the
// procedure will then ask for on paper.
func (pr Proposal) Lacking() []ProposalItem {
	var out []ProposalItem
	for _, it := range pr.Items {
		if it.Required && (!it.Selected || !it.Available()) {
			out = append(out, it)
		}
	}
	return out
}

// Set selects or removes the field of type and claim; it reports false
// when the proposal has no such field or the wallet cannot supply it.
func (pr *Proposal) Set(typ, claim string, selected bool) bool {
	for i := range pr.Items {
		it := &pr.Items[i]
		if it.Type == typ && it.Claim == claim {
			if selected && !it.Available() {
				return false
			}
			it.Selected = selected
			return true
		}
	}
	return false
}

// OtherProcedure is the procedure code of a share whose fields the
// citizen picks by hand, for a procedure the catalogue does not know.
const OtherProcedure = "other"

// ProposeByHand proposes every claim of the newest active record of each
// type the citizen holds, in the registry's order, none selected: the
// citizen ticks what the office asks for and states the purpose (the
// proposal's Purpose.Text, required before sharing). The legal basis is
// the citizen's consent.
func ProposeByHand(recs []Record) Proposal {
	p := Procedure{Code: OtherProcedure,
		Name:       Label{VI: "Thủ tục khác", EN: "Another procedure"},
		Purpose:    Purpose{Code: OtherProcedure},
		LegalBasis: Label{VI: "Sự đồng ý của chủ thể dữ liệu (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)", EN: "The data subject's consent (Personal Data Protection Law 91/2025/QH15)"},
		Retention:  Label{VI: "Theo quy định của thủ tục", EN: "As the procedure's rules say"},
	}
	held := map[string]Record{}
	for _, r := range recs {
		if r.Status == StatusActive {
			if cur, ok := held[r.Type]; !ok || r.IssuedAt.After(cur.IssuedAt) {
				held[r.Type] = r
			}
		}
	}
	for _, t := range Types() {
		r, ok := held[t.Code]
		if !ok {
			continue
		}
		for _, f := range t.Fields {
			if _, has := r.Claims[f.Name]; has {
				p.Fields = append(p.Fields, ProcedureField{Type: t.Code, Claim: f.Name})
			}
		}
	}
	return Propose(p, recs)
}
