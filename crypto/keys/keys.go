package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Alg is a JWS signature algorithm this package supports.
type Alg string

// The supported algorithms. Each belongs to exactly one key type, so a
// key's Alg is fixed by its curve.
const (
	ES256 Alg = "ES256" // ECDSA over P-256 with SHA-256, raw r||s signatures (RFC 7518 §3.4)
	EdDSA Alg = "EdDSA" // Ed25519 (RFC 8037)
)

// Valid reports whether a is ES256 or EdDSA.
func (a Alg) Valid() bool { return a == ES256 || a == EdDSA }

// MaxJWKSize bounds the JSON a JWK may be parsed from. A P-256 public JWK
// with kid and alg is about 200 bytes.
const MaxJWKSize = 2048

// b64 is the only base64 this package reads or writes: URL alphabet,
// no padding, and (Strict) no non-zero trailing bits, so every byte
// string has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// PublicKey is an ES256 (P-256) or EdDSA (Ed25519) public key. Its zero
// value is not usable; get one from PrivateKey.Public, ParsePublicJWK or
// UnmarshalJSON. A PublicKey is immutable and safe for concurrent use.
type PublicKey struct {
	alg Alg
	kid string
	ec  *ecdsa.PublicKey // ES256
	ed  ed25519.PublicKey
}

// PrivateKey is an ES256 or EdDSA signing key with its public half. It is
// immutable and safe for concurrent use. Its private half is either in
// memory (Generate, NewEd25519, ParsePrivateJWK) or behind an external
// signer such as an HSM (NewSigner).
type PrivateKey struct {
	pub    *PublicKey
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	signer crypto.Signer // NewSigner: the only private half; ec and ed are nil
}

// Generate returns a new random key for alg.
func Generate(alg Alg) (*PrivateKey, error) {
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate %s: %w", alg, err)
		}
		return &PrivateKey{pub: newECPublic(&k.PublicKey), ec: k}, nil
	case EdDSA:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate %s: %w", alg, err)
		}
		return &PrivateKey{pub: newEdPublic(pub), ed: priv}, nil
	default:
		return nil, fmt.Errorf("keys: generate: %w: alg %q", ErrUnsupportedKey, truncate(string(alg)))
	}
}

// NewEd25519 wraps an existing Ed25519 private key (for example one
// derived from a seed with ed25519.NewKeyFromSeed).
func NewEd25519(priv ed25519.PrivateKey) (*PrivateKey, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("keys: %w: Ed25519 private key must be %d bytes", ErrInvalidKey, ed25519.PrivateKeySize)
	}
	// Recompute the public half from the seed instead of trusting the
	// second half of priv.
	k := ed25519.NewKeyFromSeed(priv.Seed())
	if subtle.ConstantTimeCompare(k, priv) != 1 {
		return nil, fmt.Errorf("keys: %w: Ed25519 private key's public half does not match its seed", ErrInvalidKey)
	}
	return &PrivateKey{pub: newEdPublic(k.Public().(ed25519.PublicKey)), ed: k}, nil
}

func newECPublic(k *ecdsa.PublicKey) *PublicKey {
	p := &PublicKey{alg: ES256, ec: k}
	p.kid = thumbprint(p)
	return p
}

func newEdPublic(k ed25519.PublicKey) *PublicKey {
	p := &PublicKey{alg: EdDSA, ed: k}
	p.kid = thumbprint(p)
	return p
}

// Public returns the key's public half.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// Alg returns the key's signature algorithm.
func (k *PrivateKey) Alg() Alg { return k.pub.alg }

// KID returns the key's id: its RFC 7638 JWK thumbprint (SHA-256,
// base64url), the same as its public key's.
func (k *PrivateKey) KID() string { return k.pub.kid }

// Alg returns the key's signature algorithm.
func (k *PublicKey) Alg() Alg { return k.alg }

// KID returns the key's RFC 7638 JWK thumbprint (SHA-256, base64url,
// 43 characters).
func (k *PublicKey) KID() string { return k.kid }

// Equal reports whether k and o are the same public key.
func (k *PublicKey) Equal(o *PublicKey) bool {
	if k == nil || o == nil {
		return k == o
	}
	switch {
	case k.alg != o.alg:
		return false
	case k.alg == ES256:
		return k.ec.Equal(o.ec)
	default:
		return k.ed.Equal(o.ed)
	}
}

// Raw returns the standard library key: *ecdsa.PublicKey for ES256 or
// ed25519.PublicKey for EdDSA. Callers must not modify it.
func (k *PublicKey) Raw() any {
	if k.alg == ES256 {
		return k.ec
	}
	return k.ed
}

// Thumbprint returns the RFC 7638 JWK thumbprint of k: the base64url
// SHA-256 of its required members in lexicographic order, without white
// space. It equals k.KID().
func Thumbprint(k *PublicKey) string { return k.kid }

