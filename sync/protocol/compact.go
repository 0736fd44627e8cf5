package protocol

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
type CompactCredential struct {
	Header      string   `json:"h"`            // JOSE header JSON
	Payload     string   `json:"p,omitempty"`  // payload JSON with digest placeholders
	RawPayload  string   `json:"pb,omitempty"` // or the payload's base64url as issued
	Signature   string   `json:"s"`            // base64url
	Disclosures []string `json:"d"`            // each disclosure's JSON
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
	var b strings.Builder
	b.Grow(size * 4 / 3)
	b.WriteString(b64.EncodeToString([]byte(c.Header)))
	b.WriteByte('.')
	encoded := make([]string, len(c.Disclosures))
	for i, d := range c.Disclosures {
		encoded[i] = b64.EncodeToString([]byte(d))
	}
	if c.RawPayload != "" {
		b.WriteString(c.RawPayload)
	} else {
		p, err := fillDigests(c.Payload, encoded)
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

// fillDigests replaces each "~i" in payload by the digest of disclosure i.
// Every placeholder must name a disclosure, and each at most once.
func fillDigests(payload string, encoded []string) (string, error) {
	var b strings.Builder
	used := make([]bool, len(encoded))
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
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || i >= len(encoded) || strconv.Itoa(i) != num || used[i] {
			return "", fmt.Errorf("%w: bad placeholder %q", ErrCompact, num)
		}
		used[i] = true
		b.WriteString(payload[:at])
		b.WriteString(`"` + digest(encoded[i]) + `"`)
		payload = payload[at+2+end+1:]
	}
}
