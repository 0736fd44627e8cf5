// Package consent builds and verifies consent tokens: for each
// agency-signed record a citizen shares fields of, an RFC 9901 SD-JWT+KB
// (crypto/sdjwt) of the chosen fields, closed by a key-binding JWT signed
// by the citizen's device key that states for whom (aud), why (purpose
// and procedure code), until when (exp), under which unique id (jti) and,
// when the counter gave one, its nonce. Every key binding of one token
// carries the same claims, so each presentation is a standard one any
// SD-JWT verifier checks alone, and the token's presentations cannot be
// mixed with another consent's.
//
// # Token text
//
// The presentations, one per record, joined by a line feed (Separator):
//
//	<JWT 1>~<D>~<D>~<KB-JWT 1>\n<JWT 2>~<D>~<KB-JWT 2>
//
// A line feed occurs in no SD-JWT, so splitting is unambiguous; a token
// of one record is exactly one SD-JWT+KB. Tokens travel as QR texts
// (crypto/qrtext, which packs the line feed as a separator of its own).
//
// A counter verifies a token offline against its cached trust list:
// every issuer signature, the key binding, audience = this counter's
// agency, time with a stated skew, the id not seen before (a persistent
// replay cache), and revocation when a list is cached. Every failure is
// a distinct sentinel, all wrapping ErrRejected.
package consent

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// Key-binding claims this package adds (besides aud, nonce, iat, exp and
// sd_hash, which crypto/sdjwt writes).
const (
	ClaimID        = "jti"
	ClaimPurpose   = "purpose"   // purpose code, e.g. "civil_registration"
	ClaimProcedure = "procedure" // procedure code, e.g. "civil.birth_registration"
	ClaimSingleUse = "single_use"
)

// Separator joins the presentations of a token.
const Separator = "\n"

// MaxRecords is the most records (presentations) one token holds.
const MaxRecords = 16

// Lifetimes.
const (
	DefaultLifetime = 15 * time.Minute    // a counter visit
	MaxLifetime     = 30 * 24 * time.Hour // a standing grant
	DefaultSkew     = 2 * time.Minute     // allowance on every time check
)

// Request is one consent to encode as a token.
type Request struct {
	Holder    *keys.PrivateKey // the device key the records are bound to
	Audience  string           // the recipient agency's id (its trust-list id or a registered counter id)
	Nonce     string           // the counter's nonce; empty: the consent id (random and unique already)
	ID        string           // unique id (jti); empty makes a random one
	Purpose   string           // purpose code
	Procedure string           // procedure code; may be empty for fields chosen by hand
	IssuedAt  time.Time
	Expires   time.Time // zero: IssuedAt + DefaultLifetime
	SingleUse bool
	// Selections are the records (issued credentials) and the claims of
	// each to disclose.
	Selections []sdjwt.Selection
}

// Build makes the token text. It refuses a lifetime over MaxLifetime and
// a request without audience, purpose or any disclosed claim.
func Build(r Request) (token, id string, err error) {
	if r.Audience == "" || r.Purpose == "" {
		return "", "", errors.New("consent: audience and purpose are required")
	}
	n := 0
	for _, s := range r.Selections {
		n += len(s.Disclose)
	}
	if n == 0 {
		return "", "", errors.New("consent: nothing to disclose")
	}
	if len(r.Selections) > MaxRecords {
		return "", "", fmt.Errorf("consent: %d records, at most %d", len(r.Selections), MaxRecords)
	}
	if r.Expires.IsZero() {
		r.Expires = r.IssuedAt.Add(DefaultLifetime)
	}
	if life := r.Expires.Sub(r.IssuedAt); life <= 0 || life > MaxLifetime {
		return "", "", fmt.Errorf("consent: lifetime %s is not between 0 and %s", life, MaxLifetime)
	}
	if r.ID == "" {
		r.ID = randomID()
	}
	if r.Nonce == "" {
		// Without a counter's challenge the nonce only has to be unique,
		// which the random id is: repeating it costs the QR a few bytes
		// where a second random value costs 16.
		r.Nonce = r.ID
	}
	extra := map[string]any{ClaimID: r.ID, ClaimPurpose: r.Purpose}
	if r.Procedure != "" {
		extra[ClaimProcedure] = r.Procedure
	}
	if r.SingleUse {
		extra[ClaimSingleUse] = true
	}
	kb := sdjwt.KeyBinding{Audience: r.Audience, Nonce: r.Nonce, IssuedAt: r.IssuedAt, Expires: r.Expires, Extra: extra}
	pres := make([]string, 0, len(r.Selections))
	for i, s := range r.Selections {
		if len(s.Disclose) == 0 {
			continue // a record none of whose fields is shared does not travel
		}
		p, err := sdjwt.Present(r.Holder, kb, s)
		if err != nil {
			return "", "", fmt.Errorf("consent: record %d: %w", i+1, err)
		}
		pres = append(pres, p)
	}
	return strings.Join(pres, Separator), r.ID, nil
}

