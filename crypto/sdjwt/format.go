package sdjwt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Limits, checked before the work they bound.
const (
	// MaxSize is the longest input Verify and Present read, in bytes.
	MaxSize = 256 << 10
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

// split parses the RFC 9901 serialization
//
//	<JWT>~<D>~...~<D>~[<KB-JWT>]
//
// The segment after the last '~' is the key-binding JWT, or empty. An
// SD-JWT holds one credential: a second segment containing '.' (a JWT:
// base64url has no '.') in the place of a disclosure is refused with its
// own message, since it is what a concatenation of several SD-JWTs looks
// like; present each credential on its own instead (crypto/consent does).
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
		case strings.Contains(seg, ".") && len(out.creds) > 0:
			return nil, fmt.Errorf("%w: a second issuer-signed JWT: an SD-JWT holds one credential (present each on its own)", ErrMalformed)
		case strings.Contains(seg, "."):
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
//
// A disclosure may be nested: referenced from the _sd of the object
// another disclosure discloses (an issued Object, one level deep).
// parent[i] is the index of disclosure i's parent, -1 at the top level.
func disclose(encoded []string, c *content) (ds []Disclosure, parent []int, err error) {
	out := make([]Disclosure, 0, len(encoded))
	seen := make(map[string]bool, len(encoded))
	names := make(map[string]bool, len(encoded))
	for _, e := range encoded {
		dg := Digest(e)
		if seen[dg] {
			return nil, nil, fmt.Errorf("%w: %s", ErrDuplicateDisclosure, truncate(e))
		}
		seen[dg] = true
		// Leniently: an Object's value holds the _sd of its members.
		dd := &disc{enc: e}
		if err := dd.decode(); err != nil {
			return nil, nil, err
		}
		if dd.array {
			return nil, nil, fmt.Errorf("%w: an array-element disclosure cannot be chosen by name", ErrUnsupported)
		}
		d := Disclosure{Name: dd.name, Value: dd.value, Encoded: e}
		if c.plainKeys[d.Name] {
			return nil, nil, fmt.Errorf("%w: %q is also a plain claim", ErrClaimConflict, d.Name)
		}
		if names[d.Name] {
			return nil, nil, fmt.Errorf("%w: %q disclosed twice", ErrClaimConflict, d.Name)
		}
		names[d.Name] = true
		out = append(out, d)
	}
	// Where each digest is referenced: the payload's _sd, or the _sd of
	// an object a disclosure discloses.
	parent = make([]int, len(out))
	at := map[string]int{}
	for i, d := range out {
		m, ok := d.Value.(map[string]any)
		if !ok {
			continue
		}
		sd, _ := m["_sd"].([]any)
		for _, x := range sd {
			if dg, ok := x.(string); ok {
				at[dg] = i
			}
		}
	}
	for i, d := range out {
		dg := Digest(d.Encoded)
		switch p, nested := at[dg]; {
		case c.digests[dg]:
			parent[i] = -1
		case nested && c.digests[Digest(out[p].Encoded)]: // one level deep
			parent[i] = p
		default:
			return nil, nil, fmt.Errorf("%w: %s", ErrUnreferencedDisclosure, truncate(d.Encoded))
		}
	}
	return out, parent, nil
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

// MaxDepth is the deepest nesting of objects and arrays in a processed
// payload, counted through the disclosures embedded in it (a disclosure's
// value nests one level below the object or array that references it).
// Deeper input is ErrTooLarge.
const MaxDepth = 32

// compactJWS is a compact JWS whose header passed the policy of parseJWS,
// before its signature is checked. It is what Verify reads the key-binding
// JWT with (its kid is optional, RFC 9901 §4.3), and the issuer-signed
// JWT of a standard profile.
type compactJWS struct {
	alg      keys.Alg
	typ, kid string // kid is "" when the header has none
	input    string // BASE64URL(header) '.' BASE64URL(payload): what is signed
	payload  []byte
	sig      []byte
}

// parseJWS splits a compact JWS and applies the header policy of package
// keys (keys.ParseUnverified), with the same sentinels, except that kid
// is optional: at most keys.MaxJWSSize bytes; three canonical base64url
// parts, a 64-byte signature; the header one strict JSON object; no crit,
// b64, jwk, jku, x5u, x5c, x5t or x5t#S256; alg exactly ES256 or EdDSA;
// typ exactly wantTyp, or, when wantTyp is "", any string or none; kid,
// if present, 1 to keys.MaxKIDLen printable ASCII bytes; nothing else.
func parseJWS(compact, wantTyp string) (*compactJWS, error) {
	if len(compact) > keys.MaxJWSSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", keys.ErrTooLarge, len(compact), keys.MaxJWSSize)
	}
	hdrB64, rest, ok := strings.Cut(compact, ".")
	if !ok {
		return nil, fmt.Errorf("%w: not a compact JWS (no '.')", keys.ErrMalformed)
	}
	payB64, sigB64, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sigB64, ".") {
		return nil, fmt.Errorf("%w: a compact JWS has exactly 3 parts", keys.ErrMalformed)
	}
	hdrJSON, err := decodeB64(hdrB64)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", keys.ErrMalformed, err)
	}
	if err := keys.CheckJSON(hdrJSON); err != nil {
		return nil, fmt.Errorf("%w: header: %w", keys.ErrMalformed, err)
	}
	var hdr map[string]json.RawMessage
	if b := bytes.TrimLeft(hdrJSON, " \t\r\n"); len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &hdr) != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", keys.ErrMalformed)
	}
	j := &compactJWS{input: hdrB64 + "." + payB64}
	if j.alg, j.typ, j.kid, err = checkJWSHeader(hdr, wantTyp); err != nil {
		return nil, err
	}
	if j.payload, err = decodeB64(payB64); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", keys.ErrMalformed, err)
	}
	if j.sig, err = decodeB64(sigB64); err != nil {
		return nil, fmt.Errorf("%w: signature: %v", keys.ErrMalformed, err)
	}
	if len(j.sig) != 64 {
		return nil, fmt.Errorf("%w: signature is %d bytes, want 64", keys.ErrMalformed, len(j.sig))
	}
	return j, nil
}

