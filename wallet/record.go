package wallet

import (
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Domain is one of the record domains of DESIGN.md.
type Domain string

// The record domains, in the order the app shows them.
const (
	DomainIdentity    Domain = "identity"     // Căn cước & cư trú
	DomainCivilStatus Domain = "civil_status" // Hộ tịch
	DomainJustice     Domain = "justice"      // Tư pháp
	DomainHealth      Domain = "health"       // Sức khỏe
	DomainEducation   Domain = "education"    // Giáo dục
	DomainLabour      Domain = "labour"       // Lao động & BHXH
)

// Domains lists every domain in display order.
var Domains = []Domain{DomainIdentity, DomainCivilStatus, DomainJustice, DomainHealth, DomainEducation, DomainLabour}

// Status is the state of one record version.
type Status string

// Record statuses.
const (
	StatusActive     Status = "active"
	StatusSuperseded Status = "superseded" // a newer version (a correction) replaced it
	StatusWithdrawn  Status = "withdrawn"  // the issuer withdrew it (a tombstone version)
)

// Claims are a record's typed fields, keyed by the field names of its
// record type. Values are JSON values: string (text, dates as YYYY-MM-DD),
// float64 or int (numbers), bool, or []any of strings (lists). The record
// type registry says which kind each field has.
type Claims map[string]any

// Record is one version of one issuer-signed record.
type Record struct {
	ID         string    `json:"id"`          // stable across versions, unique per citizen
	Type       string    `json:"type"`        // a record type code from the registry, e.g. "health.insurance_card"
	Domain     Domain    `json:"domain"`      // the type's domain
	Issuer     string    `json:"issuer"`      // issuing agency id, as in the trust list
	IssuedAt   time.Time `json:"issued_at"`   // when the issuer signed this version
	ValidFrom  time.Time `json:"valid_from"`  // zero: valid from issue
	ValidUntil time.Time `json:"valid_until"` // zero: no end
	Version    int       `json:"version"`     // 1, 2, ... per ID
	Status     Status    `json:"status"`
	Claims     Claims    `json:"claims"`
	// Credential is the raw signed credential this version was read from
	// (an SD-JWT, RFC 9901), kept so it can be presented later. Empty for
	// records imported from unsigned demo files.
	Credential string `json:"credential,omitempty"`
	// ReceivedAt is when this device stored the version ("as of").
	ReceivedAt time.Time `json:"received_at"`
}

// Validate checks a record against the domain rules and the record type
// registry. The error wraps ErrInvalid and names the rule.
func (r Record) Validate() error {
	if r.ID == "" || len(r.ID) > 200 {
		return fmt.Errorf("%w: record id must be 1 to 200 bytes", ErrInvalid)
	}
	if err := checkIdent(r.ID); err != nil {
		return fmt.Errorf("%w: record id %q: %v", ErrInvalid, r.ID, err)
	}
	t, ok := LookupType(r.Type)
	if !ok {
		return fmt.Errorf("%w: record %s: unknown record type %q", ErrInvalid, r.ID, r.Type)
	}
	if r.Domain != t.Domain {
		return fmt.Errorf("%w: record %s: type %s belongs to domain %s, not %q", ErrInvalid, r.ID, r.Type, t.Domain, r.Domain)
	}
	if r.Issuer == "" || len(r.Issuer) > 200 {
		return fmt.Errorf("%w: record %s: issuer must be 1 to 200 bytes", ErrInvalid, r.ID)
	}
	if err := checkIdent(r.Issuer); err != nil {
		return fmt.Errorf("%w: record %s: issuer %q: %v", ErrInvalid, r.ID, r.Issuer, err)
	}
	if r.IssuedAt.IsZero() {
		return fmt.Errorf("%w: record %s: no issue time", ErrInvalid, r.ID)
	}
	if r.Version < 1 {
		return fmt.Errorf("%w: record %s: version must be 1 or more", ErrInvalid, r.ID)
	}
	switch r.Status {
	case StatusActive, StatusSuperseded:
	case StatusWithdrawn:
		// A tombstone carries no claims requirement, but what claims it
		// keeps must still be well-formed and bounded.
		if err := t.validateClaims(r.Claims, false); err != nil {
			return fmt.Errorf("record %s: %w", r.ID, err)
		}
		return nil
	default:
		return fmt.Errorf("%w: record %s: unknown status %q", ErrInvalid, r.ID, r.Status)
	}
	if !r.ValidUntil.IsZero() && !r.ValidFrom.IsZero() && r.ValidUntil.Before(r.ValidFrom) {
		return fmt.Errorf("%w: record %s: valid until is before valid from", ErrInvalid, r.ID)
	}
	if err := t.ValidateClaims(r.Claims); err != nil {
		return fmt.Errorf("record %s: %w", r.ID, err)
	}
	return nil
}

// checkIdent rejects identifiers (record ids, issuer ids) that are not
// valid UTF-8 or hold control or space characters: they are printed in
// the app and on terminals, and used in store keys.
func checkIdent(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return fmt.Errorf("contains %U", r)
		}
	}
	return nil
}
