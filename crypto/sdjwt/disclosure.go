package sdjwt

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
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

// undisclosable are the top-level claims Verify refuses to take from a
// disclosure (ErrClaimConflict), in every profile: what the time, issuer
// and holder checks read (RFC 9901 §9.7 lists iss, aud, exp, nbf and cnf
// as security-critical; iat picks the issuer key; vct, vct#integrity and
// status are SD-JWT VC's own, which it says must not be disclosed), and
// the names RFC 9901 reserves. Unlike Issue, Verify accepts a disclosed
// sub (RFC 9901 §5 discloses one).
var undisclosable = map[string]bool{
	"iss": true, "aud": true, "iat": true, "nbf": true, "exp": true, "cnf": true,
	"vct": true, "vct#integrity": true, "status": true,
	"_sd": true, "_sd_alg": true, "...": true,
}

// disc is one presented disclosure, decoded when a digest first
// references it.
type disc struct {
	enc    string
	parsed bool
	array  bool   // an array-element disclosure [salt, value]
	name   string // the claim name of an object-property disclosure
	value  any
	used   bool
}

// decode parses d strictly: canonical base64url of one strict JSON array
// of [salt, name, value] or [salt, value], with a non-empty string salt;
// a name is 1 to MaxNameLen bytes and not "_sd" or "...". Values may hold
// further digests (recursive disclosures): the processor reads them.
func (d *disc) decode() error {
	if d.parsed {
		return nil
	}
	raw, err := decodeB64(d.enc)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedDisclosure, err)
	}
	if err := keys.CheckJSON(raw); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedDisclosure, err)
	}
	var parts []json.RawMessage
	if b := bytes.TrimLeft(raw, " \t\r\n"); len(b) == 0 || b[0] != '[' || json.Unmarshal(b, &parts) != nil {
		return fmt.Errorf("%w: not a JSON array", ErrMalformedDisclosure)
	}
	if len(parts) != 2 && len(parts) != 3 {
		return fmt.Errorf("%w: %d elements, want [salt, name, value] or [salt, value]", ErrMalformedDisclosure, len(parts))
	}
	if salt, ok := jsonString(parts[0]); !ok || salt == "" {
		return fmt.Errorf("%w: salt must be a non-empty string", ErrMalformedDisclosure)
	}
	v := parts[1]
	if len(parts) == 3 {
		var ok bool
		if d.name, ok = jsonString(parts[1]); !ok {
			return fmt.Errorf("%w: claim name must be a string", ErrMalformedDisclosure)
		}
		switch {
		case d.name == "" || len(d.name) > MaxNameLen:
			return fmt.Errorf("%w: claim name must be 1 to %d bytes", ErrMalformedDisclosure, MaxNameLen)
		case d.name == "_sd" || d.name == "...":
			return fmt.Errorf("%w: claim name %q", ErrClaimConflict, d.name)
		}
		v = parts[2]
	} else {
		d.array = true
	}
	if err := json.Unmarshal(v, &d.value); err != nil {
		return fmt.Errorf("%w: value: %v", ErrMalformedDisclosure, err)
	}
	d.parsed = true
	return nil
}

// processor does RFC 9901 §7.1 step 3 to 5 for one credential: it walks
// the issuer-signed payload, replaces every digest that a presented
// disclosure matches with the disclosed claim or array element (and
// processes that in turn), drops the others (decoys and undisclosed
// claims), and checks that no digest appears twice and every disclosure
// is used once. It walks in a fixed order (an object's _sd in array
// order, then its members by name; arrays in order) and decodes a
// disclosure only when a digest references it, so its error does not
// depend on the order of the disclosures.
type processor struct {
	discs map[string]*disc // by digest
	seen  map[string]bool  // every digest met so far
}

// newProcessor indexes the presented disclosures by digest. A disclosure
// presented twice is ErrDuplicateDisclosure (the smallest such, so the
// error does not depend on order).
func newProcessor(encoded []string) (*processor, error) {
	p := &processor{discs: make(map[string]*disc, len(encoded)), seen: make(map[string]bool)}
	sorted := slices.Clone(encoded)
	slices.Sort(sorted)
	for i, e := range sorted {
		if i > 0 && sorted[i-1] == e {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateDisclosure, truncate(e))
		}
		p.discs[Digest(e)] = &disc{enc: e}
	}
	return p, nil
}