// checkJWSHeader applies the header policy in a fixed order, so a header
// with several faults always gives the same error.
func checkJWSHeader(hdr map[string]json.RawMessage, wantTyp string) (alg keys.Alg, typ, kid string, err error) {
	if _, ok := hdr["crit"]; ok {
		return "", "", "", keys.ErrCrit
	}
	if _, ok := hdr["b64"]; ok {
		return "", "", "", keys.ErrB64
	}
	for _, name := range []string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"} {
		if _, ok := hdr[name]; ok {
			return "", "", "", fmt.Errorf("%w: %q", keys.ErrEmbeddedKey, name)
		}
	}
	raw, ok := hdr["alg"]
	if !ok {
		return "", "", "", fmt.Errorf("%w: no alg", keys.ErrAlg)
	}
	s, ok := jsonString(raw)
	if !ok {
		return "", "", "", fmt.Errorf("%w: alg is not a string", keys.ErrAlg)
	}
	if alg = keys.Alg(s); !alg.Valid() {
		return "", "", "", fmt.Errorf("%w: %q", keys.ErrAlg, truncate(s))
	}
	raw, ok = hdr["typ"]
	switch {
	case !ok && wantTyp != "":
		return "", "", "", fmt.Errorf("%w: no typ, want %q", keys.ErrTyp, wantTyp)
	case ok:
		if typ, ok = jsonString(raw); !ok {
			return "", "", "", fmt.Errorf("%w: typ is not a string", keys.ErrTyp)
		}
		if wantTyp != "" && typ != wantTyp {
			return "", "", "", fmt.Errorf("%w: %q, want %q", keys.ErrTyp, truncate(typ), wantTyp)
		}
	}
	if raw, ok = hdr["kid"]; ok {
		if kid, ok = jsonString(raw); !ok {
			return "", "", "", fmt.Errorf("%w: kid is not a string", keys.ErrKID)
		}
		if !keys.Printable(kid, keys.MaxKIDLen) {
			return "", "", "", fmt.Errorf("%w: must be 1 to %d printable ASCII characters", keys.ErrKID, keys.MaxKIDLen)
		}
	}
	for name := range hdr {
		switch name {
		case "alg", "typ", "kid":
		default:
			return "", "", "", fmt.Errorf("%w: %q", keys.ErrUnknownHeader, truncate(name))
		}
	}
	return alg, typ, kid, nil
}

