package sdjwt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Limits, checked before the work they bound.
const (
	// MaxSize is the longest input Verify and Present read, in bytes.
	MaxSize = 256 << 10
	// MaxCredentials is the most issuer-signed credentials in one
	// presentation.
	MaxCredentials = 16
	// MaxDisclosures is the most disclosures presented with one
	// credential (and the most claims Issue accepts).
	MaxDisclosures = 128
	// MaxDigests is the most digests in one _sd array (claims plus
	// decoys).
	MaxDigests = 256
)

// maxNumericDate is 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// part is one credential of a serialized SD-JWT: its issuer-signed JWT
// and the disclosures presented with it, still encoded.
type part struct {
	jwt         string
	disclosures []string
}

// serialized is a split SD-JWT or presentation.
type serialized struct {
	creds  []part
	kb     string // the key-binding JWT, or "" if the input ends with '~'
	prefix string // everything up to and including the last '~': what sd_hash covers
}

// split parses the serialization
//
//	<JWT>~<D>~...~<D>~[<JWT>~<D>~...~<D>~ ...][<KB-JWT>]
//
// A segment containing '.' is a JWT (base64url has no '.'), so the
// concatenation of several SD-JWTs is unambiguous; the segment after the
// last '~' is the key-binding JWT, or empty. One SD-JWT is exactly the
// RFC 9901 form.
func split(s string) (*serialized, error) {
	if len(s) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(s), MaxSize)
	}
	last := strings.LastIndexByte(s, '~')
	if last < 0 {
		return nil, fmt.Errorf("%w: no '~': not an SD-JWT", ErrMalformed)
	}
	out := &serialized{prefix: s[:last+1], kb: s[last+1:]}
	if out.kb != "" && !strings.Contains(out.kb, ".") {
		return nil, fmt.Errorf("%w: missing the final '~' (or a key-binding JWT)", ErrMalformed)
	}
	rest := s[:last]
	for {
		seg, tail, more := strings.Cut(rest, "~")
		switch {
		case seg == "":
			return nil, fmt.Errorf("%w: empty part", ErrMalformed)
		case strings.Contains(seg, "."):
			if len(out.creds) == MaxCredentials {
				return nil, fmt.Errorf("%w: more than %d credentials", ErrTooLarge, MaxCredentials)
			}
			out.creds = append(out.creds, part{jwt: seg})
		case len(out.creds) == 0:
			return nil, fmt.Errorf("%w: does not start with an issuer-signed JWT", ErrMalformed)
		default:
			c := &out.creds[len(out.creds)-1]
			if len(c.disclosures) == MaxDisclosures {
				return nil, fmt.Errorf("%w: more than %d disclosures for one credential", ErrTooLarge, MaxDisclosures)
			}
			c.disclosures = append(c.disclosures, seg)
		}
		if !more {
			return out, nil
		}
		rest = tail
	}
}

// sdHash is the key binding's sd_hash over the presented prefix.
func sdHash(prefix string) string { return Digest(prefix) }

// issuerJWT is an issuer-signed JWT whose header passed the policy and
// whose payload is a strict JSON object, before its signature is checked.
type issuerJWT struct {
	u      *keys.Unverified
	claims map[string]json.RawMessage
	iss    string
	iat    time.Time
}

// parseIssuerJWT applies the header policy (typ "dc+sd-jwt") and reads
// the two claims needed to find the issuer key: iss and iat.
func parseIssuerJWT(jwt string) (*issuerJWT, error) {
	u, err := keys.ParseUnverified(jwt, TypCredential)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerJWT, err)
	}
	claims, err := decodeObject(u.UnverifiedPayload())
	if err != nil {
		return nil, err
	}
	j := &issuerJWT{u: u, claims: claims}
	if j.iss, err = stringClaim(claims, "iss"); err != nil {
		return nil, err
	}
	if j.iat, err = dateClaim(claims, "iat", true); err != nil {
		return nil, err
	}
	return j, nil
}

// content is what a credential's payload says beyond iss and iat.
type content struct {
	vct       string
	nbf, exp  time.Time
	holder    *keys.PublicKey
	digests   map[string]bool
	metadata  map[string]any
	plainKeys map[string]bool // every member name of the payload
}

// content reads and checks the rest of the payload.
func (j *issuerJWT) content() (*content, error) {
	c := &content{plainKeys: make(map[string]bool, len(j.claims))}
	var err error
	if c.vct, err = stringClaim(j.claims, "vct"); err != nil {
		return nil, err
	}
	if c.nbf, err = dateClaim(j.claims, "nbf", false); err != nil {
		return nil, err
	}
	if c.exp, err = dateClaim(j.claims, "exp", false); err != nil {
		return nil, err
	}
	if raw, ok := j.claims["_sd_alg"]; ok {
		if alg, ok := jsonString(raw); !ok || alg != SDAlg {
			return nil, fmt.Errorf("%w: %s", ErrSDAlg, truncate(string(raw)))
		}
	}
	if c.holder, err = cnfKey(j.claims); err != nil {
		return nil, err
	}
	c.digests = make(map[string]bool)
	if raw, ok := j.claims["_sd"]; ok {
		if len(raw) == 0 || raw[0] != '[' {
			return nil, fmt.Errorf("%w: _sd is not an array", ErrMalformed)
		}
		var ds []json.RawMessage
		if err := json.Unmarshal(raw, &ds); err != nil {
			return nil, fmt.Errorf("%w: _sd: %v", ErrMalformed, err)
		}
		if len(ds) > MaxDigests {
			return nil, fmt.Errorf("%w: %d digests in _sd, more than %d", ErrTooLarge, len(ds), MaxDigests)
		}
		for _, r := range ds {
			d, ok := jsonString(r)
			if !ok || !isDigest(d) {
				return nil, fmt.Errorf("%w: _sd holds something other than a SHA-256 digest", ErrMalformed)
			}
			if c.digests[d] {
				return nil, fmt.Errorf("%w: %s", ErrDuplicateDigest, d)
			}
			c.digests[d] = true
		}
	}
	c.metadata = make(map[string]any)
	for name, raw := range j.claims {
		c.plainKeys[name] = true
		if registeredIssuerClaims[name] {
			continue
		}
		if name == "..." {
			return nil, fmt.Errorf("%w: %q member", ErrUnsupported, name)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%w: claim %q: %v", ErrMalformed, truncate(name), err)
		}
		if err := checkPlain(v); err != nil {
			return nil, fmt.Errorf("claim %q: %w", truncate(name), err)
		}
		c.metadata[name] = v
	}
	return c, nil
}