// thumbprint computes the RFC 7638 thumbprint. Coordinates are
// base64url, so they need no JSON escaping.
func thumbprint(k *PublicKey) string {
	var canon string
	switch k.alg {
	case ES256:
		x, y := ecCoords(k.ec)
		canon = `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
	case EdDSA:
		canon = `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(k.ed) + `"}`
	}
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:])
}

// ecCoords returns the base64url x and y coordinates of a P-256 key, each
// exactly 32 bytes before encoding (RFC 7518 §6.2.1.2).
func ecCoords(k *ecdsa.PublicKey) (x, y string) {
	b, err := k.Bytes() // 0x04 || x || y
	if err != nil || len(b) != 65 {
		// Only keys on P-256 reach here (constructed by this package).
		panic("keys: P-256 public key does not encode")
	}
	return b64.EncodeToString(b[1:33]), b64.EncodeToString(b[33:])
}

// jwkMembers is the wire form of a key. Fields are in the order they are
// written.
type jwkMembers struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	D   string `json:"d,omitempty"`
}

func (k *PublicKey) members() jwkMembers {
	if k.alg == ES256 {
		x, y := ecCoords(k.ec)
		return jwkMembers{Kty: "EC", Crv: "P-256", X: x, Y: y}
	}
	return jwkMembers{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(k.ed)}
}

// MarshalJSON writes the public JWK with only its required members
// (kty, crv, x and, for EC, y), which is the smallest form and the one
// the thumbprint is computed over. The alg is implied by the curve and the
// kid is the thumbprint, so neither is written.
func (k *PublicKey) MarshalJSON() ([]byte, error) {
	if k == nil || !k.alg.Valid() {
		return nil, fmt.Errorf("keys: marshal public key: %w: empty key", ErrInvalidKey)
	}
	return marshalJSON(k.members())
}

// UnmarshalJSON parses a public JWK with the rules of ParsePublicJWK.
func (k *PublicKey) UnmarshalJSON(data []byte) error {
	p, err := ParsePublicJWK(data)
	if err != nil {
		return err
	}
	*k = *p
	return nil
}

// MarshalJSON writes the private JWK: the public members and "d". It is
// secret: store it only sealed (the wallet's vault) or in the server's
// protected key store. A key from NewSigner has no "d" to write:
// MarshalJSON fails with ErrNotExportable.
func (k *PrivateKey) MarshalJSON() ([]byte, error) {
	if k == nil || k.pub == nil {
		return nil, fmt.Errorf("keys: marshal private key: %w: empty key", ErrInvalidKey)
	}
	if k.signer != nil {
		return nil, fmt.Errorf("keys: marshal private key %s: %w", k.pub.kid, ErrNotExportable)
	}
	j := k.pub.members()
	if k.pub.alg == ES256 {
		d, err := k.ec.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: marshal private key: %w", err)
		}
		j.D = b64.EncodeToString(d)
	} else {
		j.D = b64.EncodeToString(k.ed.Seed())
	}
	return marshalJSON(j)
}

// UnmarshalJSON parses a private JWK (see ParsePrivateJWK).
func (k *PrivateKey) UnmarshalJSON(data []byte) error {
	p, err := ParsePrivateJWK(data)
	if err != nil {
		return err
	}
	*k = *p
	return nil
}

// ParsePublicJWK parses a public JWK strictly:
//
//   - at most MaxJWKSize bytes of JSON accepted by CheckJSON, an object;
//   - kty "EC" with crv "P-256" and x, y of 32 bytes each that are a point
//     on the curve, or kty "OKP" with crv "Ed25519" and x of 32 bytes;
//     anything else is ErrUnsupportedKey;
//   - "d" (or any RSA private member) is ErrPrivateMember;
//   - optional "alg" must be the curve's alg and optional "kid" must be
//     the key's thumbprint;
//   - any other member (use, key_ops, x5c, ...) is ErrKeyMember.
//
// All errors wrap ErrInvalidKey.
func ParsePublicJWK(data []byte) (*PublicKey, error) {
	k, _, err := parseJWK(data, false)
	if err != nil {
		return nil, fmt.Errorf("keys: parse public JWK: %w", err)
	}
	return k, nil
}

