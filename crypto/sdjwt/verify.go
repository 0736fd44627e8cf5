package sdjwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Defaults for VerifyOptions and BindingPolicy.
const (
	// DefaultSkew is the clock-skew allowance on every time check when
	// VerifyOptions.Skew is zero: counters and phones offline drift.
	DefaultSkew = 5 * time.Minute
	// DefaultKeyBindingMaxAge bounds the age of a key-binding JWT that
	// has no exp when BindingPolicy.MaxAge is zero.
	DefaultKeyBindingMaxAge = 10 * time.Minute
)

// IssuerKeyFunc returns the key an issuer used for kid at the time a
// credential says it was issued, or an error if that key was not
// trusted then. (*trust.List).Key has this signature.
type IssuerKeyFunc func(issuer, kid string, issuedAt time.Time) (*keys.PublicKey, error)

// VerifyOptions says what Verify trusts and expects.
type VerifyOptions struct {
	// IssuerKey finds issuer keys (required), e.g. trustList.Key.
	IssuerKey IssuerKeyFunc
	// Now is the verifier's time; zero means time.Now().
	Now time.Time
	// Skew is the allowance on every time check: zero means DefaultSkew,
	// negative means none.
	Skew time.Duration
	// KeyBinding, when set, requires a key-binding JWT and says what it
	// must hold (a counter verifying a citizen's presentation). When nil
	// the input must have none: an issued credential, as the wallet
	// checks it on sync.
	KeyBinding *BindingPolicy
	// Holder, when set, is the key every credential must be bound to (the
	// wallet checks records synced to it are bound to its device key).
	Holder *keys.PublicKey
	// Profile, when set, verifies standard SD-JWTs that are not of this
	// province's profile (RFC 9901's and SD-JWT VC's examples, other
	// ecosystems' credentials). Nil: this province's credentials only.
	Profile *Profile
}

// Profile relaxes the rules Verify applies on top of RFC 9901 for
// credentials of this province, to verify any RFC 9901 SD-JWT. What
// stays the same: all of RFC 9901 §7 (signature, _sd_alg, every digest
// at most once, every disclosure used exactly once, no name clashes,
// validity times, key binding), the header policy of package keys
// except kid, the algorithms (ES256, EdDSA: RFC 9901 leaves the choice to
// the application, and this package verifies no other), strict JSON,
// the undisclosable claims and the limits. What a Profile changes:
//
//   - the issuer-signed JWT's typ is Profile.Typ, or anything (or
//     nothing) when Typ is empty, instead of "dc+sd-jwt";
//   - its kid is optional (the lookup gets "");
//   - iss, iat, vct and cnf are optional (the lookup gets "" and the
//     zero time; Credential.Holder is nil without cnf, and a key binding
//     then cannot be verified);
//   - a kid in the key-binding JWT may also be the cnf JWK's own kid.
type Profile struct {
	// Typ is the exact typ the issuer-signed JWT must carry, e.g.
	// "dc+sd-jwt" for SD-JWT VC or "example+sd-jwt" for RFC 9901's
	// examples. Empty accepts any typ or none: RFC 9901 §9.11 recommends
	// explicit typing but does not require it.
	Typ string
}

// BindingPolicy is what a verifier requires of a key-binding JWT.
type BindingPolicy struct {
	// Audience must equal the KB-JWT's aud (required, non-empty).
	Audience string
	// Nonce, if set, must equal the KB-JWT's nonce (the verifier's
	// challenge). If empty, any non-empty nonce is accepted.
	Nonce string
	// MaxAge, if positive, bounds now - iat. If zero, exp bounds the
	// binding, and a binding without exp may be at most
	// DefaultKeyBindingMaxAge old.
	MaxAge time.Duration
}

// Credential is one verified credential: who vouches, for what, and the
// claims the holder chose to disclose.
type Credential struct {
	Issuer   string // iss: the issuer's id in the trust list
	KID      string // the issuer key that signed it
	Type     string // vct: the record type
	IssuedAt time.Time
	// NotBefore and Expires are zero when the credential has none.
	NotBefore, Expires time.Time
	// Holder is the key the credential is bound to (cnf.jwk).
	Holder *keys.PublicKey
	// Metadata holds the plain claims of the issuer-signed JWT other
	// than iss, iat, nbf, exp, vct, cnf, _sd and _sd_alg (record id,
	// version ...), processed like Claims: an object may hold nested
	// disclosed claims.
	Metadata map[string]any
	// Claims holds the claims disclosed at the top level, by name, with
	// their values processed (nested disclosures resolved). Values are
	// as decoded by encoding/json (numbers are float64).
	Claims map[string]any
	// Payload is the Processed SD-JWT Payload of RFC 9901 §7.1: the
	// issuer-signed payload with every presented disclosure, at any
	// depth, in place of its digest, and the _sd, _sd_alg and
	// undisclosed array elements removed. Claims and Metadata are views
	// of it.
	Payload map[string]any

	holderKID string // the cnf JWK's own kid member, if any
}

