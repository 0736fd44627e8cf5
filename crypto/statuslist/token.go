package statuslist

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Typ is the JWS typ of a Status List Token; MediaType its HTTP
// Content-Type.
const (
	Typ       = "statuslist+jwt"
	MediaType = "application/statuslist+jwt"
)

// DefaultSkew is how far in the future a token's iat (or nbf) may be
// when VerifyOptions.Skew is zero: counters' clocks drift while offline.
const DefaultSkew = 5 * time.Minute

// maxTime bounds iat, exp and nbf: seconds since 1970 up to the year 9999.
const maxTime = 253402300799

// Token is a Status List Token: the list and the claims that say which
// list it is and how long it may be used.
type Token struct {
	// Subject (sub) is the list's URI: the uri every credential on the
	// list carries in status.status_list.uri.
	Subject string
	// Issuer (iss) is optional: the draft's example carries one.
	Issuer string
	// IssuedAt (iat): when the list was signed, so what it says was
	// true then. Whole seconds.
	IssuedAt time.Time
	// Expires (exp), optional (zero: none): after it the list must not be
	// relied on at all.
	Expires time.Time
	// TTL (ttl), optional (zero: none): how long a copy may be cached
	// before a fresh one should be fetched. Whole seconds.
	TTL time.Duration
	// List is the status list.
	List *List
	// Compression is the zlib level Sign compresses the list at, 1 to 9;
	// 0 means 9, the draft's recommendation (see List.CompressLevel).
	Compression int
}

// Expired reports whether t has an exp that is not after now.
func (t *Token) Expired(now time.Time) bool {
	return !t.Expires.IsZero() && !now.Before(t.Expires)
}

// Status returns the status of the referenced credential: r.URI must be
// t's Subject (ErrSubject) and r.Index inside the list (ErrIndex).
func (t *Token) Status(r Reference) (Status, error) {
	if r.URI != t.Subject {
		return 0, fmt.Errorf("statuslist: %w: list %q, credential refers to %q", ErrSubject, t.Subject, r.URI)
	}
	return t.List.Get(r.Index)
}

