package consent

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
)

// Online tokens. A counter with a network can take a small reference
// instead of the data: a JWT signed by the citizen's device key naming the
// consent (jti), the recipient (aud), the lifetime, the purpose, and the
// scope (which claims of which records). The counter redeems it at the
// warehouse, which checks the device key, scope, revocation and single
// use, returns the agency-signed credentials with only those claims
// disclosed, and logs the use for the citizen. The warehouse therefore
// sees every online use: that is the point (the citizen's access log), and
// the reason offline tokens exist too (docs/threat-model.md).

// ReferenceType is the typ header of an online token.
const ReferenceType = "consent-ref+jwt"

// ScopeItem is one record and the claims of it a reference opens.
type ScopeItem struct {
	RecordID string   `json:"rid"`
	Claims   []string `json:"claims"`
}

// Reference is the content of an online token.
type Reference struct {
	ID        string      `json:"jti"`
	Audience  string      `json:"aud"`
	IssuedAt  int64       `json:"iat"`
	Expires   int64       `json:"exp"`
	Purpose   string      `json:"purpose"`
	Procedure string      `json:"procedure,omitempty"`
	SingleUse bool        `json:"single_use,omitempty"`
	Nonce     string      `json:"nonce,omitempty"`
	Scope     []ScopeItem `json:"scope"`
	// Device is the signing device key's thumbprint (from the header).
	Device string `json:"-"`
}

// Limits of a reference.
const (
	maxScopeItems  = 32
	maxScopeClaims = 64
)

func (r Reference) validate() error {
	switch {
	case r.ID == "" || len(r.ID) > 200:
		return errors.New("no id")
	case r.Audience == "" || r.Purpose == "":
		return errors.New("audience and purpose are required")
	case r.Expires <= r.IssuedAt || time.Duration(r.Expires-r.IssuedAt)*time.Second > MaxLifetime:
		return fmt.Errorf("lifetime must be more than 0 and at most %s", MaxLifetime)
	case len(r.Scope) == 0 || len(r.Scope) > maxScopeItems:
		return fmt.Errorf("scope must name 1 to %d records", maxScopeItems)
	}
	for _, it := range r.Scope {
		if it.RecordID == "" || len(it.Claims) == 0 || len(it.Claims) > maxScopeClaims {
			return fmt.Errorf("scope item %q must name 1 to %d claims", it.RecordID, maxScopeClaims)
		}
	}
	return nil
}

// BuildReference signs an online token with the device key. ID and Nonce
// are made when empty; Expires defaults to IssuedAt + DefaultLifetime.
func BuildReference(holder *keys.PrivateKey, r Reference) (string, Reference, error) {
	if r.ID == "" {
		r.ID = randomID()
	}
	if r.Expires == 0 {
		r.Expires = r.IssuedAt + int64(DefaultLifetime/time.Second)
	}
	if err := r.validate(); err != nil {
		return "", r, fmt.Errorf("consent: reference: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", r, err
	}
	jwt, err := keys.Sign(holder, ReferenceType, b)
	if err != nil {
		return "", r, fmt.Errorf("consent: reference: %w", err)
	}
	r.Device = holder.KID()
	return jwt, r, nil
}

// VerifyReference checks an online token's signature with the device key
// lookup gives for its kid, its content, and its times at now ± skew.
// Audience, revocation and single use are the caller's (the warehouse's).
func VerifyReference(token string, lookup keys.Lookup, now time.Time, skew time.Duration) (*Reference, error) {
	if len(token) > 8<<10 {
		return nil, fmt.Errorf("%w: reference over 8 KiB", ErrMalformed)
	}
	payload, kid, err := keys.Verify(strings.TrimSpace(token), ReferenceType, lookup)
	if err != nil {
		if errors.Is(err, keys.ErrSignature) {
			return nil, fmt.Errorf("%w: %w", ErrForged, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var r Reference
	if err := keys.DecodeStrict(payload, &r); err != nil {
		return nil, fmt.Errorf("%w: reference: %w", ErrMalformed, err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("%w: reference: %v", ErrMalformed, err)
	}
	r.Device = kid
	switch {
	case time.Unix(r.IssuedAt, 0).After(now.Add(skew)):
		return nil, fmt.Errorf("%w: reference issued %s", ErrNotYetValid, time.Unix(r.IssuedAt, 0).UTC().Format(time.RFC3339))
	case !now.Add(-skew).Before(time.Unix(r.Expires, 0)):
		return nil, fmt.Errorf("%w: reference expired %s", ErrExpired, time.Unix(r.Expires, 0).UTC().Format(time.RFC3339))
	}
	return &r, nil
}

// VerifyRedeemed checks a redemption at the counter: every returned
// credential against the trust list and bound to one device key; the
// token's signature by that key; the token for this counter, in time;
// and nothing disclosed outside the token's scope. It returns the fields
// like Verify, and records the id in the replay cache (a token seen
// before at this counter is refused). Revocation and single use across
// counters are the warehouse's checks.
func (v *Verifier) VerifyRedeemed(token string, creds []string) (*Result, error) {
	now, skew := v.clock()
	if len(creds) == 0 {
		return nil, fmt.Errorf("%w: the warehouse returned no record", ErrMalformed)
	}
	var holder *keys.PublicKey
	var verified []sdjwt.Credential
	for _, cred := range creds {
		p, err := sdjwt.Verify(cred, sdjwt.VerifyOptions{IssuerKey: v.Trust.Key, Now: now, Skew: skew})
		if err != nil {
			return nil, classify(err)
		}
		c := p.Credentials[0]
		if holder == nil {
			holder = c.Holder
		} else if !holder.Equal(c.Holder) {
			return nil, fmt.Errorf("%w: returned records are bound to different devices", ErrForged)
		}
		verified = append(verified, c)
	}
	ref, err := VerifyReference(token, keys.StaticKey(holder), now, skew)
	if err != nil {
		return nil, err
	}
	if ref.Audience != v.Audience {
		return nil, fmt.Errorf("%w: consent for %s", ErrAudience, ref.Audience)
	}
	scope := map[string]map[string]bool{}
	for _, it := range ref.Scope {
		scope[it.RecordID] = map[string]bool{}
		for _, c := range it.Claims {
			scope[it.RecordID][c] = true
		}
	}
	res := &Result{ID: ref.ID, Purpose: ref.Purpose, Procedure: ref.Procedure, Audience: ref.Audience,
		IssuedAt: time.Unix(ref.IssuedAt, 0).UTC(), Expires: time.Unix(ref.Expires, 0).UTC(), SingleUse: ref.SingleUse, Holder: ref.Device}
	for i, c := range verified {
		rid, fs := fieldsOf(c, i+1, v.Trust)
		for _, f := range fs {
			if !scope[rid][f.Claim] {
				return nil, fmt.Errorf("%w: the warehouse disclosed %s of %s, outside the consent", ErrForged, f.Claim, rid)
			}
		}
		res.Fields = append(res.Fields, fs...)
	}
	sortFields(res.Fields)
	if v.Replay != nil {
		fresh, err := v.Replay.Use(ref.ID, time.Unix(ref.Expires, 0).Add(skew))
		if err != nil {
			return nil, fmt.Errorf("consent: replay cache: %w", err)
		}
		if !fresh {
			return nil, fmt.Errorf("%w: consent %s was verified before at this counter", ErrReplay, ref.ID)
		}
	}
	return res, nil
}