// Presentation is the result of Verify.
type Presentation struct {
	// Credentials holds the one credential of the SD-JWT (RFC 9901: an
	// SD-JWT carries exactly one; several are presented as several
	// SD-JWTs).
	Credentials []Credential
	// Holder is the key the credential is bound to when a key binding
	// was verified; nil otherwise.
	Holder *keys.PublicKey
	// KeyBinding is the verified key-binding JWT, nil when there is none.
	KeyBinding *KeyBinding
}

// Verify checks an issued SD-JWT or a presentation of it (see Present)
// and returns what it verifiably says: RFC 9901 §7 in full, with this
// province's profile on top unless opts.Profile says otherwise. In this
// order:
//
//   - the header policy of package keys with typ "dc+sd-jwt" (with a
//     Profile: its typ, and kid optional), and a strict JSON payload with
//     iss and iat (optional with a Profile);
//   - the issuer key from opts.IssuerKey(iss, kid, iat) and the signature;
//   - _sd_alg (if present) is "sha-256"; vct is a string (required
//     without a Profile); cnf is exactly {"jwk": public key} (required
//     without a Profile), the JWK with at most the optional members RFC
//     7517 gives a public signature key (use "sig", key_ops with
//     "verify", alg, kid) and never a private one;
//   - iat not after now+skew, nbf not after now+skew, exp after now-skew;
//   - with opts.Holder, cnf is that key;
//   - the disclosures (RFC 9901 §7.1 step 3 to 5), at every depth: each
//     _sd digest a presented object-property disclosure matches becomes
//     that claim, each {"...": digest} array element the disclosed
//     element, recursively into the disclosed values; other digests are
//     decoys or undisclosed, and dropped. No digest may appear twice
//     (ErrDuplicateDigest), every disclosure must be used exactly once
//     (ErrDuplicateDisclosure, ErrUnreferencedDisclosure) and be well
//     formed and of the kind its place calls for
//     (ErrMalformedDisclosure); a disclosed name may not be "_sd" or
//     "...", repeat a member at its level, nor, at the top level, be
//     iss, aud, iat, nbf, exp, cnf, vct, vct#integrity, status or
//     _sd_alg (ErrClaimConflict; a disclosed sub is fine). The payload is
//     walked in a fixed order and a disclosure decoded only when a digest
//     references it, so the error does not depend on the order in which
//     the disclosures are presented.
//
// Then the key binding: absent when opts.KeyBinding is nil
// (ErrUnexpectedKeyBinding otherwise); else present (ErrNoKeyBinding),
// header
// policy with typ "kb+jwt" and signature by that key (ErrKeyBinding; a
// kid is optional, as RFC 9901 §4.3 says, and when present must be the
// key's thumbprint or the cnf JWK's own kid), sd_hash equal to the hash
// of everything before it (ErrSDHash), aud (ErrAudience), nonce
// (ErrNonce), and its times (ErrNotYetValid, ErrExpired).
//
// Each failure wraps ErrInvalid and its own sentinel.
func Verify(s string, opts VerifyOptions) (*Presentation, error) {
	p, err := verify(s, opts)
	if err != nil {
		return nil, fmt.Errorf("sdjwt: verify: %w", err)
	}
	return p, nil
}

func verify(s string, opts VerifyOptions) (*Presentation, error) {
	if opts.IssuerKey == nil {
		return nil, errors.New("no issuer-key lookup")
	}
	if opts.KeyBinding != nil && opts.KeyBinding.Audience == "" {
		return nil, errors.New("key-binding policy without audience")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	skew := opts.Skew
	switch {
	case skew == 0:
		skew = DefaultSkew
	case skew < 0:
		skew = 0
	}
	ser, err := split(s)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.KeyBinding == nil && ser.kb != "":
		return nil, ErrUnexpectedKeyBinding
	case opts.KeyBinding != nil && ser.kb == "":
		return nil, ErrNoKeyBinding
	}
	c, err := verifyCredential(ser.creds[0], opts, now, skew)
	if err != nil {
		return nil, err
	}
	out := &Presentation{Credentials: []Credential{*c}}
	if opts.KeyBinding == nil {
		return out, nil
	}
	if c.Holder == nil {
		return nil, fmt.Errorf("%w: no cnf: the key binding cannot be checked", ErrMalformed)
	}
	holder := c.Holder
	kb, err := verifyKeyBinding(ser, holder, c.holderKID, opts.KeyBinding, now, skew)
	if err != nil {
		return nil, err
	}
	out.Holder, out.KeyBinding = holder, kb
	return out, nil
}

