package keys

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Limits on what Verify and ParseUnverified read. They are checked before
// any decoding.
const (
	// MaxJWSSize is the longest compact JWS accepted, in bytes.
	MaxJWSSize = 64 << 10
	// MaxKIDLen is the longest kid accepted, in bytes. Our kids are
	// 43-byte thumbprints.
	MaxKIDLen = 128
	// MaxTypLen is the longest typ Sign writes or Verify expects.
	MaxTypLen = 64
)

// signatureLen is the length of an ES256 (raw r||s) or EdDSA signature.
const signatureLen = 64

func (a Alg) jwa() jwa.SignatureAlgorithm {
	if a == ES256 {
		return jwa.ES256()
	}
	return jwa.EdDSA()
}

// Sign returns the compact JWS of payload signed by k. The protected
// header holds exactly alg (k's), typ and kid (k's thumbprint). typ must
// be 1 to MaxTypLen printable ASCII characters. The JWS must fit
// MaxJWSSize (ErrTooLarge); Sign is SignMax(k, typ, payload, MaxJWSSize).
func Sign(k *PrivateKey, typ string, payload []byte) (string, error) {
	return SignMax(k, typ, payload, MaxJWSSize)
}

// SignMax is Sign with a size limit of max bytes for the compact JWS
// instead of MaxJWSSize, for the few tokens that are larger by design
// (a province's status list, megabytes). Everything else is Sign's: the
// header, the key (in memory or an external crypto.Signer such as an
// HSM's), the checks. A payload whose JWS would exceed max is refused
// before it is signed (ErrTooLarge). max must be positive.
func SignMax(k *PrivateKey, typ string, payload []byte, max int) (string, error) {
	if max <= 0 {
		return "", fmt.Errorf("keys: sign: size limit %d is not positive", max)
	}
	if k == nil || k.pub == nil {
		return "", fmt.Errorf("keys: sign: %w: no key", ErrInvalidKey)
	}
	if !Printable(typ, MaxTypLen) {
		return "", fmt.Errorf("keys: sign: typ must be 1 to %d printable ASCII characters", MaxTypLen)
	}
	if len(payload) == 0 {
		return "", errors.New("keys: sign: empty payload")
	}
	// The signature part is 86 characters, the dots 2; the header at
	// most a few hundred. Refuse what cannot fit before signing it.
	if b64.EncodedLen(len(payload))+2+b64.EncodedLen(signatureLen) > max {
		return "", fmt.Errorf("keys: sign: %w: a %d-byte payload cannot fit %d bytes", ErrTooLarge, len(payload), max)
	}
	h := jws.NewHeaders()
	if err := h.Set(jws.TypeKey, typ); err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	if err := h.Set(jws.KeyIDKey, k.pub.kid); err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	var raw any = k.ed
	switch {
	case k.signer != nil:
		// jwx hands an ES256 crypto.Signer the SHA-256 digest and turns
		// its ASN.1 DER signature into r || s (dsig.SignECDSACryptoSigner).
		raw = k.signer
	case k.pub.alg == ES256:
		raw = k.ec
	}
	out, err := jws.Sign(payload, jws.WithKey(k.pub.alg.jwa(), raw, jws.WithProtectedHeaders(h)))
	if err != nil {
		return "", fmt.Errorf("keys: sign: %w", err)
	}
	if len(out) > max {
		return "", fmt.Errorf("keys: sign: %w: %d bytes, more than %d", ErrTooLarge, len(out), max)
	}
	return string(out), nil
}

// SignJWT marshals claims as a JSON object (without HTML escaping) and
// signs it with Sign.
func SignJWT(k *PrivateKey, typ string, claims map[string]any) (string, error) {
	payload, err := marshalJSON(claims)
	if err != nil {
		return "", fmt.Errorf("keys: sign JWT: %w", err)
	}
	return Sign(k, typ, payload)
}

// Unverified is a compact JWS whose header passed the policy of
// ParseUnverified but whose signature has not been checked yet. Use it
// when the verifying key depends on the payload (an SD-JWT's issuer is in
// its payload); otherwise use Verify. It is immutable.
type Unverified struct {
	alg      Alg
	kid, typ string
	payload  []byte
	compact  string
}

// Alg returns the header's alg.
func (u *Unverified) Alg() Alg { return u.alg }

// KID returns the header's kid.
func (u *Unverified) KID() string { return u.kid }

// Typ returns the header's typ.
func (u *Unverified) Typ() string { return u.typ }

// UnverifiedPayload returns a copy of the decoded payload. Nothing in it
// may be trusted, beyond choosing which key to verify with, until Verify
// returns nil.
func (u *Unverified) UnverifiedPayload() []byte { return append([]byte(nil), u.payload...) }