// ParsePrivateJWK parses a private JWK with the rules of ParsePublicJWK,
// except that "d" is required: the 32-byte P-256 scalar or Ed25519 seed.
// The public members must be the public key of d.
func ParsePrivateJWK(data []byte) (*PrivateKey, error) {
	pub, d, err := parseJWK(data, true)
	if err != nil {
		return nil, fmt.Errorf("keys: parse private JWK: %w", err)
	}
	var priv *PrivateKey
	switch pub.alg {
	case ES256:
		ek, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			return nil, fmt.Errorf("keys: parse private JWK: %w: d: %v", ErrInvalidKey, err)
		}
		priv = &PrivateKey{pub: newECPublic(&ek.PublicKey), ec: ek}
	case EdDSA:
		if len(d) != ed25519.SeedSize {
			return nil, fmt.Errorf("keys: parse private JWK: %w: d must be %d bytes", ErrInvalidKey, ed25519.SeedSize)
		}
		ek := ed25519.NewKeyFromSeed(d)
		priv = &PrivateKey{pub: newEdPublic(ek.Public().(ed25519.PublicKey)), ed: ek}
	}
	if !priv.pub.Equal(pub) {
		return nil, fmt.Errorf("keys: parse private JWK: %w: public members do not match d", ErrInvalidKey)
	}
	return priv, nil
}

// parseJWK does the work of ParsePublicJWK and ParsePrivateJWK. With
// private set it requires "d" and returns it decoded.
func parseJWK(data []byte, private bool) (*PublicKey, []byte, error) {
	if len(data) > MaxJWKSize {
		return nil, nil, fmt.Errorf("%w: JWK longer than %d bytes", ErrInvalidKey, MaxJWKSize)
	}
	m, err := decodeObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	str := func(name string) (string, error) {
		raw, ok := m[name]
		if !ok {
			return "", fmt.Errorf("%w: missing %q", ErrInvalidKey, name)
		}
		s, ok := jsonString(raw)
		if !ok {
			return "", fmt.Errorf("%w: %q is not a string", ErrInvalidKey, name)
		}
		return s, nil
	}
	bin := func(name string, size int) ([]byte, error) {
		s, err := str(name)
		if err != nil {
			return nil, err
		}
		b, err := b64.DecodeString(s)
		if err != nil || !isB64URL(s) || len(b) != size {
			return nil, fmt.Errorf("%w: %q must be %d bytes of unpadded base64url", ErrInvalidKey, name, size)
		}
		return b, nil
	}
	// Private members first: a public JWK must never carry one, whatever
	// else is wrong with it.
	if !private {
		for _, name := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := m[name]; ok {
				return nil, nil, fmt.Errorf("%w: %q", ErrPrivateMember, name)
			}
		}
	}
	kty, err := str("kty")
	if err != nil {
		return nil, nil, err
	}
	if kty != "EC" && kty != "OKP" {
		return nil, nil, fmt.Errorf("%w: kty %q", ErrUnsupportedKey, truncate(kty))
	}
	crv, err := str("crv")
	if err != nil {
		return nil, nil, err
	}
	allowed := map[string]bool{"kty": true, "crv": true, "x": true, "kid": true, "alg": true}
	var k *PublicKey
	switch {
	case kty == "EC" && crv == "P-256":
		allowed["y"] = true
		x, err := bin("x", 32)
		if err != nil {
			return nil, nil, err
		}
		y, err := bin("y", 32)
		if err != nil {
			return nil, nil, err
		}
		// ParseUncompressedPublicKey rejects points not on the curve and
		// the point at infinity.
		ek, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: x, y: %v", ErrInvalidKey, err)
		}
		k = newECPublic(ek)
	case kty == "OKP" && crv == "Ed25519":
		x, err := bin("x", ed25519.PublicKeySize)
		if err != nil {
			return nil, nil, err
		}
		k = newEdPublic(ed25519.PublicKey(x))
	default:
		return nil, nil, fmt.Errorf("%w: kty %q crv %q", ErrUnsupportedKey, truncate(kty), truncate(crv))
	}
	var d []byte
	if private {
		allowed["d"] = true
		if d, err = bin("d", 32); err != nil {
			return nil, nil, err
		}
	}
	for name := range m {
		if !allowed[name] {
			return nil, nil, fmt.Errorf("%w: %q", ErrKeyMember, truncate(name))
		}
	}
	if _, ok := m["alg"]; ok {
		alg, err := str("alg")
		if err != nil {
			return nil, nil, err
		}
		if Alg(alg) != k.alg {
			return nil, nil, fmt.Errorf("%w: alg %q with crv %s", ErrUnsupportedKey, truncate(alg), crv)
		}
	}
	if _, ok := m["kid"]; ok {
		kid, err := str("kid")
		if err != nil {
			return nil, nil, err
		}
		if kid != k.kid {
			return nil, nil, fmt.Errorf("%w: kid is not the key's RFC 7638 thumbprint", ErrInvalidKey)
		}
	}
	return k, d, nil
}

// isB64URL reports whether s is made only of the unpadded base64url
// alphabet. Go's decoders skip '\r' and '\n', so they alone would let two
// different strings decode to the same bytes.
func isB64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

var (
	_ json.Marshaler   = (*PublicKey)(nil)
	_ json.Unmarshaler = (*PublicKey)(nil)
	_ json.Marshaler   = (*PrivateKey)(nil)
	_ json.Unmarshaler = (*PrivateKey)(nil)
)