func randomID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Sentinels of Verify. Each wraps ErrRejected; errors from the layers
// below (crypto/qrtext, crypto/sdjwt, crypto/trust) stay matchable too.
var (
	ErrRejected      = errors.New("consent token rejected")
	ErrQR            = fmt.Errorf("%w: the QR text is not a complete consent token", ErrRejected)
	ErrUnknownIssuer = fmt.Errorf("%w: a record's issuer is not in the trust list", ErrRejected)
	ErrIssuerKey     = fmt.Errorf("%w: a record was signed with an agency key not valid at the time", ErrRejected)
	ErrForged        = fmt.Errorf("%w: a signature or disclosure does not verify", ErrRejected)
	ErrNoBinding     = fmt.Errorf("%w: not presented by the record holder (no key binding)", ErrRejected)
	ErrAudience      = fmt.Errorf("%w: issued for another recipient", ErrRejected)
	ErrExpired       = fmt.Errorf("%w: expired", ErrRejected)
	ErrNotYetValid   = fmt.Errorf("%w: not yet valid", ErrRejected)
	ErrReplay        = fmt.Errorf("%w: already used", ErrRejected)
	ErrRevoked       = fmt.Errorf("%w: revoked by the citizen", ErrRejected)
	ErrMalformed     = fmt.Errorf("%w: malformed token", ErrRejected)
	// ErrSpliced: the token's presentations were not made together (their
	// key bindings differ, or they are bound to different devices).
	ErrSpliced = fmt.Errorf("%w: the records were not presented together", ErrRejected)
)

// ReplayCache remembers the ids of verified tokens. Use records id as
// seen until `until` and reports whether it was new; it must be atomic.
type ReplayCache interface {
	Use(id string, until time.Time) (fresh bool, err error)
}

// Verifier checks tokens at one counter.
type Verifier struct {
	Trust    *trust.List // the cached, verified trust list
	Audience string      // this counter's agency id
	Replay   ReplayCache // required
	// Revoked reports whether the consent (named by its RevocationID:
	// holder key and consent id) is in the counter's revocation list; nil
	// when the counter has none.
	Revoked func(RevocationID) bool
	Now     func() time.Time // nil: time.Now
	Skew    time.Duration    // zero: DefaultSkew
	Status  StatusFunc       // nil: no status checks (status.go)
}

// Field is one disclosed field and who vouches for it.
type Field struct {
	Issuer     string // agency id
	IssuerName trust.Name
	Type       string // record type code (the vct URN of the trust list's province, read back)
	// Record is the record's place in the token, from 1: the fields of
	// one record share it.
	Record int
	// RecordID is the record's id when the citizen disclosed it (it is a
	// selectively disclosable claim, hidden by default so that counters
	// do not all see one identifier), else "". Online redemptions carry
	// it: the consent's scope names the records.
	RecordID string
	Version  int
	// IssuedAt is the record's own date (the credential's rdate; iat for
	// a credential made before rdate existed); SignedAt is when the
	// warehouse signed the credential (iat).
	IssuedAt, SignedAt time.Time
	Claim              string
	Value              any
}

// ClaimRecordID is the record id's disclosure in a credential
// (sync/credential.ClaimRecordID); credentials made before carried it as
// plain metadata of the same name.
const ClaimRecordID = "rid"

// fieldsOf returns the disclosed fields of credential c, the record at
// place n of a token, and the record's id when it is known (disclosed,
// or plain in an older credential). The record id's own disclosure is
// not a field.
func fieldsOf(c sdjwt.Credential, n int, list *trust.List) (string, []Field) {
	rid, ok := c.Claims[ClaimRecordID].(string)
	if !ok {
		rid, _ = c.Metadata[ClaimRecordID].(string)
	}
	ver, _ := c.Metadata["rver"].(float64)
	date := c.IssuedAt
	if sec, ok := c.Metadata["rdate"].(float64); ok {
		date = time.Unix(int64(sec), 0).UTC()
	}
	typ, _ := list.TypeCode(c.Type)
	var name trust.Name
	agency := c.Issuer // its https identifier or its id: fields name it by id
	if iss, ok := list.Issuer(c.Issuer); ok {
		name, agency = iss.Name, iss.ID
	}
	var fs []Field
	add := func(claim string, val any) {
		fs = append(fs, Field{Issuer: agency, IssuerName: name, Type: typ, Record: n, RecordID: rid, Version: int(ver),
			IssuedAt: date, SignedAt: c.IssuedAt, Claim: claim, Value: val})
	}
	for claim, val := range c.Claims {
		switch obj, isObject := val.(map[string]any); {
		case claim == ClaimRecordID:
		case isObject:
			// A structured object (a place of residence): its disclosed
			// members are the record's fields.
			for member, v := range obj {
				add(member, v)
			}
		default:
			add(claim, val)
		}
	}
	return rid, fs
}

