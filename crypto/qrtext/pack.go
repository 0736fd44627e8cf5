package qrtext

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Packing: a token such as an SD-JWT presentation is mostly base64url
// (JWT segments and disclosures) joined by '.' and '~'. Base64url hides
// JSON from the compressor and costs 8 bits per 6, so pack splits the
// token at every '.' and '~' and stores each segment that is canonical
// unpadded base64url as the bytes it encodes, any other segment as its
// text. Re-encoding is exact (the canonical check), so unpack gives back
// the same string byte for byte and every signature still verifies.
//
// Format: one record per segment, in order:
//
//	header byte: bit 0 = kind (0 text, 1 base64url bytes),
//	             bits 1-2 = the separator after it (0 none: last, 1 '.', 2 '~')
//	uvarint length, then that many bytes
//
// Bits 3-7 of the header must be zero.

var b64 = base64.RawURLEncoding.Strict()

const (
	kindText = 0
	kindB64  = 1
	sepNone  = 0
	sepDot   = 1
	sepTilde = 2
)

// errPack is wrapped by every unpack error.
var errPack = errors.New("malformed packed token")

// pack turns token into its packed form.
func pack(token string) []byte {
	out := make([]byte, 0, len(token))
	for {
		i := strings.IndexAny(token, ".~")
		seg, sep := token, byte(sepNone)
		if i >= 0 {
			seg = token[:i]
			sep = sepDot
			if token[i] == '~' {
				sep = sepTilde
			}
		}
		kind, data := byte(kindText), []byte(seg)
		if seg != "" {
			if raw, err := b64.DecodeString(seg); err == nil && b64.EncodeToString(raw) == seg {
				kind, data = kindB64, raw
			}
		}
		out = append(out, kind|sep<<1)
		out = binary.AppendUvarint(out, uint64(len(data)))
		out = append(out, data...)
		if i < 0 {
			return out
		}
		token = token[i+1:]
	}
}

// unpack reverses pack; the result is at most max bytes.
func unpack(p []byte, max int) (string, error) {
	var sb strings.Builder
	for len(p) > 0 {
		h := p[0]
		p = p[1:]
		if h>>3 != 0 || h>>1&3 == 3 {
			return "", fmt.Errorf("%w: segment header %#x", errPack, h)
		}
		data, rest, err := segmentData(p)
		if err != nil {
			return "", err
		}
		p = rest
		var seg string
		if h&1 == kindB64 {
			seg = b64.EncodeToString(data)
		} else {
			seg = string(data)
			if strings.ContainsAny(seg, ".~") {
				return "", fmt.Errorf("%w: text segment holds a separator", errPack)
			}
		}
		if sb.Len()+len(seg)+1 > max {
			return "", fmt.Errorf("%w: token longer than %d bytes", ErrTooLarge, max)
		}
		sb.WriteString(seg)
		switch h >> 1 & 3 {
		case sepDot:
			sb.WriteByte('.')
		case sepTilde:
			sb.WriteByte('~')
		case sepNone:
			if len(p) != 0 {
				return "", fmt.Errorf("%w: data after the last segment", errPack)
			}
			return sb.String(), nil
		}
	}
	return "", fmt.Errorf("%w: no last segment", errPack)
}

// segmentData splits a segment's uvarint length and that many bytes off p
// (both packing versions write a segment so after its header byte).
func segmentData(p []byte) (data, rest []byte, err error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, nil, fmt.Errorf("%w: segment length", errPack)
	}
	return p[k : k+int(n)], p[k+int(n):], nil
}