// verify checks the signature with k, which must have the header's alg
// (keys.ErrAlgMismatch otherwise), and returns the payload.
func (j *compactJWS) verify(k *keys.PublicKey) ([]byte, error) {
	if k == nil || !k.Alg().Valid() {
		return nil, fmt.Errorf("%w: no key", keys.ErrInvalidKey)
	}
	if k.Alg() != j.alg {
		return nil, fmt.Errorf("%w: header alg %s, key alg %s", keys.ErrAlgMismatch, j.alg, k.Alg())
	}
	ok := false
	switch pub := k.Raw().(type) {
	case *ecdsa.PublicKey:
		h := sha256.Sum256([]byte(j.input))
		r, s := new(big.Int).SetBytes(j.sig[:32]), new(big.Int).SetBytes(j.sig[32:])
		ok = ecdsa.Verify(pub, h[:], r, s)
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, []byte(j.input), j.sig)
	}
	if !ok {
		return nil, fmt.Errorf("%w (kid %q)", keys.ErrSignature, j.kid)
	}
	return j.payload, nil
}

// holder is a credential's cnf key as Verify reads it.
type holder struct {
	key *keys.PublicKey
	kid string // the JWK's own "kid" member, "" if none
}

// holderKey reads cnf, which must be exactly {"jwk": <public JWK>}; with
// required false a missing cnf is a nil key. The JWK may carry the
// optional members RFC 7517 §4 defines for a public signature key: "use"
// (must be "sig"), "key_ops" (unique strings including "verify"), "alg"
// (must be the curve's) and "kid" (any string: it names the key, and a
// key-binding JWT's kid must then match it or the thumbprint). Private
// members ("d" ...) are refused (keys.ErrPrivateMember), and so is any
// other member, x5c and friends included: nothing here checks a
// certificate against the key.
func holderKey(claims map[string]json.RawMessage, required bool) (holder, error) {
	raw, ok := claims["cnf"]
	if !ok {
		if required {
			return holder{}, fmt.Errorf("%w: no cnf: the credential is not bound to a holder key", ErrMalformed)
		}
		return holder{}, nil
	}
	if len(raw) == 0 || raw[0] != '{' {
		return holder{}, fmt.Errorf("%w: cnf is not an object", ErrMalformed)
	}
	var cnf map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cnf); err != nil {
		return holder{}, fmt.Errorf("%w: cnf: %v", ErrMalformed, err)
	}
	jwk, ok := cnf["jwk"]
	if !ok || len(cnf) != 1 {
		return holder{}, fmt.Errorf("%w: cnf must hold exactly a jwk", ErrMalformed)
	}
	if len(jwk) == 0 || jwk[0] != '{' {
		return holder{}, fmt.Errorf("%w: cnf: jwk is not an object", ErrMalformed)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(jwk, &m); err != nil {
		return holder{}, fmt.Errorf("%w: cnf: jwk: %v", ErrMalformed, err)
	}
	var h holder
	core := make(map[string]json.RawMessage, len(m))
	for name, v := range m {
		switch name {
		case "use":
			if s, ok := jsonString(v); !ok || s != "sig" {
				return holder{}, fmt.Errorf("%w: cnf: %w: use must be \"sig\"", ErrMalformed, keys.ErrKeyMember)
			}
		case "key_ops":
			var ops []string
			if err := json.Unmarshal(v, &ops); err != nil || v[0] != '[' || !slices.Contains(ops, "verify") || hasDuplicate(ops) {
				return holder{}, fmt.Errorf("%w: cnf: %w: key_ops must be unique strings including \"verify\"", ErrMalformed, keys.ErrKeyMember)
			}
		case "kid":
			s, ok := jsonString(v)
			if !ok || s == "" {
				return holder{}, fmt.Errorf("%w: cnf: %w: kid must be a non-empty string", ErrMalformed, keys.ErrKeyMember)
			}
			h.kid = s
		default:
			// kty, crv, x, y, alg and anything else: package keys
			// checks them, refusing private and unknown members.
			core[name] = v
		}
	}
	b, err := json.Marshal(core)
	if err != nil {
		return holder{}, fmt.Errorf("%w: cnf: %v", ErrMalformed, err)
	}
	if h.key, err = keys.ParsePublicJWK(b); err != nil {
		return holder{}, fmt.Errorf("%w: cnf: %w", ErrMalformed, err)
	}
	return h, nil
}

func hasDuplicate(ss []string) bool {
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}
