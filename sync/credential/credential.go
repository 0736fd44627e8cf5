package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Names in the credential (see doc.go).
const (
	// ClaimCitizen is the disclosure that binds a credential to its
	// citizen: the 12-digit personal identification number.
	ClaimCitizen = "holder_citizen_id"
	// ClaimRecordID is the disclosure of the record's id: a disclosure,
	// not plain metadata, so that counters a citizen shows the same
	// record to do not all see one identifier (see doc.go,
	// "Unlinkability"). Credentials made before carried it as metadata.
	ClaimRecordID = "rid"

	metaID         = "rid" // in credentials made before ClaimRecordID
	metaVersion    = "rver"
	metaStatus     = "rstatus"
	metaValidFrom  = "rfrom"
	metaValidUntil = "runtil"
	metaDate       = "rdate" // the record's own date (Record.IssuedAt)

	// claimStatus is the status-list reference (draft-ietf-oauth-status-list).
	claimStatus = "status"

	// DefaultLifetime is the technical lifetime of a credential (its
	// JWT exp) when IssueOptions.Expires is zero: the warehouse re-issues
	// a credential at sync before it runs out (see doc.go, "Expiry").
	DefaultLifetime = 30 * 24 * time.Hour
)

// Sentinel errors of Verify (Issue returns ErrInvalidRecord and
// ErrOtherCitizen). Each wraps the underlying sdjwt or trust error where
// there is one.
var (
	// ErrMalformed: not an SD-JWT credential of our format.
	ErrMalformed = errors.New("credential: malformed")
	// ErrForged: a signature or disclosure digest does not verify (edited
	// after the issuer signed it).
	ErrForged = errors.New("credential: signature or disclosure does not verify")
	// ErrUnknownIssuer: the issuer is not in the trust list.
	ErrUnknownIssuer = errors.New("credential: issuer not in the trust list")
	// ErrIssuerKey: the signing key is not the issuer's, or was not valid
	// when the credential was issued (e.g. an expired issuer key).
	ErrIssuerKey = errors.New("credential: issuer key not valid for this credential")
	// ErrOtherCitizen: the credential is about another citizen.
	ErrOtherCitizen = errors.New("credential: record of another citizen")
	// ErrOtherDevice: the credential is bound to another device key.
	ErrOtherDevice = errors.New("credential: bound to another device")
	// ErrInvalidRecord: the record does not satisfy the record-type
	// registry (unknown type, missing or ill-typed claim ...).
	ErrInvalidRecord = errors.New("credential: record breaks the record-type rules")
	// ErrKeyCompromised: the credential is signed with a key the trust
	// list marks compromised: it is refused whatever its iat says, and
	// the warehouse re-issues it with the agency's new key.
	ErrKeyCompromised = errors.New("credential: signed with a compromised issuer key")
	// ErrExpired: the credential is past its technical expiry (exp). The
	// record is not withdrawn: the wallet must sync to have it re-issued
	// ("hồ sơ cần đồng bộ lại").
	ErrExpired = errors.New("credential: expired; re-issued at the next sync")
)

// StatusRef points at a credential's entry in a status list
// (draft-ietf-oauth-status-list): the list at URI, index Index. It is
// written as the plain claim "status": {"status_list": {"idx": Index,
// "uri": URI}}.
type StatusRef struct {
	Index int64
	URI   string
}

// IssueOptions are the credential's own facts, as opposed to the
// record's: when it was signed, until when it may be presented, and
// where its status is published.
type IssueOptions struct {
	// SignedAt is the JWT's iat: when the warehouse signs. Required;
	// dropped to whole seconds. Verifiers pick the issuer key valid at
	// this time, so it must be the real signing time, never a record's
	// date.
	SignedAt time.Time
	// Expires is the JWT's exp; zero means SignedAt + DefaultLifetime.
	Expires time.Time
	// Status, when set, is carried as the "status" claim.
	Status *StatusRef
	// Province is the province whose type registry names the record's
	// type: vct is trust.VCT(Province, r.Type). Required.
	Province string
	// Iss is the credential's iss: the agency's https identifier
	// (trust.Issuer.URL) when it has one; empty: r.Issuer, its id.
	Iss string
	// Seed, when set (sdjwt.SeedSize random bytes, for this credential
	// only), is what every salt and decoy is derived from, so the
	// credential can travel to its holder without them
	// (protocol.CompactSeeded). Nil: random salts and decoys.
	Seed []byte
}