// Result is a verified token.
type Result struct {
	ID, Purpose, Procedure string
	Audience               string
	IssuedAt, Expires      time.Time
	SingleUse              bool
	Holder                 string // the device key's thumbprint
	Fields                 []Field
	Statuses               []CredentialStatus // with Verifier.Status: one per record
}

// VerifyParts reassembles QR parts (any order) and verifies the token.
func (v *Verifier) VerifyParts(parts []string) (*Result, error) {
	tok, err := qrtext.Decode(parts, qrtext.Limits{})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrQR, err)
	}
	return v.Verify(tok)
}

// Verify checks a token. The id is recorded as used only when everything
// else holds, so a rejected token can be fixed and shown again.
func (v *Verifier) Verify(tok string) (*Result, error) {
	if v.Trust == nil || v.Audience == "" || v.Replay == nil {
		return nil, errors.New("consent: verifier needs a trust list, an audience and a replay cache")
	}
	now, skew := v.clock()
	pres, err := Split(tok)
	if err != nil {
		return nil, err
	}
	var first *sdjwt.Presentation
	var res *Result
	for i, one := range pres {
		p, err := sdjwt.Verify(one, sdjwt.VerifyOptions{
			IssuerKey: v.Trust.Key, Now: now, Skew: skew,
			KeyBinding: &sdjwt.BindingPolicy{Audience: v.Audience, MaxAge: MaxLifetime + skew},
		})
		if err != nil {
			return nil, recordError(i, len(pres), one, v.Trust, classify(err))
		}
		if first == nil {
			first = p
			if res, err = consentClaims(p); err != nil {
				return nil, err
			}
		} else if err := sameConsent(first, p); err != nil {
			return nil, recordError(i, len(pres), one, v.Trust, fmt.Errorf("%w: %w", ErrSpliced, err))
		}
		c := p.Credentials[0]
		rid, fs := fieldsOf(c, i+1, v.Trust)
		if v.Status != nil {
			issuer := c.Issuer // by its id, whatever the iss
			if is, ok := v.Trust.Issuer(c.Issuer); ok {
				issuer = is.ID
			}
			st, err := v.Status(issuer, c.Payload)
			if err != nil {
				return nil, recordError(i, len(pres), one, v.Trust, err)
			}
			st.Record, st.RecordID = i+1, rid
			res.Statuses = append(res.Statuses, st)
		}
		res.Fields = append(res.Fields, fs...)
	}
	kb := first.KeyBinding
	sortFields(res.Fields)
	if v.Revoked != nil && v.Revoked(RevocationIDOf(res.Holder, res.ID)) {
		return nil, fmt.Errorf("%w: consent %s", ErrRevoked, res.ID)
	}
	fresh, err := v.Replay.Use(res.ID, kb.Expires.Add(skew))
	if err != nil {
		return nil, fmt.Errorf("consent: replay cache: %w", err)
	}
	if !fresh {
		return nil, fmt.Errorf("%w: consent %s was verified before at this counter", ErrReplay, res.ID)
	}
	return res, nil
}

// Split returns the presentations of a token (ErrMalformed for an empty
// one, more than MaxRecords, or the same presentation twice).
func Split(tok string) ([]string, error) {
	if tok == "" {
		return nil, fmt.Errorf("%w: empty token", ErrMalformed)
	}
	if n := strings.Count(tok, Separator) + 1; n > MaxRecords {
		return nil, fmt.Errorf("%w: %d presentations, at most %d", ErrMalformed, n, MaxRecords)
	}
	pres := strings.Split(tok, Separator)
	seen := make(map[string]bool, len(pres))
	for i, p := range pres {
		// An issuer JWT appearing twice is the same credential twice
		// (with other disclosures, maybe): one record, one presentation.
		jwt, _, _ := strings.Cut(p, "~")
		if seen[jwt] {
			return nil, fmt.Errorf("%w: record %d is presented twice", ErrMalformed, i+1)
		}
		seen[jwt] = true
	}
	return pres, nil
}