// digest records a digest met in the payload and returns the disclosure
// it references, decoded, or nil for a decoy or an undisclosed claim.
func (p *processor) digest(dg string) (*disc, error) {
	if p.seen[dg] {
		return nil, fmt.Errorf("%w: %s", ErrDuplicateDigest, dg)
	}
	p.seen[dg] = true
	d, ok := p.discs[dg]
	if !ok {
		return nil, nil
	}
	if err := d.decode(); err != nil {
		return nil, err
	}
	d.used = true
	return d, nil
}

// unused returns ErrUnreferencedDisclosure for the smallest disclosure no
// digest referenced, or nil.
func (p *processor) unused() error {
	var left []string
	for _, d := range p.discs {
		if !d.used {
			left = append(left, d.enc)
		}
	}
	if len(left) == 0 {
		return nil
	}
	slices.Sort(left)
	return fmt.Errorf("%w: %s", ErrUnreferencedDisclosure, truncate(left[0]))
}

// value processes any JSON value at depth (the payload itself is 1).
func (p *processor) value(v any, depth int) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out, _, err := p.object(v, depth, false)
		return out, err
	case []any:
		return p.array(v, depth)
	}
	return v, nil
}

// object processes an object: its _sd digests become claims, then its
// plain members are processed. top marks the payload itself, where
// undisclosable names apply; it returns the names taken from disclosures.
func (p *processor) object(obj map[string]any, depth int, top bool) (map[string]any, []string, error) {
	if depth > MaxDepth {
		return nil, nil, fmt.Errorf("%w: nested deeper than %d", ErrTooLarge, MaxDepth)
	}
	out := make(map[string]any, len(obj))
	var disclosed []string
	if raw, ok := obj["_sd"]; ok {
		ds, ok := raw.([]any)
		if !ok {
			return nil, nil, fmt.Errorf("%w: _sd is not an array", ErrMalformed)
		}
		if len(ds) > MaxDigests {
			return nil, nil, fmt.Errorf("%w: %d digests in _sd, more than %d", ErrTooLarge, len(ds), MaxDigests)
		}
		for _, e := range ds {
			if s, ok := e.(string); !ok || !isDigest(s) {
				return nil, nil, fmt.Errorf("%w: _sd holds something other than a SHA-256 digest", ErrMalformed)
			}
		}
		for _, e := range ds {
			d, err := p.digest(e.(string))
			if err != nil {
				return nil, nil, err
			}
			if d == nil {
				continue
			}
			_, plain := obj[d.name]
			_, twice := out[d.name]
			switch {
			case d.array:
				return nil, nil, fmt.Errorf("%w: array-element disclosure referenced from _sd", ErrMalformedDisclosure)
			case top && undisclosable[d.name]:
				return nil, nil, fmt.Errorf("%w: %q cannot be disclosed", ErrClaimConflict, d.name)
			case plain:
				return nil, nil, fmt.Errorf("%w: %q is also a plain claim", ErrClaimConflict, truncate(d.name))
			case twice:
				return nil, nil, fmt.Errorf("%w: %q disclosed twice", ErrClaimConflict, truncate(d.name))
			}
			v, err := p.value(d.value, depth+1)
			if err != nil {
				return nil, nil, err
			}
			out[d.name] = v
			disclosed = append(disclosed, d.name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		switch {
		case name == "_sd":
			continue
		case name == "...":
			return nil, nil, fmt.Errorf("%w: %q member outside an array element", ErrClaimConflict, name)
		case name == "_sd_alg" && !top:
			return nil, nil, fmt.Errorf("%w: _sd_alg below the top level", ErrMalformed)
		case name == "_sd_alg":
			continue // checked by the caller; removed from the result
		}
		v, err := p.value(obj[name], depth+1)
		if err != nil {
			return nil, nil, err
		}
		out[name] = v
	}
	return out, disclosed, nil
}

// array processes an array: an element {"...": digest} becomes the
// disclosed element, or is dropped; other elements are processed.
func (p *processor) array(arr []any, depth int) ([]any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrTooLarge, MaxDepth)
	}
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		obj, ok := e.(map[string]any)
		raw, marker := obj["..."]
		if !ok || !marker {
			v, err := p.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		if len(obj) != 1 {
			return nil, fmt.Errorf("%w: an array element with \"...\" has other members", ErrClaimConflict)
		}
		dg, ok := raw.(string)
		if !ok || !isDigest(dg) {
			return nil, fmt.Errorf("%w: \"...\" is not a SHA-256 digest", ErrMalformed)
		}
		d, err := p.digest(dg)
		if err != nil {
			return nil, err
		}
		if d == nil {
			continue
		}
		if !d.array {
			return nil, fmt.Errorf("%w: object-property disclosure %q referenced from an array element", ErrMalformedDisclosure, truncate(d.name))
		}
		v, err := p.value(d.value, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