// DecoysFor is the number of decoy digests in r's credential: as many as
// the fields its type defines and r leaves out, so every credential of a
// type has the same number of digests and the count tells nothing of
// which optional fields a record has (a constant number of decoys would
// tell their number exactly). A withdrawal, which carries no claims and
// is never presented, gets none.
//
// Fields the type groups into an object (wallet.RecordType.Objects) count
// as one top-level slot, the object; inside it every member left out is
// a decoy of the object's own (sdjwt IssueRequest.ObjectDecoys).
func DecoysFor(r wallet.Record) int {
	t, ok := wallet.LookupType(r.Type)
	if !ok || len(r.Claims) == 0 {
		return 0
	}
	slots, filled := len(t.Fields), len(r.Claims)
	for _, o := range t.Objects {
		slots -= len(o.Fields) - 1
		n := 0
		for _, f := range o.Fields {
			if _, ok := r.Claims[f]; ok {
				n++
			}
		}
		if n > 0 {
			filled -= n - 1
		}
	}
	return max(0, slots-filled)
}

// objectsOf is the type's objects as sdjwt.IssueRequest.Objects.
func objectsOf(typ string) map[string][]string {
	t, ok := wallet.LookupType(typ)
	if !ok || len(t.Objects) == 0 {
		return nil
	}
	out := make(map[string][]string, len(t.Objects))
	for _, o := range t.Objects {
		out[o.Name] = o.Fields
	}
	return out
}

// Issue signs one version of a record as an SD-JWT by its issuing agency,
// bound to the device key holder of the citizen citizenID, at
// o.SignedAt (iat) until o.Expires (exp). Every claim and the citizen's
// number are disclosures; id, version, status, the record's date and
// validity are plain metadata. The record's times must be whole seconds,
// so the record Verify returns equals r.
func Issue(r wallet.Record, citizenID string, issuer *keys.PrivateKey, holder *keys.PublicKey, o IssueOptions) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	if err := wallet.ValidateCitizenID(citizenID); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	for _, t := range []time.Time{r.IssuedAt, r.ValidFrom, r.ValidUntil} {
		if t.Nanosecond() != 0 {
			return "", fmt.Errorf("%w: record %s: times must be whole seconds", ErrInvalidRecord, r.ID)
		}
	}
	for _, name := range []string{ClaimCitizen, ClaimRecordID} {
		if _, ok := r.Claims[name]; ok {
			return "", fmt.Errorf("%w: record %s: claim name %s is reserved", ErrInvalidRecord, r.ID, name)
		}
	}
	if o.Province == "" {
		return "", errors.New("credential: the province (of the type registry) is required")
	}
	if issuer == nil || holder == nil {
		return "", errors.New("credential: issuer and holder keys are required")
	}
	if o.SignedAt.IsZero() {
		return "", errors.New("credential: the signing time is required")
	}
	signed := o.SignedAt.Truncate(time.Second).UTC()
	exp := o.Expires
	if exp.IsZero() {
		exp = signed.Add(DefaultLifetime)
	}
	exp = exp.Truncate(time.Second).UTC()
	if !exp.After(signed) {
		return "", fmt.Errorf("credential: record %s: expiry %s is not after signing %s", r.ID, exp.Format(time.RFC3339), signed.Format(time.RFC3339))
	}
	claims := make(map[string]any, len(r.Claims)+1)
	for k, v := range r.Claims {
		claims[k] = v
	}
	claims[ClaimCitizen] = citizenID
	claims[ClaimRecordID] = r.ID
	meta := map[string]any{metaVersion: r.Version, metaStatus: string(r.Status), metaDate: r.IssuedAt.Unix()}
	if !r.ValidFrom.IsZero() {
		meta[metaValidFrom] = r.ValidFrom.Unix()
	}
	if !r.ValidUntil.IsZero() {
		meta[metaValidUntil] = r.ValidUntil.Unix()
	}
	iss := r.Issuer
	if o.Iss != "" {
		if err := trust.CheckIssuerURL(o.Iss); err != nil {
			return "", fmt.Errorf("credential: record %s: %w", r.ID, err)
		}
		iss = o.Iss
	}
	req := sdjwt.IssueRequest{
		Issuer:   iss,
		Type:     trust.VCT(o.Province, r.Type),
		IssuedAt: signed,
		Expires:  exp,
		Holder:   holder,
		Metadata: meta,
		Claims:   claims,
		Decoys:   DecoysFor(r),
		Objects:  objectsOf(r.Type), ObjectDecoys: true,
		Seed: o.Seed,
	}
	if o.Status != nil {
		if o.Status.Index < 0 || o.Status.URI == "" {
			return "", fmt.Errorf("credential: record %s: a status reference needs an index >= 0 and a URI", r.ID)
		}
		req.Status = map[string]any{"status_list": map[string]any{"idx": o.Status.Index, "uri": o.Status.URI}}
	}
	cred, err := sdjwt.Issue(issuer, req)
	if err != nil {
		return "", fmt.Errorf("credential: issue record %s: %w", r.ID, err)
	}
	return cred, nil
}