// consentClaims reads the consent from a verified presentation's key
// binding.
func consentClaims(p *sdjwt.Presentation) (*Result, error) {
	kb := p.KeyBinding
	res := &Result{Audience: kb.Audience, IssuedAt: kb.IssuedAt, Expires: kb.Expires, Holder: p.Holder.KID()}
	var ok bool
	if res.ID, ok = kb.Extra[ClaimID].(string); !ok || res.ID == "" || len(res.ID) > 200 {
		return nil, fmt.Errorf("%w: no unique id (jti)", ErrMalformed)
	}
	if res.Purpose, ok = kb.Extra[ClaimPurpose].(string); !ok || res.Purpose == "" {
		return nil, fmt.Errorf("%w: no purpose", ErrMalformed)
	}
	if pc, present := kb.Extra[ClaimProcedure]; present {
		if res.Procedure, ok = pc.(string); !ok {
			return nil, fmt.Errorf("%w: procedure is not text", ErrMalformed)
		}
	}
	if su, present := kb.Extra[ClaimSingleUse]; present {
		if res.SingleUse, ok = su.(bool); !ok {
			return nil, fmt.Errorf("%w: single_use is not a boolean", ErrMalformed)
		}
	}
	if kb.Expires.IsZero() {
		return nil, fmt.Errorf("%w: no expiry", ErrMalformed)
	}
	if kb.Expires.Sub(kb.IssuedAt) > MaxLifetime {
		return nil, fmt.Errorf("%w: lifetime over %s", ErrMalformed, MaxLifetime)
	}
	return res, nil
}

// sameConsent checks that two verified presentations belong to one
// consent: the same device key and key-binding claims equal in every
// member but sd_hash (which Verify checked against each presentation).
func sameConsent(a, b *sdjwt.Presentation) error {
	if !a.Holder.Equal(b.Holder) {
		return fmt.Errorf("bound to device %s, the first record to %s", b.Holder.KID(), a.Holder.KID())
	}
	ka, kb := a.KeyBinding, b.KeyBinding
	switch {
	case ka.Audience != kb.Audience, ka.Nonce != kb.Nonce, !ka.IssuedAt.Equal(kb.IssuedAt), !ka.Expires.Equal(kb.Expires):
		return errors.New("another audience, nonce or time")
	case !reflect.DeepEqual(ka.Extra, kb.Extra):
		return errors.New("other consent claims (id, purpose, procedure)")
	}
	return nil
}

// clock is the verifier's time and skew allowance.
func (v *Verifier) clock() (time.Time, time.Duration) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if v.Skew != 0 {
		return now, v.Skew
	}
	return now, DefaultSkew
}

// sortFields orders fields by record (its place in the token), then claim.
func sortFields(fs []Field) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Record != fs[j].Record {
			return fs[i].Record < fs[j].Record
		}
		return fs[i].Claim < fs[j].Claim
	})
}

// classify maps a crypto/sdjwt error to this package's sentinels, keeping
// the original in the chain.
func classify(err error) error {
	var s error
	switch {
	case errors.Is(err, trust.ErrKeyCompromised):
		s = ErrKeyCompromised
	case errors.Is(err, sdjwt.ErrCredentialExpired):
		s = ErrCredentialExpired
	case errors.Is(err, trust.ErrUnknownIssuer):
		s = ErrUnknownIssuer
	case errors.Is(err, trust.ErrKeyNotValidAt):
		s = ErrIssuerKey
	case errors.Is(err, sdjwt.ErrNoKeyBinding):
		s = ErrNoBinding
	case errors.Is(err, sdjwt.ErrAudience):
		s = ErrAudience
	case errors.Is(err, sdjwt.ErrExpired):
		s = ErrExpired
	case errors.Is(err, sdjwt.ErrNotYetValid):
		s = ErrNotYetValid
	case errors.Is(err, trust.ErrUnknownKey), errors.Is(err, sdjwt.ErrIssuerKey), errors.Is(err, sdjwt.ErrIssuerJWT), errors.Is(err, sdjwt.ErrKeyBinding),
		errors.Is(err, sdjwt.ErrSDHash), errors.Is(err, sdjwt.ErrUnreferencedDisclosure), errors.Is(err, sdjwt.ErrDuplicateDisclosure),
		errors.Is(err, sdjwt.ErrHolderMismatch), errors.Is(err, sdjwt.ErrDuplicateDigest):
		s = ErrForged
	default:
		s = ErrMalformed
	}
	return fmt.Errorf("%w: %w", s, err)
}