// ParseUnverified splits a compact JWS and applies the header policy
// without checking the signature. The policy, each failure with its own
// sentinel (all wrapping ErrBadJWS):
//
//   - at most MaxJWSSize bytes (ErrTooLarge), checked first;
//   - exactly three parts separated by '.', each only unpadded base64url
//     characters with canonical trailing bits; header and payload
//     non-empty; the signature exactly 64 bytes (ErrMalformed);
//   - the header one JSON object accepted by CheckJSON (ErrMalformed);
//   - no crit (ErrCrit), no b64 (ErrB64), no jwk, jku, x5u, x5c, x5t or
//     x5t#S256 (ErrEmbeddedKey);
//   - alg exactly "ES256" or "EdDSA" (ErrAlg);
//   - typ exactly equal to typ, compared byte for byte (ErrTyp);
//   - kid present, 1 to MaxKIDLen printable ASCII bytes (ErrKID);
//   - no other member (ErrUnknownHeader): we sign only these three, and a
//     member we do not know cannot be shown to be harmless.
func ParseUnverified(compact, typ string) (*Unverified, error) {
	u, err := parseUnverified(compact, typ, MaxJWSSize)
	if err != nil {
		return nil, fmt.Errorf("keys: parse JWS: %w", err)
	}
	return u, nil
}

func parseUnverified(compact, typ string, max int) (*Unverified, error) {
	if len(compact) > max {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(compact), max)
	}
	if !Printable(typ, MaxTypLen) {
		return nil, fmt.Errorf("%w: expected typ must be 1 to %d printable ASCII characters", ErrTyp, MaxTypLen)
	}
	hdrB64, rest, ok := strings.Cut(compact, ".")
	if !ok {
		return nil, fmt.Errorf("%w: not a compact JWS (no '.')", ErrMalformed)
	}
	payB64, sigB64, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sigB64, ".") {
		return nil, fmt.Errorf("%w: a compact JWS has exactly 3 parts", ErrMalformed)
	}
	if hdrB64 == "" || payB64 == "" || sigB64 == "" {
		return nil, fmt.Errorf("%w: empty part", ErrMalformed)
	}
	hdrJSON, err := decodeB64(hdrB64)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	hdr, err := decodeObject(hdrJSON)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	u := &Unverified{compact: compact}
	if u.alg, u.typ, u.kid, err = checkHeader(hdr, typ); err != nil {
		return nil, err
	}
	if u.payload, err = decodeB64(payB64); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	sig, err := decodeB64(sigB64)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrMalformed, err)
	}
	if len(sig) != signatureLen {
		return nil, fmt.Errorf("%w: signature is %d bytes, want %d", ErrMalformed, len(sig), signatureLen)
	}
	return u, nil
}

// checkHeader applies the header policy in a fixed order, so a header
// with several faults always gives the same error.
func checkHeader(hdr map[string]json.RawMessage, wantTyp string) (alg Alg, typ, kid string, err error) {
	if _, ok := hdr["crit"]; ok {
		return "", "", "", ErrCrit
	}
	if _, ok := hdr["b64"]; ok {
		return "", "", "", ErrB64
	}
	for _, name := range []string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"} {
		if _, ok := hdr[name]; ok {
			return "", "", "", fmt.Errorf("%w: %q", ErrEmbeddedKey, name)
		}
	}
	raw, ok := hdr["alg"]
	if !ok {
		return "", "", "", fmt.Errorf("%w: no alg", ErrAlg)
	}
	s, ok := jsonString(raw)
	if !ok {
		return "", "", "", fmt.Errorf("%w: alg is not a string", ErrAlg)
	}
	if alg = Alg(s); !alg.Valid() {
		return "", "", "", fmt.Errorf("%w: %q", ErrAlg, truncate(s))
	}
	raw, ok = hdr["typ"]
	if !ok {
		return "", "", "", fmt.Errorf("%w: no typ, want %q", ErrTyp, wantTyp)
	}
	if typ, ok = jsonString(raw); !ok {
		return "", "", "", fmt.Errorf("%w: typ is not a string", ErrTyp)
	}
	if typ != wantTyp {
		return "", "", "", fmt.Errorf("%w: %q, want %q", ErrTyp, truncate(typ), wantTyp)
	}
	raw, ok = hdr["kid"]
	if !ok {
		return "", "", "", fmt.Errorf("%w: no kid", ErrKID)
	}
	if kid, ok = jsonString(raw); !ok {
		return "", "", "", fmt.Errorf("%w: kid is not a string", ErrKID)
	}
	if !Printable(kid, MaxKIDLen) {
		return "", "", "", fmt.Errorf("%w: must be 1 to %d printable ASCII characters", ErrKID, MaxKIDLen)
	}
	for name := range hdr {
		switch name {
		case "alg", "typ", "kid":
		default:
			return "", "", "", fmt.Errorf("%w: %q", ErrUnknownHeader, truncate(name))
		}
	}
	return alg, typ, kid, nil
}

