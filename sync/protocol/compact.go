package protocol

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
)

// CompactCredential is the transfer form of an issued SD-JWT credential
// in the change feed. It carries the same bytes as the credential, less
// what the receiver can recompute, so a gzip'ed page is about half the
// size on a 2G link:
//
//   - the JOSE header, the payload and the disclosures travel as their
//     decoded JSON text (plain JSON compresses across a page; base64url
//     of it hardly does);
//   - in the payload, the digest of each disclosure, "<base64url
//     SHA-256>", is replaced by "~i" (i its index in Disclosures): the
//     receiver recomputes it from the disclosure. Decoy digests stay.
//
// Expand rebuilds the exact credential text: base64url here is canonical
// and unpadded, so decoding and encoding again gives the same bytes, and
// the signature and digests verify. A payload that already contains the
// text "~ (it cannot in a credential we issue, but Compact does not rely on
// that) travels unchanged in RawPayload instead.
//
// A credential issued with a seed (crypto/sdjwt IssueRequest.Seed) can
// travel seeded (CompactSeeded): Seed carries the 32-byte seed, each
// disclosure's salt travels as "" (["","name",value]) and each decoy
// digest in Payload as "~dJ" (J its number): the receiver derives them
// (sdjwt.SeededSalt, sdjwt.SeededDecoy). That saves the salts (16
// incompressible bytes a claim) and the decoys (32 each), which is most
// of what gzip cannot shrink. The seed lets its holder test guesses
// against the hidden claims' digests, so it goes to the credential's
// holder only (the feed is the device's own), never into a presentation.
type CompactCredential struct {
	Header      string   `json:"h"`            // JOSE header JSON
	Payload     string   `json:"p,omitempty"`  // payload JSON with digest placeholders
	RawPayload  string   `json:"pb,omitempty"` // or the payload's base64url as issued
	Signature   string   `json:"s"`            // base64url
	Disclosures []string `json:"d"`            // each disclosure's JSON
	Seed        string   `json:"k,omitempty"`  // base64url issuance seed: salts "" and decoys "~dJ" are derived
}

// Limits of Expand, against hostile feeds.
const (
	maxCompactDisclosures = 256
	maxCompactBytes       = 256 << 10
)

// ErrCompact: a CompactCredential that does not expand to a credential.
var ErrCompact = errors.New("compact credential is malformed")

var b64 = base64.RawURLEncoding.Strict()

// Compact makes the transfer form of an issued credential
// ("<jwt>~<disclosure>~...~"). ok is false when cred is not of that form
// or would not expand back to exactly cred; send it as it is then.
func Compact(cred string) (c CompactCredential, ok bool) {
	parts := strings.Split(cred, "~")
	if len(parts) < 2 || parts[len(parts)-1] != "" {
		return c, false
	}
	jws := strings.Split(parts[0], ".")
	if len(jws) != 3 {
		return c, false
	}
	h, err1 := b64.DecodeString(jws[0])
	p, err2 := b64.DecodeString(jws[1])
	if err1 != nil || err2 != nil {
		return c, false
	}
	c.Header, c.Signature = string(h), jws[2]
	payload := string(p)
	compactable := !strings.Contains(payload, `"~`)
	for i, d := range parts[1 : len(parts)-1] {
		dj, err := b64.DecodeString(d)
		if err != nil {
			return CompactCredential{}, false
		}
		c.Disclosures = append(c.Disclosures, string(dj))
		if compactable {
			payload = strings.Replace(payload, `"`+digest(d)+`"`, `"~`+strconv.Itoa(i)+`"`, 1)
		}
	}
	if compactable {
		c.Payload = payload
	} else {
		c.RawPayload = jws[1]
	}
	if back, err := c.Expand(); err != nil || back != cred {
		return CompactCredential{}, false
	}
	return c, true
}

// CompactSeeded is Compact for a credential issued with seed: the salts
// and decoys the seed derives are left out (see CompactCredential). A
// credential whose salts or decoys are not the seed's travels as Compact
// makes it; ok is false only when Compact's is.
func CompactSeeded(cred string, seed []byte) (c CompactCredential, ok bool) {
	c, ok = Compact(cred)
	if !ok || len(seed) != sdjwt.SeedSize || c.Payload == "" {
		return c, ok
	}
	s := c
	s.Seed = b64.EncodeToString(seed)
	s.Disclosures = make([]string, len(c.Disclosures))
	for i, d := range c.Disclosures {
		name, ok := disclosureName(d)
		if !ok {
			return c, true
		}
		prefix := `["` + sdjwt.SeededSalt(seed, name) + `",`
		if !strings.HasPrefix(d, prefix) {
			return c, true
		}
		s.Disclosures[i] = `["",` + d[len(prefix):]
	}
	for j := 0; j < sdjwt.MaxDecoys; j++ {
		decoy := `"` + sdjwt.SeededDecoy(seed, j) + `"`
		if !strings.Contains(s.Payload, decoy) {
			continue // not made, or inside an object's disclosure (it travels there)
		}
		s.Payload = strings.Replace(s.Payload, decoy, `"~d`+strconv.Itoa(j)+`"`, 1)
	}
	if back, err := s.Expand(); err != nil || back != cred {
		return c, true
	}
	return s, true
}

