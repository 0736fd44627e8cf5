package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// b64 is the only base64 read or written here: URL alphabet, no padding,
// no non-zero trailing bits, so every byte string has one encoding.
var b64 = base64.RawURLEncoding.Strict()

// isB64URL reports whether s holds only the base64url alphabet. The
// standard decoder skips '\r' and '\n'; this check does not.
func isB64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// limit returns the decompression limit for a caller's maxBytes: the
// default for 0 or less, never more than MaxListBytes.
func limit(maxBytes int) int {
	switch {
	case maxBytes <= 0:
		return DefaultMaxBytes
	case maxBytes > MaxListBytes:
		return MaxListBytes
	}
	return maxBytes
}

// maxCompressed is the longest ZLIB stream accepted for a list of at
// most maxBytes: DEFLATE's worst case (stored blocks, 5 bytes per 65 535)
// plus the ZLIB header and checksum, with room to spare.
func maxCompressed(maxBytes int) int { return maxBytes + maxBytes/1024 + 1024 }

// maxLst is the longest lst string accepted for maxBytes.
func maxLst(maxBytes int) int { return b64.EncodedLen(maxCompressed(maxBytes)) }

// MaxTokenSize is the longest compact Status List Token Verify reads for
// a decompression limit of maxBytes (0: DefaultMaxBytes): the lst, base64
// again inside the JWS payload, plus 8 KiB for the header, the other
// claims and the signature. For the default it is about 29.9 MB; a real
// list of 100 million entries with 1 % withdrawn is about 1.8 MB.
func MaxTokenSize(maxBytes int) int {
	return b64.EncodedLen(maxLst(limit(maxBytes))) + 8<<10
}

// Compress returns the list's byte array as one ZLIB stream (RFC 1950)
// of DEFLATE data at the best compression level, as the draft recommends.
func (l *List) Compress() []byte { return l.CompressLevel(zlib.BestCompression) }

// CompressLevel is Compress at a zlib level from 1 (fastest) to 9
// (smallest); any other level means 9. Go's level 9 is slow on large
// sparse lists (seconds for 100 M entries, docs/benchmarks.md) and
// level 6 is 10 to 40 % larger; every level decodes the same way.
func (l *List) CompressLevel(level int) []byte {
	if level < zlib.BestSpeed || level > zlib.BestCompression {
		level = zlib.BestCompression
	}
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, level) // a valid level: no error
	_, _ = zw.Write(l.b)                      // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}

// Object is the status_list JSON object of the draft.
type Object struct {
	Bits int    `json:"bits"` // 1, 2, 4 or 8
	Lst  string `json:"lst"`  // base64url (no padding) of the ZLIB-compressed byte array
	// AggregationURI, optional, points to the list of all an issuer's
	// status lists. We publish none; a decoded one is kept, not followed.
	AggregationURI string `json:"aggregation_uri,omitempty"`
}

// Encode returns the status_list object of l, compressed at the best
// level.
func (l *List) Encode() Object { return l.EncodeLevel(zlib.BestCompression) }

// EncodeLevel is Encode at a zlib level (see CompressLevel).
func (l *List) EncodeLevel(level int) Object {
	return Object{Bits: l.bits, Lst: b64.EncodeToString(l.CompressLevel(level))}
}

// MarshalJSON encodes l as its status_list object, {"bits":1,"lst":"..."}.
func (l *List) MarshalJSON() ([]byte, error) {
	return json.Marshal(l.Encode())
}

// Decode reads a status_list object from its JSON bytes, strictly:
// exactly the members bits, lst and optionally aggregation_uri, no
// duplicate names, valid UTF-8 (ErrMalformed); then as DecodeObject.
// maxBytes bounds the decompressed byte array (0: DefaultMaxBytes).
func Decode(data []byte, maxBytes int) (*List, error) {
	l, _, err := decodeJSONWith(data, maxBytes, true)
	if err != nil {
		return nil, fmt.Errorf("statuslist: decode: %w", err)
	}
	return l, nil
}

