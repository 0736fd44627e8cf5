package sdjwt

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// b64 is unpadded base64url with canonical trailing bits, the only
// encoding this package reads or writes.
var b64 = base64.RawURLEncoding.Strict()

// digestLen is the length of a base64url SHA-256 digest.
const digestLen = 43

// MaxNameLen is the longest claim name Issue, Present and Verify accept,
// in bytes.
const MaxNameLen = 128

// Disclosure is one selectively disclosable claim: the base64url of the
// JSON array [salt, name, value] (RFC 9901 §4.2.1).
type Disclosure struct {
	Salt    string
	Name    string
	Value   any    // as decoded by encoding/json: numbers are float64
	Encoded string // the disclosure as it travels; its digest is Digest(Encoded)
}

// Digest returns the SHA-256 digest of a disclosure as it appears in _sd:
// base64url(SHA-256(ASCII bytes of the encoded disclosure)).
func Digest(encoded string) string {
	sum := sha256.Sum256([]byte(encoded))
	return b64.EncodeToString(sum[:])
}

// newSalt returns 128 random bits, base64url encoded (22 characters).
func newSalt() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return b64.EncodeToString(b[:])
}

// newDecoy returns the digest of 32 random bytes: indistinguishable from a
// real disclosure's digest.
func newDecoy() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return Digest(b64.EncodeToString(b[:]))
}

// newDisclosure encodes [salt, name, value]. The value must be plain JSON
// without "_sd" or "..." members.
func newDisclosure(salt, name string, value any) (Disclosure, error) {
	raw, err := marshalJSON([]any{salt, name, value})
	if err != nil {
		return Disclosure{}, fmt.Errorf("claim %q: %w", name, err)
	}
	d, err := parseDisclosure(b64.EncodeToString(raw))
	if err != nil {
		return Disclosure{}, fmt.Errorf("claim %q: %w", name, err)
	}
	return d, nil
}

// ParseDisclosure decodes an encoded disclosure strictly: unpadded
// canonical base64url of one JSON array (CheckJSON: valid UTF-8, no
// duplicate members) of exactly three elements, a string salt, a string
// name of 1 to MaxNameLen bytes that is not "_sd" or "...", and a value
// holding no "_sd" or "..." member at any depth. Errors wrap
// ErrMalformedDisclosure, ErrClaimConflict or ErrUnsupported.
//
// It does not check that any SD-JWT references the disclosure; Verify
// does.
func ParseDisclosure(encoded string) (Disclosure, error) {
	return parseDisclosure(encoded)
}

func parseDisclosure(encoded string) (Disclosure, error) {
	raw, err := decodeB64(encoded)
	if err != nil {
		return Disclosure{}, fmt.Errorf("%w: %v", ErrMalformedDisclosure, err)
	}
	if err := keys.CheckJSON(raw); err != nil {
		return Disclosure{}, fmt.Errorf("%w: %w", ErrMalformedDisclosure, err)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return Disclosure{}, fmt.Errorf("%w: not a JSON array", ErrMalformedDisclosure)
	}
	if len(parts) == 2 {
		return Disclosure{}, fmt.Errorf("%w: array element disclosure", ErrUnsupported)
	}
	if len(parts) != 3 {
		return Disclosure{}, fmt.Errorf("%w: %d elements, want [salt, name, value]", ErrMalformedDisclosure, len(parts))
	}
	d := Disclosure{Encoded: encoded}
	var ok bool
	if d.Salt, ok = jsonString(parts[0]); !ok || d.Salt == "" {
		return Disclosure{}, fmt.Errorf("%w: salt must be a non-empty string", ErrMalformedDisclosure)
	}
	if d.Name, ok = jsonString(parts[1]); !ok {
		return Disclosure{}, fmt.Errorf("%w: claim name must be a string", ErrMalformedDisclosure)
	}
	if err := checkName(d.Name); err != nil {
		return Disclosure{}, err
	}
	if err := json.Unmarshal(parts[2], &d.Value); err != nil {
		return Disclosure{}, fmt.Errorf("%w: value: %v", ErrMalformedDisclosure, err)
	}
	if err := checkPlain(d.Value); err != nil {
		return Disclosure{}, fmt.Errorf("claim %q: %w", d.Name, err)
	}
	return d, nil
}

// checkName rejects names a disclosure may never carry.
func checkName(name string) error {
	switch {
	case name == "" || len(name) > MaxNameLen:
		return fmt.Errorf("%w: claim name must be 1 to %d bytes", ErrMalformedDisclosure, MaxNameLen)
	case name == "_sd" || name == "...":
		return fmt.Errorf("%w: claim name %q", ErrClaimConflict, name)
	case reservedIssuerClaims[name]:
		return fmt.Errorf("%w: %q is a reserved claim and cannot be disclosed", ErrClaimConflict, name)
	}
	return nil
}

// checkPlain reports ErrUnsupported if v (a decoded JSON value) has an
// object with an "_sd" or "..." member anywhere: those would be nested or
// array-element disclosures, which this package does not process.
func checkPlain(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "_sd" || k == "..." {
				return fmt.Errorf("%w: nested %q member", ErrUnsupported, k)
			}
			if err := checkPlain(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkPlain(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeB64 decodes unpadded canonical base64url; Go's decoder alone
// would skip '\r' and '\n'.
func decodeB64(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("not unpadded base64url")
		}
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not canonical base64url")
	}
	return b, nil
}

// isDigest reports whether s looks like a base64url SHA-256 digest.
func isDigest(s string) bool {
	if len(s) != digestLen {
		return false
	}
	_, err := decodeB64(s)
	return err == nil
}

// jsonString decodes raw if it is a JSON string (not null).
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// marshalJSON encodes v without HTML escaping and without a trailing
// newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// truncate shortens untrusted text quoted in error messages.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