// VerifyOptions says what the wallet trusts and who it is.
type VerifyOptions struct {
	Trust     *trust.List     // the verified trust list; required
	Holder    *keys.PublicKey // this device's key; required
	CitizenID string          // this profile's citizen number; required
	Now       time.Time       // zero: time.Now()
}

// Verify checks an issued credential for this device and citizen and
// returns the record it carries, with Credential = cred (ReceivedAt is
// left for the caller). Claims come back as encoding/json decodes them
// (numbers float64, lists []any).
func Verify(cred string, o VerifyOptions) (wallet.Record, error) {
	v, err := VerifyFull(cred, o)
	return v.Record, err
}

// Verified is what VerifyFull returns: the record and the credential's
// own facts.
type Verified struct {
	Record   wallet.Record
	KID      string     // the issuer key that signed it
	SignedAt time.Time  // iat
	Expires  time.Time  // exp; zero for a credential made before exp existed
	Status   *StatusRef // nil when the credential has none
}

// VerifyFull is Verify, returning also when the credential was signed,
// until when it may be presented, with which key, and its status-list
// reference.
func VerifyFull(cred string, o VerifyOptions) (Verified, error) {
	r, c, err := verify(cred, o)
	if err != nil {
		return Verified{}, err
	}
	st, err := StatusOf(c.Payload)
	if err != nil {
		return Verified{}, err
	}
	return Verified{Record: r, KID: c.KID, SignedAt: c.IssuedAt.UTC(), Expires: c.Expires.UTC(), Status: st}, nil
}