func verifyCredential(p part, opts VerifyOptions, now time.Time, skew time.Duration) (*Credential, error) {
	std := opts.Profile != nil
	// The header policy: package keys' own (kid required, typ dc+sd-jwt)
	// for this province's credentials, parseJWS's for a standard profile.
	var (
		kid     string
		payload []byte
		check   func(*keys.PublicKey) ([]byte, error)
	)
	if !std {
		u, err := keys.ParseUnverified(p.jwt, TypCredential)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIssuerJWT, err)
		}
		kid, payload, check = u.KID(), u.UnverifiedPayload(), u.Verify
	} else {
		j, err := parseJWS(p.jwt, opts.Profile.Typ)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIssuerJWT, err)
		}
		kid, payload, check = j.kid, j.payload, j.verify
	}
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, err
	}
	iss, err := optionalString(claims, "iss", !std)
	if err != nil {
		return nil, err
	}
	iat, err := dateClaim(claims, "iat", !std)
	if err != nil {
		return nil, err
	}
	key, err := opts.IssuerKey(iss, kid, iat)
	if err != nil {
		return nil, fmt.Errorf("%w: %s key %s: %w", ErrIssuerKey, truncate(iss), kid, err)
	}
	if key == nil {
		return nil, fmt.Errorf("%w: %s key %s: lookup returned no key", ErrIssuerKey, truncate(iss), kid)
	}
	if _, err := check(key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerJWT, err)
	}
	// Signed by a trusted key from here on.
	if raw, ok := claims["_sd_alg"]; ok {
		if alg, ok := jsonString(raw); !ok || alg != SDAlg {
			return nil, fmt.Errorf("%w: %s", ErrSDAlg, truncate(string(raw)))
		}
	}
	vct, err := optionalString(claims, "vct", !std)
	if err != nil {
		return nil, err
	}
	nbf, err := dateClaim(claims, "nbf", false)
	if err != nil {
		return nil, err
	}
	exp, err := dateClaim(claims, "exp", false)
	if err != nil {
		return nil, err
	}
	h, err := holderKey(claims, !std)
	if err != nil {
		return nil, err
	}
	if !iat.IsZero() && iat.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: credential issued in the future (%s)", ErrNotYetValid, iat.Format(time.RFC3339))
	}
	if !nbf.IsZero() && nbf.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: credential valid from %s", ErrNotYetValid, nbf.Format(time.RFC3339))
	}
	if !exp.IsZero() && !exp.After(now.Add(-skew)) {
		return nil, fmt.Errorf("%w: expired at %s", ErrCredentialExpired, exp.Format(time.RFC3339))
	}
	if opts.Holder != nil && !h.key.Equal(opts.Holder) {
		if h.key == nil {
			return nil, fmt.Errorf("%w: credential bound to no key, want %s", ErrHolderMismatch, opts.Holder.KID())
		}
		return nil, fmt.Errorf("%w: credential bound to %s, want %s", ErrHolderMismatch, h.key.KID(), opts.Holder.KID())
	}
	processed, disclosed, err := process(payload, p.disclosures)
	if err != nil {
		return nil, err
	}
	c := &Credential{
		Issuer:    iss,
		KID:       kid,
		Type:      vct,
		IssuedAt:  iat,
		NotBefore: nbf,
		Expires:   exp,
		Holder:    h.key,
		Metadata:  make(map[string]any),
		Claims:    make(map[string]any, len(disclosed)),
		Payload:   processed,
		holderKID: h.kid,
	}
	for _, name := range disclosed {
		c.Claims[name] = processed[name]
	}
	for name, v := range processed {
		if _, ok := c.Claims[name]; !ok && !registeredIssuerClaims[name] {
			c.Metadata[name] = v
		}
	}
	return c, nil
}

