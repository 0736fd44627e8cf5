package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
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

	metaID         = "rid"
	metaVersion    = "rver"
	metaStatus     = "rstatus"
	metaValidFrom  = "rfrom"
	metaValidUntil = "runtil"

	// Decoys is the number of decoy digests in every credential, so the
	// digest count does not tell how many claims a record has.
	Decoys = 3
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
)

// Issue signs one version of a record as an SD-JWT by its issuing agency,
// bound to the device key holder of the citizen citizenID. Every claim
// and the citizen's number are disclosures; id, version, status and
// validity are plain metadata. IssuedAt must be whole seconds (the JWT's
// iat), so the record Verify returns equals r.
func Issue(r wallet.Record, citizenID string, issuer *keys.PrivateKey, holder *keys.PublicKey) (string, error) {
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
	if _, ok := r.Claims[ClaimCitizen]; ok {
		return "", fmt.Errorf("%w: record %s: claim name %s is reserved", ErrInvalidRecord, r.ID, ClaimCitizen)
	}
	if issuer == nil || holder == nil {
		return "", errors.New("credential: issuer and holder keys are required")
	}
	claims := make(map[string]any, len(r.Claims)+1)
	for k, v := range r.Claims {
		claims[k] = v
	}
	claims[ClaimCitizen] = citizenID
	meta := map[string]any{metaID: r.ID, metaVersion: r.Version, metaStatus: string(r.Status)}
	if !r.ValidFrom.IsZero() {
		meta[metaValidFrom] = r.ValidFrom.Unix()
	}
	if !r.ValidUntil.IsZero() {
		meta[metaValidUntil] = r.ValidUntil.Unix()
	}
	cred, err := sdjwt.Issue(issuer, sdjwt.IssueRequest{
		Issuer:   r.Issuer,
		Type:     r.Type,
		IssuedAt: r.IssuedAt,
		Holder:   holder,
		Metadata: meta,
		Claims:   claims,
		Decoys:   Decoys,
	})
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
	if o.Trust == nil || o.Holder == nil || o.CitizenID == "" {
		return wallet.Record{}, errors.New("credential: Trust, Holder and CitizenID are required")
	}
	p, err := sdjwt.Verify(cred, sdjwt.VerifyOptions{
		IssuerKey: o.Trust.Key,
		Now:       o.Now,
		Holder:    o.Holder,
	})
	if err != nil {
		return wallet.Record{}, classify(err)
	}
	if len(p.Credentials) != 1 {
		return wallet.Record{}, fmt.Errorf("%w: %d credentials, want 1", ErrMalformed, len(p.Credentials))
	}
	c := p.Credentials[0]
	r, err := fromCredential(c)
	if err != nil {
		return wallet.Record{}, err
	}
	if got, _ := c.Claims[ClaimCitizen].(string); got != o.CitizenID {
		return wallet.Record{}, fmt.Errorf("%w: record %s is about citizen %q, this profile is %s", ErrOtherCitizen, r.ID, got, o.CitizenID)
	}
	if err := r.Validate(); err != nil {
		return wallet.Record{}, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	r.Credential = cred
	return r, nil
}

// classify maps sdjwt's and trust's errors to this package's sentinels.
func classify(err error) error {
	wrap := func(s error) error { return fmt.Errorf("%w: %w", s, err) }
	switch {
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
func fromCredential(c sdjwt.Credential) (wallet.Record, error) {
	bad := func(format string, a ...any) (wallet.Record, error) {
		return wallet.Record{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	id, ok := c.Metadata[metaID].(string)
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
	r := wallet.Record{
		ID:       id,
		Type:     c.Type,
		Issuer:   c.Issuer,
		IssuedAt: c.IssuedAt.UTC(),
		Version:  int(ver),
		Status:   wallet.Status(status),
		Claims:   wallet.Claims{},
	}
	for name, v := range map[string]*time.Time{metaValidFrom: &r.ValidFrom, metaValidUntil: &r.ValidUntil} {
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
		case metaID, metaVersion, metaStatus, metaValidFrom, metaValidUntil:
		default:
			return bad("record %s: unknown metadata %q", id, name)
		}
	}
	t, ok := wallet.LookupType(c.Type)
	if !ok {
		return wallet.Record{}, fmt.Errorf("%w: record %s: unknown record type %q", ErrInvalidRecord, id, c.Type)
	}
	r.Domain = t.Domain
	for name, v := range c.Claims {
		if name != ClaimCitizen {
			r.Claims[name] = v
		}
	}
	if len(r.Claims) == 0 {
		r.Claims = nil // a withdrawal may carry none
	}
	return r, nil
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