func verify(cred string, o VerifyOptions) (wallet.Record, sdjwt.Credential, error) {
	var none sdjwt.Credential
	if o.Trust == nil || o.Holder == nil || o.CitizenID == "" {
		return wallet.Record{}, none, errors.New("credential: Trust, Holder and CitizenID are required")
	}
	p, err := sdjwt.Verify(cred, sdjwt.VerifyOptions{
		IssuerKey: o.Trust.Key,
		Now:       o.Now,
		Holder:    o.Holder,
	})
	if err != nil {
		return wallet.Record{}, none, classify(err)
	}
	if len(p.Credentials) != 1 {
		return wallet.Record{}, none, fmt.Errorf("%w: %d credentials, want 1", ErrMalformed, len(p.Credentials))
	}
	c := p.Credentials[0]
	r, err := fromCredential(c, o.Trust)
	if err != nil {
		return wallet.Record{}, none, err
	}
	if got, _ := c.Claims[ClaimCitizen].(string); got != o.CitizenID {
		return wallet.Record{}, none, fmt.Errorf("%w: record %s is about citizen %q, this profile is %s", ErrOtherCitizen, r.ID, got, o.CitizenID)
	}
	if err := r.Validate(); err != nil {
		return wallet.Record{}, none, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	r.Credential = cred
	return r, c, nil
}

// classify maps sdjwt's and trust's errors to this package's sentinels.
func classify(err error) error {
	wrap := func(s error) error { return fmt.Errorf("%w: %w", s, err) }
	switch {
	case errors.Is(err, trust.ErrKeyCompromised):
		return wrap(ErrKeyCompromised)
	case errors.Is(err, sdjwt.ErrCredentialExpired):
		return wrap(ErrExpired)
	case errors.Is(err, trust.ErrUnknownIssuer):
		return wrap(ErrUnknownIssuer)
	case errors.Is(err, trust.ErrUnknownKey), errors.Is(err, trust.ErrKeyNotValidAt), errors.Is(err, sdjwt.ErrIssuerKey):
		return wrap(ErrIssuerKey)
	case errors.Is(err, sdjwt.ErrHolderMismatch):
		return wrap(ErrOtherDevice)
	case errors.Is(err, keys.ErrSignature), errors.Is(err, sdjwt.ErrUnreferencedDisclosure):
		return wrap(ErrForged)
	}
	return wrap(ErrMalformed)
}

// fromCredential rebuilds the record from a verified credential.
func fromCredential(c sdjwt.Credential, list *trust.List) (wallet.Record, error) {
	bad := func(format string, a ...any) (wallet.Record, error) {
		return wallet.Record{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	// The id is a disclosure (the wallet holds them all); in a credential
	// made before, plain metadata.
	id, ok := c.Claims[ClaimRecordID].(string)
	if _, both := c.Metadata[metaID]; both && ok {
		return bad("record id both disclosed and plain")
	}
	if !ok {
		id, ok = c.Metadata[metaID].(string)
	}
	if !ok || id == "" {
		return bad("no record id")
	}
	ver, ok := wholeNumber(c.Metadata[metaVersion])
	if !ok || ver < 1 || ver > math.MaxInt32 {
		return bad("record %s: no valid version", id)
	}
	status, ok := c.Metadata[metaStatus].(string)
	if !ok {
		return bad("record %s: no status", id)
	}
	// The type's URN of this province; a credential made before types
	// were URNs names the bare code.
	code, _ := list.TypeCode(c.Type)
	// iss is the agency's https identifier or its id; records name it by
	// id (the key lookup found it, so it is listed).
	agency := c.Issuer
	if is, ok := list.Issuer(c.Issuer); ok {
		agency = is.ID
	}
	r := wallet.Record{
		ID:      id,
		Type:    code,
		Issuer:  agency,
		Version: int(ver),
		Status:  wallet.Status(status),
		Claims:  wallet.Claims{},
	}
	// The record's own date; a credential made before "rdate" existed
	// carried it as iat.
	if _, ok := c.Metadata[metaDate]; !ok {
		r.IssuedAt = c.IssuedAt.UTC()
	}
	for name, v := range map[string]*time.Time{metaDate: &r.IssuedAt, metaValidFrom: &r.ValidFrom, metaValidUntil: &r.ValidUntil} {
		raw, present := c.Metadata[name]
		if !present {
			continue
		}
		sec, ok := wholeNumber(raw)
		if !ok {
			return bad("record %s: %s is not a time", id, name)
		}
		*v = time.Unix(sec, 0).UTC()
	}
	for name := range c.Metadata {
		switch name {
		case metaID, metaVersion, metaStatus, metaValidFrom, metaValidUntil, metaDate, claimStatus:
		default:
			return bad("record %s: unknown metadata %q", id, name)
		}
	}
	t, ok := wallet.LookupType(code)
	if !ok {
		return wallet.Record{}, fmt.Errorf("%w: record %s: unknown record type %q", ErrInvalidRecord, id, c.Type)
	}
	r.Domain = t.Domain
	for name, v := range c.Claims {
		switch obj, isObject := objectNamed(t, name); {
		case name == ClaimCitizen, name == ClaimRecordID:
		case isObject:
			// A structured object: its members are the record's fields.
			m, ok := v.(map[string]any)
			if !ok {
				return bad("record %s: %s is not an object", id, name)
			}
			for f, fv := range m {
				if !slices.Contains(obj.Fields, f) {
					return bad("record %s: %s holds %q", id, name, f)
				}
				r.Claims[f] = fv
			}
		default:
			r.Claims[name] = v
		}
	}
	if len(r.Claims) == 0 {
		r.Claims = nil // a withdrawal may carry none
	}
	return r, nil
}

// objectNamed is the object of t named name.
func objectNamed(t *wallet.RecordType, name string) (wallet.Object, bool) {
	for _, o := range t.Objects {
		if o.Name == name {
			return o, true
		}
	}
	return wallet.Object{}, false
}

// wholeNumber reads a JSON number that must be an integer.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// StatusOf reads the status-list reference of a verified credential from
// its payload (sdjwt.Credential.Payload, or Metadata: the "status"
// member is at the top of both): nil when it has none, ErrMalformed when
// "status" is not {"status_list": {"idx": N, "uri": "..."}} with N a
// whole number >= 0 and a non-empty uri. A counter reads it from each
// presented credential to look the index up in its cached list.
func StatusOf(payload map[string]any) (*StatusRef, error) {
	raw, ok := payload[claimStatus]
	if !ok {
		return nil, nil
	}
	bad := func(why string) (*StatusRef, error) {
		return nil, fmt.Errorf("%w: status claim: %s", ErrMalformed, why)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return bad("not an object")
	}
	sl, ok := obj["status_list"].(map[string]any)
	if !ok {
		return bad("no status_list object")
	}
	idx, ok := wholeNumber(sl["idx"])
	if !ok || idx < 0 {
		return bad("idx is not a whole number >= 0")
	}
	uri, ok := sl["uri"].(string)
	if !ok || uri == "" {
		return bad("no uri")
	}
	return &StatusRef{Index: idx, URI: uri}, nil
}