// disclosureName is the claim name of an object-property disclosure's
// JSON ["salt","name",value].
func disclosureName(d string) (string, bool) {
	var parts []json.RawMessage
	var name string
	if json.Unmarshal([]byte(d), &parts) != nil || len(parts) != 3 || json.Unmarshal(parts[1], &name) != nil {
		return "", false
	}
	return name, true
}

func digest(encoded string) string {
	sum := sha256.Sum256([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Expand rebuilds the credential. It checks only the form; the signature
// and digests are for the verifier.
func (c CompactCredential) Expand() (string, error) {
	size := len(c.Header) + len(c.Payload) + len(c.RawPayload) + len(c.Signature)
	for _, d := range c.Disclosures {
		size += len(d)
	}
	if size > maxCompactBytes || len(c.Disclosures) > maxCompactDisclosures {
		return "", fmt.Errorf("%w: too large", ErrCompact)
	}
	if c.Header == "" || c.Signature == "" || (c.Payload == "") == (c.RawPayload == "") {
		return "", fmt.Errorf("%w: header, signature and one payload form are required", ErrCompact)
	}
	var seed []byte
	if c.Seed != "" {
		var err error
		if seed, err = b64.DecodeString(c.Seed); err != nil || len(seed) != sdjwt.SeedSize || c.RawPayload != "" {
			return "", fmt.Errorf("%w: the seed is not %d bytes of base64url with a compact payload", ErrCompact, sdjwt.SeedSize)
		}
	}
	var b strings.Builder
	b.Grow(size * 4 / 3)
	b.WriteString(b64.EncodeToString([]byte(c.Header)))
	b.WriteByte('.')
	encoded := make([]string, len(c.Disclosures))
	for i, d := range c.Disclosures {
		if seed != nil {
			rest, ok := strings.CutPrefix(d, `["",`)
			name, named := disclosureName(d)
			if !ok || !named {
				return "", fmt.Errorf("%w: disclosure %d of a seeded credential is not [\"\", name, value]", ErrCompact, i)
			}
			d = `["` + sdjwt.SeededSalt(seed, name) + `",` + rest
		}
		encoded[i] = b64.EncodeToString([]byte(d))
	}
	if c.RawPayload != "" {
		b.WriteString(c.RawPayload)
	} else {
		p, err := fillDigests(c.Payload, encoded, seed)
		if err != nil {
			return "", err
		}
		b.WriteString(b64.EncodeToString([]byte(p)))
	}
	b.WriteByte('.')
	b.WriteString(c.Signature)
	b.WriteByte('~')
	for _, e := range encoded {
		b.WriteString(e)
		b.WriteByte('~')
	}
	return b.String(), nil
}

// fillDigests replaces each "~i" in payload by the digest of disclosure
// i, and, with a seed, each "~dJ" by decoy J. Every placeholder must name
// a disclosure or decoy, and each at most once.
func fillDigests(payload string, encoded []string, seed []byte) (string, error) {
	var b strings.Builder
	used := make([]bool, len(encoded))
	decoys := make([]bool, sdjwt.MaxDecoys)
	for {
		at := strings.Index(payload, `"~`)
		if at < 0 {
			b.WriteString(payload)
			return b.String(), nil
		}
		end := strings.IndexByte(payload[at+2:], '"')
		if end < 0 {
			return "", fmt.Errorf("%w: unterminated placeholder", ErrCompact)
		}
		num := payload[at+2 : at+2+end]
		b.WriteString(payload[:at])
		if dnum, isDecoy := strings.CutPrefix(num, "d"); isDecoy {
			j, err := strconv.Atoi(dnum)
			if seed == nil || err != nil || j < 0 || j >= len(decoys) || strconv.Itoa(j) != dnum || decoys[j] {
				return "", fmt.Errorf("%w: bad decoy placeholder %q", ErrCompact, num)
			}
			decoys[j] = true
			b.WriteString(`"` + sdjwt.SeededDecoy(seed, j) + `"`)
			payload = payload[at+2+end+1:]
			continue
		}
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || i >= len(encoded) || strconv.Itoa(i) != num || used[i] {
			return "", fmt.Errorf("%w: bad placeholder %q", ErrCompact, num)
		}
		used[i] = true
		b.WriteString(`"` + digest(encoded[i]) + `"`)
		payload = payload[at+2+end+1:]
	}
}