// Verify checks the signature with k, which must have the header's alg
// (ErrAlgMismatch otherwise), and returns the payload. The signature is
// checked by jwx over the exact signing input received.
func (u *Unverified) Verify(k *PublicKey) ([]byte, error) {
	if k == nil || !k.alg.Valid() {
		return nil, fmt.Errorf("keys: verify JWS: %w: no key", ErrInvalidKey)
	}
	if k.alg != u.alg {
		return nil, fmt.Errorf("keys: verify JWS: %w: header alg %s, key alg %s", ErrAlgMismatch, u.alg, k.alg)
	}
	if _, err := jws.VerifyCompactFast(k.Raw(), []byte(u.compact), k.alg.jwa()); err != nil {
		return nil, fmt.Errorf("keys: verify JWS: %w (kid %q)", ErrSignature, u.kid)
	}
	return u.payload, nil
}

// Lookup finds the key for a kid and alg from a protected header. It
// returns an error if it has none; Verify wraps that error with %w, so
// callers can match their own sentinels.
type Lookup func(kid string, alg Alg) (*PublicKey, error)

// Verify parses compact with the header policy of ParseUnverified (typ
// must equal typ), asks lookup for the key of the header's kid and alg,
// and checks the signature with that key only. It returns the payload and
// the kid. Verify is VerifyMax(compact, typ, lookup, MaxJWSSize).
func Verify(compact, typ string, lookup Lookup) (payload []byte, kid string, err error) {
	return VerifyMax(compact, typ, lookup, MaxJWSSize)
}

// VerifyMax is Verify with a size limit of max bytes instead of
// MaxJWSSize, checked before anything is decoded (ErrTooLarge): the
// verifying side of SignMax. The header policy, the lookup and the
// signature check are Verify's. max must be positive.
func VerifyMax(compact, typ string, lookup Lookup, max int) (payload []byte, kid string, err error) {
	if max <= 0 {
		return nil, "", fmt.Errorf("keys: parse JWS: size limit %d is not positive", max)
	}
	if lookup == nil {
		return nil, "", errors.New("keys: verify JWS: no key lookup")
	}
	u, err := parseUnverified(compact, typ, max)
	if err != nil {
		return nil, "", fmt.Errorf("keys: parse JWS: %w", err)
	}
	k, err := lookup(u.kid, u.alg)
	if err != nil {
		return nil, "", fmt.Errorf("keys: verify JWS: key %q: %w", u.kid, err)
	}
	if k == nil {
		return nil, "", fmt.Errorf("keys: verify JWS: key %q: lookup returned no key", u.kid)
	}
	payload, err = u.Verify(k)
	if err != nil {
		return nil, "", err
	}
	return payload, u.kid, nil
}

// VerifyJWT is Verify for a payload that must be one JSON object
// accepted by CheckJSON (ErrMalformed otherwise). It checks no claim: the
// caller checks times, issuer and audience. Numbers decode as float64.
func VerifyJWT(compact, typ string, lookup Lookup) (claims map[string]any, kid string, err error) {
	payload, kid, err := Verify(compact, typ, lookup)
	if err != nil {
		return nil, "", err
	}
	claims, err = DecodeClaims(payload)
	if err != nil {
		return nil, "", fmt.Errorf("keys: verify JWT: %w", err)
	}
	return claims, kid, nil
}

// DecodeClaims decodes a JWT payload: one JSON object accepted by
// CheckJSON. Errors wrap ErrMalformed and ErrJSON.
func DecodeClaims(payload []byte) (map[string]any, error) {
	if err := CheckJSON(payload); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	return claims, nil
}

// StaticKey returns a Lookup that knows only k: it returns k for k's kid
// and an error for any other.
func StaticKey(k *PublicKey) Lookup {
	return func(kid string, _ Alg) (*PublicKey, error) {
		if k == nil || kid != k.kid {
			return nil, fmt.Errorf("keys: unknown kid %q", truncate(kid))
		}
		return k, nil
	}
}

// decodeB64 decodes unpadded, canonical base64url and nothing else.
func decodeB64(s string) ([]byte, error) {
	if !isB64URL(s) {
		return nil, errors.New("not unpadded base64url")
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, errors.New("not canonical base64url")
	}
	return b, nil
}

// Printable reports whether s is 1 to max bytes of printable ASCII
// without space (0x21 to 0x7e), as a kid and a typ must be.
func Printable(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