// process decodes the payload and processes the disclosures presented
// with it (RFC 9901 §7.1 step 3 to 5): it returns the Processed SD-JWT
// Payload and the top-level claim names taken from disclosures.
func process(payload []byte, disclosures []string) (map[string]any, []string, error) {
	var root map[string]any
	if err := json.Unmarshal(payload, &root); err != nil { // checked by decodeObject
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	p, err := newProcessor(disclosures)
	if err != nil {
		return nil, nil, err
	}
	out, disclosed, err := p.object(root, 1, true)
	if err != nil {
		return nil, nil, err
	}
	if err := p.unused(); err != nil {
		return nil, nil, err
	}
	return out, disclosed, nil
}

// optionalString reads a string claim that must be non-empty if present;
// with required set it must be present.
func optionalString(claims map[string]json.RawMessage, name string, required bool) (string, error) {
	if _, ok := claims[name]; !ok && !required {
		return "", nil
	}
	return stringClaim(claims, name)
}

func verifyKeyBinding(ser *serialized, holder *keys.PublicKey, holderKID string, pol *BindingPolicy, now time.Time, skew time.Duration) (*KeyBinding, error) {
	j, err := parseJWS(ser.kb, TypKeyBinding)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, err)
	}
	payload, err := j.verify(holder)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, err)
	}
	// RFC 9901 §4.3 requires only typ and alg: the key is cnf's. A kid,
	// when present, must name that key: its thumbprint, or the kid the
	// cnf JWK itself carries.
	if j.kid != "" && j.kid != holder.KID() && (holderKID == "" || j.kid != holderKID) {
		return nil, fmt.Errorf("%w: %w: %q does not name the cnf key", ErrKeyBinding, keys.ErrKID, truncate(j.kid))
	}
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, fmt.Errorf("key binding: %w", err)
	}
	hash, err := stringClaim(claims, "sd_hash")
	if err != nil {
		return nil, fmt.Errorf("key binding: %w", err)
	}
	if hash != sdHash(ser.prefix) {
		return nil, ErrSDHash
	}
	kb := &KeyBinding{Extra: make(map[string]any)}
	raw, ok := claims["aud"]
	if !ok {
		return nil, fmt.Errorf("%w: no aud", ErrAudience)
	}
	if kb.Audience, ok = jsonString(raw); !ok {
		return nil, fmt.Errorf("%w: aud is not a single string", ErrAudience)
	}
	if kb.Audience != pol.Audience {
		return nil, fmt.Errorf("%w: %q, want %q", ErrAudience, truncate(kb.Audience), pol.Audience)
	}
	if kb.Nonce, err = stringClaim(claims, "nonce"); err != nil {
		return nil, fmt.Errorf("key binding: %w", err)
	}
	if pol.Nonce != "" && kb.Nonce != pol.Nonce {
		return nil, fmt.Errorf("%w: %q", ErrNonce, truncate(kb.Nonce))
	}
	if kb.IssuedAt, err = dateClaim(claims, "iat", true); err != nil {
		return nil, fmt.Errorf("key binding: %w", err)
	}
	if kb.Expires, err = dateClaim(claims, "exp", false); err != nil {
		return nil, fmt.Errorf("key binding: %w", err)
	}
	nbf, err := dateClaim(claims, "nbf", false)
	if err != nil {
		return nil, fmt.Errorf("key binding: %w", err)
	}
	if kb.IssuedAt.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: key binding signed in the future (%s)", ErrNotYetValid, kb.IssuedAt.Format(time.RFC3339))
	}
	if !nbf.IsZero() && nbf.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: key binding valid from %s", ErrNotYetValid, nbf.Format(time.RFC3339))
	}
	if !kb.Expires.IsZero() && !kb.Expires.After(now.Add(-skew)) {
		return nil, fmt.Errorf("%w: key binding expired at %s", ErrExpired, kb.Expires.Format(time.RFC3339))
	}
	maxAge := pol.MaxAge
	if maxAge <= 0 && kb.Expires.IsZero() {
		maxAge = DefaultKeyBindingMaxAge
	}
	if maxAge > 0 && now.Sub(kb.IssuedAt) > maxAge+skew {
		return nil, fmt.Errorf("%w: key binding signed %s ago, more than %s", ErrExpired, now.Sub(kb.IssuedAt).Round(time.Second), maxAge)
	}
	for name, raw := range claims {
		if reservedKBClaims[name] {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%w: key-binding claim %q: %v", ErrMalformed, truncate(name), err)
		}
		kb.Extra[name] = v
	}
	return kb, nil
}