// cnfKey reads cnf, which must be exactly {"jwk": <public JWK>}.
func cnfKey(claims map[string]json.RawMessage) (*keys.PublicKey, error) {
	raw, ok := claims["cnf"]
	if !ok {
		return nil, fmt.Errorf("%w: no cnf: the credential is not bound to a holder key", ErrMalformed)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%w: cnf is not an object", ErrMalformed)
	}
	var cnf map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cnf); err != nil {
		return nil, fmt.Errorf("%w: cnf: %v", ErrMalformed, err)
	}
	jwk, ok := cnf["jwk"]
	if !ok || len(cnf) != 1 {
		return nil, fmt.Errorf("%w: cnf must hold exactly a jwk", ErrMalformed)
	}
	k, err := keys.ParsePublicJWK(jwk)
	if err != nil {
		return nil, fmt.Errorf("%w: cnf: %w", ErrMalformed, err)
	}
	return k, nil
}

// disclose checks the disclosures presented with one credential and
// returns them decoded, in order: each must be referenced by the
// payload's _sd exactly once and be well formed, and no name may repeat
// a plain claim or another disclosure.
func disclose(encoded []string, c *content) ([]Disclosure, error) {
	out := make([]Disclosure, 0, len(encoded))
	seen := make(map[string]bool, len(encoded))
	names := make(map[string]bool, len(encoded))
	for _, e := range encoded {
		dg := Digest(e)
		if seen[dg] {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateDisclosure, truncate(e))
		}
		seen[dg] = true
		if !c.digests[dg] {
			return nil, fmt.Errorf("%w: %s", ErrUnreferencedDisclosure, truncate(e))
		}
		d, err := parseDisclosure(e)
		if err != nil {
			return nil, err
		}
		if c.plainKeys[d.Name] {
			return nil, fmt.Errorf("%w: %q is also a plain claim", ErrClaimConflict, d.Name)
		}
		if names[d.Name] {
			return nil, fmt.Errorf("%w: %q disclosed twice", ErrClaimConflict, d.Name)
		}
		names[d.Name] = true
		out = append(out, d)
	}
	return out, nil
}

// decodeObject decodes a strict JSON object (keys.CheckJSON) into its
// members.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	if err := keys.CheckJSON(b); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return m, nil
}

// unmarshalStrict is json.Unmarshal after keys.CheckJSON.
func unmarshalStrict(b []byte, v any) error {
	if err := keys.CheckJSON(b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// stringClaim reads a required, non-empty string claim.
func stringClaim(claims map[string]json.RawMessage, name string) (string, error) {
	raw, ok := claims[name]
	if !ok {
		return "", fmt.Errorf("%w: no %s", ErrMalformed, name)
	}
	s, ok := jsonString(raw)
	if !ok || s == "" {
		return "", fmt.Errorf("%w: %s must be a non-empty string", ErrMalformed, name)
	}
	return s, nil
}

// dateClaim reads a NumericDate claim. This package writes and accepts
// whole seconds only: a JSON integer from 1 to 253402300799 (year 9999),
// without sign, fraction or exponent. A missing optional claim is the
// zero time.
func dateClaim(claims map[string]json.RawMessage, name string, required bool) (time.Time, error) {
	raw, ok := claims[name]
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("%w: no %s", ErrMalformed, name)
		}
		return time.Time{}, nil
	}
	s := string(raw)
	if len(s) == 0 || len(s) > 12 || strings.Trim(s, "0123456789") != "" || (s[0] == '0') {
		return time.Time{}, fmt.Errorf("%w: %s must be a whole number of seconds", ErrMalformed, name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > maxNumericDate {
		return time.Time{}, fmt.Errorf("%w: %s out of range", ErrMalformed, name)
	}
	return time.Unix(n, 0).UTC(), nil
}

// checkDate reports whether a time Issue or Present is about to write is
// one dateClaim will read back: 1970 < t <= 9999-12-31T23:59:59Z. Zero
// times are for the caller to handle.
func checkDate(name string, t time.Time) error {
	if n := t.Unix(); n < 1 || n > maxNumericDate {
		return fmt.Errorf("%s %s is outside 1970 to 9999", name, t.Format(time.RFC3339))
	}
	return nil
}