// payload builds the JWT claims set: sub, iat, exp, ttl, iss and
// status_list, with no HTML escaping.
func (t *Token) payload() ([]byte, error) {
	if t.List == nil {
		return nil, errors.New("no list")
	}
	if _, err := ParseURI(t.Subject); err != nil {
		return nil, fmt.Errorf("sub: %w", err)
	}
	if t.IssuedAt.IsZero() {
		return nil, errors.New("no iat")
	}
	if t.TTL < 0 || t.TTL%time.Second != 0 {
		return nil, errors.New("ttl must be zero (none) or whole seconds")
	}
	if !t.Expires.IsZero() && !t.Expires.After(t.IssuedAt) {
		return nil, errors.New("exp must be after iat")
	}
	type wire struct {
		Sub        string `json:"sub"`
		Iss        string `json:"iss,omitempty"`
		Iat        int64  `json:"iat"`
		Exp        int64  `json:"exp,omitempty"`
		TTL        int64  `json:"ttl,omitempty"`
		StatusList Object `json:"status_list"`
	}
	w := wire{Sub: t.Subject, Iss: t.Issuer, Iat: t.IssuedAt.Unix(), TTL: int64(t.TTL / time.Second), StatusList: t.List.EncodeLevel(t.Compression)}
	if !t.Expires.IsZero() {
		w.Exp = t.Expires.Unix()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Sign returns t as a compact JWS of typ "statuslist+jwt" signed by k,
// with crypto/keys' header ({"alg","kid","typ"}) and policy. A
// province-size token is larger than the 64 KiB crypto/keys allows other
// JWS, so it is signed by keys.SignMax with a limit of
// MaxTokenSize(MaxListBytes). k may hold its private half in memory or be
// an HSM's key (keys.NewSigner): both sign lists of any size.
func (t *Token) Sign(k *keys.PrivateKey) (string, error) {
	if k == nil {
		return "", errors.New("statuslist: sign: no key")
	}
	payload, err := t.payload()
	if err != nil {
		return "", fmt.Errorf("statuslist: sign: %w", err)
	}
	out, err := keys.SignMax(k, Typ, payload, MaxTokenSize(MaxListBytes))
	if err != nil {
		if errors.Is(err, keys.ErrTooLarge) {
			return "", fmt.Errorf("statuslist: sign: %w: %w", ErrTokenTooLarge, err)
		}
		return "", fmt.Errorf("statuslist: sign: %w", err)
	}
	return out, nil
}

// SignWith is Sign with a crypto.Signer (an HSM's key reached by
// PKCS#11): s must be a P-256 ECDSA key (ES256) or an Ed25519 key
// (EdDSA), checked by keys.NewSigner (one test signature). It is
// Sign(keys.NewSigner(s)).
func (t *Token) SignWith(s crypto.Signer) (string, error) {
	k, err := keys.NewSigner(s)
	if err != nil {
		return "", fmt.Errorf("statuslist: sign: %w", err)
	}
	return t.Sign(k)
}

// KeyLookup returns the key that may sign the list being verified, for
// the kid in its header: the caller's trust decision (which agency or
// province key may sign the list at this URI). An error or a nil key
// refuses the token (ErrUnknownKey, wrapping the lookup's error).
type KeyLookup func(kid string) (*keys.PublicKey, error)

// VerifyOptions says what Verify expects.
type VerifyOptions struct {
	// Subject is the URI the credential referenced (status_list.uri):
	// the token's sub must equal it byte for byte. Required.
	Subject string
	// Keys finds the verifying key. Required, unless KeysAt is set.
	Keys KeyLookup
	// KeysAt, instead of Keys, finds the verifying key for the kid and
	// the token's iat, so the caller can ask whether the key was valid
	// when the list was signed (trust.List.StatusListKey). The iat is
	// read from the payload before the signature is checked, only to
	// choose the key: if the signature does not verify under that key,
	// nothing of the payload is used.
	KeysAt func(kid string, iat time.Time) (*keys.PublicKey, error)
	// Now is the time of the check (required; a counter passes its clock).
	Now time.Time
	// Skew is how far iat and nbf may be ahead of Now (0: DefaultSkew).
	Skew time.Duration
	// MaxBytes bounds the decompressed list (0: DefaultMaxBytes); the
	// token's length is bounded by MaxTokenSize(MaxBytes) before anything
	// is decoded.
	MaxBytes int
	// IgnoreExpiry skips the exp check, for a cache that re-reads a token
	// it verified before and must still know its iat (to refuse older
	// lists) once it has expired. The caller then checks Token.Expired.
	IgnoreExpiry bool
}

// Verify checks a compact Status List Token and returns it. In order,
// each failure with its own sentinel (all wrapping ErrToken):
//
//   - length at most MaxTokenSize(opts.MaxBytes) (ErrTokenTooLarge);
//   - the header policy of crypto/keys (ErrJWS), with typ exactly
//     "statuslist+jwt" (ErrTyp);
//   - a key from opts.Keys for the header's kid (ErrUnknownKey) with the
//     header's alg, under which the signature verifies (ErrSignature);
//   - the payload one JSON object (keys.CheckJSON) with sub a string,
//     iat an integer, exp and nbf integers if present, ttl a positive
//     integer if present, iss a string if present, status_list present
//     (ErrClaims); other claims are allowed, as the draft says, and
//     ignored;
//   - sub equal to opts.Subject (ErrSubject);
//   - iat and nbf not after Now+Skew (ErrNotYetValid), exp after Now
//     (ErrExpired) unless IgnoreExpiry;
//   - the status_list decoded as Decode does with opts.MaxBytes (the list
//     sentinels, and ErrClaims).
func Verify(compact string, opts VerifyOptions) (*Token, error) {
	t, err := verify(compact, opts)
	if err != nil {
		return nil, fmt.Errorf("statuslist: verify: %w", err)
	}
	return t, nil
}

func verify(compact string, opts VerifyOptions) (*Token, error) {
	if (opts.Keys == nil) == (opts.KeysAt == nil) || opts.Subject == "" || opts.Now.IsZero() {
		return nil, errors.New("VerifyOptions needs Subject, Now and one of Keys and KeysAt")
	}
	max := limit(opts.MaxBytes)
	if len(compact) > MaxTokenSize(max) {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTokenTooLarge, len(compact), MaxTokenSize(max))
	}
	lookup := opts.Keys
	if opts.KeysAt != nil {
		iat, err := unverifiedIAT(compact, max)
		if err != nil {
			return nil, err
		}
		lookup = func(kid string) (*keys.PublicKey, error) { return opts.KeysAt(kid, iat) }
	}
	payload, err := verifyJWS(compact, lookup, MaxTokenSize(max))
	if err != nil {
		return nil, err
	}
	t, err := decodeClaims(payload, max)
	if err != nil {
		return nil, err
	}
	if t.Subject != opts.Subject {
		return nil, fmt.Errorf("%w: %.80q, want %.80q", ErrSubject, t.Subject, opts.Subject)
	}
	skew := opts.Skew
	if skew <= 0 {
		skew = DefaultSkew
	}
	if t.IssuedAt.After(opts.Now.Add(skew)) {
		return nil, fmt.Errorf("%w: iat %s, now %s", ErrNotYetValid, t.IssuedAt.UTC().Format(time.RFC3339), opts.Now.UTC().Format(time.RFC3339))
	}
	if !opts.IgnoreExpiry && t.Expired(opts.Now) {
		return nil, fmt.Errorf("%w: exp %s, now %s", ErrExpired, t.Expires.UTC().Format(time.RFC3339), opts.Now.UTC().Format(time.RFC3339))
	}
	if t.nbf.After(opts.Now.Add(skew)) {
		return nil, fmt.Errorf("%w: nbf %s", ErrNotYetValid, t.nbf.UTC().Format(time.RFC3339))
	}
	t.List, err = decodeObject(t.obj, max)
	if err != nil {
		return nil, fmt.Errorf("%w: status_list: %w", ErrClaims, err)
	}
	return &t.Token, nil
}

// verifyJWS checks compact with keys.VerifyMax (the header policy of
// crypto/keys, typ statuslist+jwt, the signature under the key lookup
// gives) and sorts its errors into this package's sentinels.
func verifyJWS(compact string, lookup KeyLookup, max int) ([]byte, error) {
	var lookupErr error
	payload, _, err := keys.VerifyMax(compact, Typ, func(kid string, _ keys.Alg) (*keys.PublicKey, error) {
		k, err := lookup(kid)
		if err == nil && k == nil {
			err = errors.New("no key")
		}
		lookupErr = err
		return k, err
	}, max)
	switch {
	case err == nil:
		return payload, nil
	case lookupErr != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnknownKey, err)
	case errors.Is(err, keys.ErrTyp):
		return nil, fmt.Errorf("%w: %w", ErrTyp, err)
	case errors.Is(err, keys.ErrSignature), errors.Is(err, keys.ErrAlgMismatch):
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil, fmt.Errorf("%w: %w", ErrJWS, err)
}

// unverifiedIAT reads the iat of a token whose signature is not checked
// yet, with the strict claim decoding Verify uses (ErrJWS, ErrClaims).
func unverifiedIAT(compact string, max int) (time.Time, error) {
	_, rest, _ := strings.Cut(compact, ".")
	pay, _, ok := strings.Cut(rest, ".")
	if !ok || pay == "" || !isB64URL(pay) {
		return time.Time{}, fmt.Errorf("%w: %w: payload is not unpadded base64url", ErrJWS, keys.ErrMalformed)
	}
	payload, err := b64.DecodeString(pay)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w: payload is not canonical base64url", ErrJWS, keys.ErrMalformed)
	}
	c, err := decodeClaims(payload, max)
	if err != nil {
		return time.Time{}, err
	}
	return c.IssuedAt, nil
}