// decodeJSONWith checks a status_list object's members and, if inflate,
// decompresses its lst.
func decodeJSONWith(data []byte, maxBytes int, inflate bool) (*List, Object, error) {
	if len(data) > maxLst(limit(maxBytes))+1024 {
		return nil, Object{}, fmt.Errorf("%w: status_list object of %d bytes", ErrTooLarge, len(data))
	}
	if err := keys.CheckJSON(data); err != nil {
		return nil, Object{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, Object{}, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var o Object
	for name, raw := range m {
		switch name {
		case "bits":
			// Exactly the integer literal: not 1.0, 1e0, "1" or true.
			switch string(raw) {
			case "1", "2", "4", "8":
				o.Bits = int(raw[0] - '0')
			default:
				return nil, Object{}, fmt.Errorf("%w: %.20s", ErrBits, raw)
			}
		case "lst":
			if json.Unmarshal(raw, &o.Lst) != nil || len(raw) == 0 || raw[0] != '"' {
				return nil, Object{}, fmt.Errorf("%w: lst is not a string", ErrMalformed)
			}
		case "aggregation_uri":
			if json.Unmarshal(raw, &o.AggregationURI) != nil || len(raw) == 0 || raw[0] != '"' {
				return nil, Object{}, fmt.Errorf("%w: aggregation_uri is not a string", ErrMalformed)
			}
		default:
			return nil, Object{}, fmt.Errorf("%w: unknown member %.40q", ErrMalformed, name)
		}
	}
	if _, ok := m["bits"]; !ok {
		return nil, Object{}, fmt.Errorf("%w: no bits", ErrBits)
	}
	if _, ok := m["lst"]; !ok {
		return nil, Object{}, fmt.Errorf("%w: no lst", ErrMalformed)
	}
	if !inflate {
		return nil, o, nil
	}
	l, err := decodeObject(o, maxBytes)
	return l, o, err
}

// DecodeObject decompresses a status_list object's lst. bits must be 1,
// 2, 4 or 8 (ErrBits); lst unpadded canonical base64url (ErrBase64) of at
// most the length maxBytes allows (ErrTooLarge), of one ZLIB stream with
// a valid checksum and nothing after it (ErrCompression) that inflates to
// 1 to maxBytes bytes (ErrEmpty, ErrTooLarge; 0: DefaultMaxBytes).
// Decompression stops one byte past the limit, so a bomb costs at most
// maxBytes of memory.
func DecodeObject(o Object, maxBytes int) (*List, error) {
	l, err := decodeObject(o, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("statuslist: decode: %w", err)
	}
	return l, nil
}

func decodeObject(o Object, maxBytes int) (*List, error) {
	if !validBits(o.Bits) {
		return nil, fmt.Errorf("%w: %d", ErrBits, o.Bits)
	}
	max := limit(maxBytes)
	if len(o.Lst) > maxLst(max) {
		return nil, fmt.Errorf("%w: lst of %d characters, more than %d for a list of %d bytes", ErrTooLarge, len(o.Lst), maxLst(max), max)
	}
	if !isB64URL(o.Lst) {
		return nil, fmt.Errorf("%w: a character outside the base64url alphabet", ErrBase64)
	}
	z, err := b64.DecodeString(o.Lst)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	b, err := inflate(z, max)
	if err != nil {
		return nil, err
	}
	return &List{bits: o.Bits, b: b}, nil
}

// inflate decompresses one ZLIB stream of at most max bytes.
func inflate(z []byte, max int) ([]byte, error) {
	br := bytes.NewReader(z) // an io.ByteReader: flate reads no byte past the stream
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	defer zr.Close()
	var out bytes.Buffer
	// A good first guess: lists compress 10 to 1000 times.
	out.Grow(min(max, 16*len(z)+512))
	n, err := io.Copy(&out, io.LimitReader(zr, int64(max)+1))
	if n > int64(max) {
		return nil, fmt.Errorf("%w: inflates to more than %d bytes", ErrTooLarge, max)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the stream", ErrCompression, br.Len())
	}
	if out.Len() == 0 {
		return nil, ErrEmpty
	}
	return out.Bytes(), nil
}
