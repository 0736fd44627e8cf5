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
	// version ...).
	Metadata map[string]any
	// Claims holds the disclosed claims, by name. Values are as decoded
	// by encoding/json (numbers are float64).
	Claims map[string]any
}

// Presentation is the result of Verify.
type Presentation struct {
	Credentials []Credential
	// Holder is the key all credentials are bound to when a key binding
	// was verified; nil otherwise.
	Holder *keys.PublicKey
	// KeyBinding is the verified key-binding JWT, nil when there is none.
	KeyBinding *KeyBinding
}

// Verify checks an issued SD-JWT or a presentation of one or more (see
// Present) and returns what it verifiably says. For each credential, in
// this order:
//
//   - the header policy of package keys with typ "dc+sd-jwt", and a
//     strict JSON payload with iss and iat;
//   - the issuer key from opts.IssuerKey(iss, kid, iat) and the signature;
//   - _sd_alg (if present) is "sha-256"; vct is a string; cnf is exactly
//     {"jwk": public key}; _sd holds unique digests; nothing nested uses
//     "_sd" or "...";
//   - iat not after now+skew, nbf not after now+skew, exp after now-skew;
//   - every disclosure's digest is in _sd, no disclosure is repeated, and
//     each is well formed with a name that is not reserved and repeats no
//     plain claim or other disclosure;
//   - with opts.Holder, cnf is that key.
//
// Then the key binding: absent when opts.KeyBinding is nil
// (ErrUnexpectedKeyBinding otherwise); else present (ErrNoKeyBinding),
// all credentials bound to the same key (ErrHolderMismatch), header
// policy with typ "kb+jwt" and signature by that key (ErrKeyBinding),
// sd_hash equal to the hash of everything before it (ErrSDHash), aud
// (ErrAudience), nonce (ErrNonce), and its times (ErrNotYetValid,
// ErrExpired).
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
	out := &Presentation{Credentials: make([]Credential, 0, len(ser.creds))}
	for i, p := range ser.creds {
		c, err := verifyCredential(p, opts, now, skew)
		if err != nil {
			if len(ser.creds) > 1 {
				err = fmt.Errorf("credential %d: %w", i+1, err)
			}
			return nil, err
		}
		out.Credentials = append(out.Credentials, *c)
	}
	if opts.KeyBinding == nil {
		return out, nil
	}
	holder := out.Credentials[0].Holder
	for _, c := range out.Credentials[1:] {
		if !c.Holder.Equal(holder) {
			return nil, fmt.Errorf("%w: the credentials are bound to different keys", ErrHolderMismatch)
		}
	}
	kb, err := verifyKeyBinding(ser, holder, opts.KeyBinding, now, skew)
	if err != nil {
		return nil, err
	}
	out.Holder, out.KeyBinding = holder, kb
	return out, nil
}

func verifyCredential(p part, opts VerifyOptions, now time.Time, skew time.Duration) (*Credential, error) {
	j, err := parseIssuerJWT(p.jwt)
	if err != nil {
		return nil, err
	}
	key, err := opts.IssuerKey(j.iss, j.u.KID(), j.iat)
	if err != nil {
		return nil, fmt.Errorf("%w: %s key %s: %w", ErrIssuerKey, truncate(j.iss), j.u.KID(), err)
	}
	if key == nil {
		return nil, fmt.Errorf("%w: %s key %s: lookup returned no key", ErrIssuerKey, truncate(j.iss), j.u.KID())
	}
	if _, err := j.u.Verify(key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerJWT, err)
	}
	// Signed by a trusted key from here on.
	c, err := j.content()
	if err != nil {
		return nil, err
	}
	if j.iat.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: credential issued in the future (%s)", ErrNotYetValid, j.iat.Format(time.RFC3339))
	}
	if !c.nbf.IsZero() && c.nbf.After(now.Add(skew)) {
		return nil, fmt.Errorf("%w: credential valid from %s", ErrNotYetValid, c.nbf.Format(time.RFC3339))
	}
	if !c.exp.IsZero() && !c.exp.After(now.Add(-skew)) {
		return nil, fmt.Errorf("%w: credential expired at %s", ErrExpired, c.exp.Format(time.RFC3339))
	}
	if opts.Holder != nil && !c.holder.Equal(opts.Holder) {
		return nil, fmt.Errorf("%w: credential bound to %s, want %s", ErrHolderMismatch, c.holder.KID(), opts.Holder.KID())
	}
	ds, err := disclose(p.disclosures, c)
	if err != nil {
		return nil, err
	}
	claims := make(map[string]any, len(ds))
	for _, d := range ds {
		claims[d.Name] = d.Value
	}
	return &Credential{
		Issuer:    j.iss,
		KID:       j.u.KID(),
		Type:      c.vct,
		IssuedAt:  j.iat,
		NotBefore: c.nbf,
		Expires:   c.exp,
		Holder:    c.holder,
		Metadata:  c.metadata,
		Claims:    claims,
	}, nil
}

func verifyKeyBinding(ser *serialized, holder *keys.PublicKey, pol *BindingPolicy, now time.Time, skew time.Duration) (*KeyBinding, error) {
	u, err := keys.ParseUnverified(ser.kb, TypKeyBinding)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, err)
	}
	payload, err := u.Verify(holder)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, err)
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