// claims is a decoded payload before its list is inflated.
type claims struct {
	Token
	nbf time.Time
	obj Object
}

// decodeClaims reads the claims Verify checks; the list is left
// compressed until the cheap checks have passed.
func decodeClaims(payload []byte, max int) (*claims, error) {
	if err := keys.CheckJSON(payload); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrClaims, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrClaims)
	}
	c := &claims{}
	var err error
	if c.Subject, err = stringClaim(m, "sub", true); err != nil {
		return nil, err
	}
	if c.Issuer, err = stringClaim(m, "iss", false); err != nil {
		return nil, err
	}
	if c.IssuedAt, err = timeClaim(m, "iat", true); err != nil {
		return nil, err
	}
	if c.Expires, err = timeClaim(m, "exp", false); err != nil {
		return nil, err
	}
	if c.nbf, err = timeClaim(m, "nbf", false); err != nil {
		return nil, err
	}
	if raw, ok := m["ttl"]; ok {
		n, ok := parseInt(raw)
		if !ok || n <= 0 || n > maxTime {
			return nil, fmt.Errorf("%w: ttl must be a positive integer of seconds", ErrClaims)
		}
		c.TTL = time.Duration(n) * time.Second
	}
	raw, ok := m["status_list"]
	if !ok {
		return nil, fmt.Errorf("%w: no status_list", ErrClaims)
	}
	// Decode its members now (cheap); inflate only after the time checks.
	if _, c.obj, err = decodeJSONWith(raw, max, false); err != nil {
		return nil, fmt.Errorf("%w: status_list: %w", ErrClaims, err)
	}
	return c, nil
}

func stringClaim(m map[string]json.RawMessage, name string, required bool) (string, error) {
	raw, ok := m[name]
	if !ok {
		if required {
			return "", fmt.Errorf("%w: no %s", ErrClaims, name)
		}
		return "", nil
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", fmt.Errorf("%w: %s is not a string", ErrClaims, name)
	}
	return s, nil
}

func timeClaim(m map[string]json.RawMessage, name string, required bool) (time.Time, error) {
	raw, ok := m[name]
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("%w: no %s", ErrClaims, name)
		}
		return time.Time{}, nil
	}
	n, ok := parseInt(raw)
	if !ok || n < 0 || n > maxTime {
		return time.Time{}, fmt.Errorf("%w: %s must be an integer NumericDate", ErrClaims, name)
	}
	return time.Unix(n, 0).UTC(), nil
}

// parseInt accepts only a JSON integer literal: digits, an optional
// leading '-', no fraction or exponent.
func parseInt(raw json.RawMessage) (int64, bool) {
	s := string(raw)
	if s == "" || strings.ContainsAny(s, ".eE+") || s[0] == '"' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
