package qrtext

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
)

// Packing, version 2 (format version 2 only; CW1 keeps pack as it is).
// It is pack with three more savings, all exact, so unpackV2 gives back
// the token byte for byte:
//
//   - A base64url segment whose bytes are valid JSON (json.Valid: no raw
//     control byte can occur in it) is stored as that JSON with each
//     string whose content is canonical unpadded base64url of at least
//     16 characters replaced by a marker (a control byte) and its raw
//     bytes: the digests of _sd, the salts of disclosures, the jwk's x and
//     y, kid, jti, nonce. DEFLATE codes base64 text at about 6.3 bits a
//     character; the raw bytes are 8 bits per 6 of them (incompressible).
//   - Such a string that is the SD-JWT digest of a disclosure travelling
//     in the same token, base64url(SHA-256(ASCII text of that '~'
//     element)), becomes a reference to that element: the decoder
//     recomputes it. (That saves the 32 incompressible bytes of every
//     disclosed claim's digest.)
//   - Such a string that is the key binding's sd_hash, base64url(SHA-256)
//     of the token text up to and including the '~' before the element
//     holding it, becomes a reference too.
//
// A token may hold several SD-JWTs, one per line (crypto/consent joins
// its presentations with a line feed); each line's sd_hash covers that
// line only. Elements are the token split at '~' and line feeds,
// numbered from 0 across the whole token; segments are the token split at
// '.', '~' and line feeds. Format: one record per segment, in order:
//
//	header byte: bits 0-1 = kind (0 text, 1 base64url bytes,
//	             2 base64url of JSON with markers),
//	             bits 2-3 = the separator after it (0 none: last, 1 '.',
//	             2 '~', 3 line feed)
//	uvarint length, then that many bytes
//
// Bits 4-7 of the header must be zero, and kind 3 is refused; a text
// segment holds no separator. In the bytes of a kind-2 record, every byte other than the
// three markers is the JSON text itself; the markers are
//
//	0x01 uvarint n, n bytes  the JSON string "<base64url of the n bytes>"
//	0x02 uvarint j           the JSON string "<digest of element j>"
//	0x03                     the JSON string "<sd_hash of this element>"
//
// Element j of a 0x02 reference must be a single segment without any
// reference itself (the encoder only refers to such elements; it leaves
// the string as 0x01 otherwise), so references resolve in one pass with
// one SHA-256 per referenced element; 0x03 needs an element after the
// first of its line, and the running SHA-256 of the line's text before
// it. The rebuilt JSON
// of a kind-2 record must be valid JSON.

const (
	kindJSON  = 2
	sepLine   = 3
	separator = "\n" // between the SD-JWTs of a token (sepLine)

	markBytes  = 0x01
	markDigest = 0x02
	markSDHash = 0x03

	// minB64String is the shortest base64url string content stored as
	// raw bytes (12 bytes).
	minB64String = 16
)

// digestOf is the SD-JWT digest of a disclosure: base64url(SHA-256(text)).
func digestOf(text string) string {
	sum := sha256.Sum256([]byte(text))
	return b64.EncodeToString(sum[:])
}

// canonicalB64 reports whether s is canonical unpadded base64url and
// returns its bytes.
func canonicalB64(s string) ([]byte, bool) {
	raw, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(raw) != s {
		return nil, false
	}
	return raw, true
}

// packV2 turns token into its version-2 packed form.
func packV2(token string) []byte {
	// The elements, each with the separator that ends it.
	var elems []string
	var ends []byte
	for i, line := range strings.Split(token, separator) {
		if i > 0 {
			ends[len(ends)-1] = sepLine
		}
		for _, e := range strings.Split(line, "~") {
			elems = append(elems, e)
			ends = append(ends, sepTilde)
		}
	}
	ends[len(ends)-1] = sepNone
	// The SD-JWT digest of every element that is one segment (a
	// disclosure), and the sd_hash each element would carry (none for
	// the first of a line).
	refs := map[string]int{}
	sdHash := make([]string, len(elems))
	h := sha256.New()
	for j, e := range elems {
		if j > 0 && ends[j-1] == sepTilde {
			sdHash[j] = b64.EncodeToString(h.Sum(nil))
		}
		h.Write([]byte(e))
		h.Write([]byte{'~'})
		if ends[j] == sepLine {
			h.Reset()
		}
		if e != "" && !strings.Contains(e, ".") {
			if _, dup := refs[digestOf(e)]; !dup {
				refs[digestOf(e)] = j
			}
		}
	}
	// Only an element without references can be referred to (so that
	// decoding resolves in one pass): drop those that would hold one
	// (judged against all of refs, so the result does not depend on map
	// order; dropping only shrinks refs, so an element kept stays
	// without).
	var drop []string
	for d, j := range refs {
		if raw, ok := canonicalB64(elems[j]); ok && json.Valid(raw) {
			if _, has := packJSON(nil, raw, refs, sdHash[j]); has {
				drop = append(drop, d)
			}
		}
	}
	for _, d := range drop {
		delete(refs, d)
	}
	out := make([]byte, 0, len(token))
	for j, e := range elems {
		for {
			i := strings.IndexByte(e, '.')
			seg, sep := e, ends[j]
			if i >= 0 {
				seg, sep = e[:i], sepDot
			}
			kind, data := byte(kindText), []byte(seg)
			if seg != "" {
				if raw, ok := canonicalB64(seg); ok {
					kind, data = kindB64, raw
					if json.Valid(raw) {
						kind = kindJSON
						data, _ = packJSON(make([]byte, 0, len(raw)), raw, refs, sdHash[j])
					}
				}
			}
			out = append(out, kind|sep<<2)
			out = binary.AppendUvarint(out, uint64(len(data)))
			out = append(out, data...)
			if i < 0 {
				break
			}
			e = e[i+1:]
		}
	}
	return out
}

// packJSON appends the JSON text js (valid JSON) to out with its
// base64url strings replaced by markers; hasRef reports whether a 0x02
// or 0x03 reference was written.
func packJSON(out, js []byte, refs map[string]int, sdHash string) (_ []byte, hasRef bool) {
	for i := 0; i < len(js); i++ {
		if js[i] != '"' {
			out = append(out, js[i])
			continue
		}
		end, escaped := i+1, false
		for js[end] != '"' { // js is valid JSON: the string ends
			if js[end] == '\\' {
				end++
				escaped = true
			}
			end++
		}
		s := string(js[i+1 : end])
		raw, ok := []byte(nil), false
		if !escaped && len(s) >= minB64String {
			raw, ok = canonicalB64(s)
		}
		switch j, isRef := refs[s]; {
		case !ok:
			out = append(out, js[i:end+1]...)
		case isRef:
			out = append(out, markDigest)
			out = binary.AppendUvarint(out, uint64(j))
			hasRef = true
		case s == sdHash:
			out = append(out, markSDHash)
			hasRef = true
		default:
			out = append(out, markBytes)
			out = binary.AppendUvarint(out, uint64(len(raw)))
			out = append(out, raw...)
		}
		i = end
	}
	return out, hasRef
}

// segment2 is one segment while unpackV2 resolves references.
type segment2 struct {
	elem  int
	sep   byte
	kind  byte
	text  string // the final text, once known
	json  []byte // kind 2: the JSON with the references left out
	holes []hole // kind 2: where the references go, in order
}

// hole is a reference in a JSON segment: at byte at of its JSON, the
// digest of element ref, or the sd_hash when ref is -1.
type hole struct {
	at, ref int
}

// refLen is the length of a referenced string in JSON: a quoted
// base64url SHA-256.
const refLen = 2 + 43

// unpackV2 reverses packV2; the result is at most max bytes.
func unpackV2(p []byte, max int) (string, error) {
	var segs []segment2
	elem, size := 0, 0
	for done := false; !done; {
		if len(p) == 0 {
			return "", fmt.Errorf("%w: no last segment", errPack)
		}
		h := p[0]
		p = p[1:]
		kind, sep := h&3, h>>2&3
		if h>>4 != 0 || kind == 3 {
			return "", fmt.Errorf("%w: segment header %#x", errPack, h)
		}
		data, rest, err := segmentData(p)
		if err != nil {
			return "", err
		}
		p = rest
		s := segment2{elem: elem, sep: sep, kind: kind}
		switch kind {
		case kindText:
			s.text = string(data)
			if strings.ContainsAny(s.text, ".~"+separator) {
				return "", fmt.Errorf("%w: text segment holds a separator", errPack)
			}
			size += len(s.text)
		case kindB64:
			s.text = b64.EncodeToString(data)
			size += len(s.text)
		case kindJSON:
			var err error
			if s.json, s.holes, err = unpackJSON(data, max-size); err != nil {
				return "", err
			}
			size += b64.EncodedLen(len(s.json) + len(s.holes)*refLen)
			if len(s.holes) == 0 {
				if s.text, err = jsonText(s.json); err != nil {
					return "", err
				}
			}
		}
		if size += 1; size > max {
			return "", fmt.Errorf("%w: token longer than %d bytes", ErrTooLarge, max)
		}
		segs = append(segs, s)
		switch sep {
		case sepTilde, sepLine:
			elem++
		case sepNone:
			if len(p) != 0 {
				return "", fmt.Errorf("%w: data after the last segment", errPack)
			}
			done = true
		}
	}
	// An element that is a single segment without references: its index
	// in segs (a possible target of 0x02), else -1.
	// needSD: the element holds a 0x03 reference.
	// lineStart: the element is the first of its line.
	single := make([]int, elem+1)
	needSD := make([]bool, elem+1)
	lineStart := make([]bool, elem+1)
	lineStart[0] = true
	for i, s := range segs {
		if s.sep == sepLine {
			lineStart[s.elem+1] = true
		}
		single[s.elem] = -1
		alone := (i == 0 || segs[i-1].elem != s.elem) && s.sep != sepDot
		if alone && len(s.holes) == 0 {
			single[s.elem] = i
		}
		for _, hl := range s.holes {
			needSD[s.elem] = needSD[s.elem] || hl.ref == -1
		}
	}
	digests := map[int]string{}
	var sb strings.Builder
	sb.Grow(size)
	run := sha256.New()
	sdHash := ""
	for i := range segs {
		s := &segs[i]
		if (i == 0 || segs[i-1].elem != s.elem) && needSD[s.elem] {
			// The sd_hash covers the text before this element.
			sdHash = b64.EncodeToString(run.Sum(nil))
		}
		if len(s.holes) > 0 {
			js := make([]byte, 0, len(s.json)+len(s.holes)*refLen)
			last := 0
			for _, hl := range s.holes {
				var v string
				switch {
				case hl.ref == -1 && lineStart[s.elem]:
					return "", fmt.Errorf("%w: sd_hash reference in the first element of a line", errPack)
				case hl.ref == -1:
					v = sdHash
				case hl.ref > elem || single[hl.ref] < 0:
					return "", fmt.Errorf("%w: reference to element %d, not a disclosure without references", errPack, hl.ref)
				default:
					d, ok := digests[hl.ref]
					if !ok {
						d = digestOf(segs[single[hl.ref]].text)
						digests[hl.ref] = d
					}
					v = d
				}
				js = append(js, s.json[last:hl.at]...)
				js = append(js, '"')
				js = append(js, v...)
				js = append(js, '"')
				last = hl.at
			}
			js = append(js, s.json[last:]...)
			var err error
			if s.text, err = jsonText(js); err != nil {
				return "", err
			}
		}
		// The token was bounded while reading (references counted at
		// full length), so sb stays within max.
		sb.WriteString(s.text)
		run.Write([]byte(s.text))
		switch s.sep {
		case sepDot:
			sb.WriteByte('.')
			run.Write([]byte{'.'})
		case sepTilde:
			sb.WriteByte('~')
			run.Write([]byte{'~'})
		case sepLine:
			sb.WriteString(separator)
			run.Reset()
		}
	}
	return sb.String(), nil
}

// jsonText checks that js is valid JSON and returns the segment text.
func jsonText(js []byte) (string, error) {
	if !json.Valid(js) {
		return "", fmt.Errorf("%w: a JSON segment is not valid JSON", errPack)
	}
	return b64.EncodeToString(js), nil
}

// unpackJSON expands the markers of a kind-2 record except the
// references, which it returns as holes; the JSON is at most max bytes
// (references counted).
func unpackJSON(data []byte, max int) ([]byte, []hole, error) {
	out := make([]byte, 0, len(data)+len(data)/3)
	var holes []hole
	for len(data) > 0 {
		c := data[0]
		data = data[1:]
		switch c {
		default:
			out = append(out, c)
		case markBytes:
			n, k := binary.Uvarint(data)
			if k <= 0 || n > uint64(len(data)-k) {
				return nil, nil, fmt.Errorf("%w: string length", errPack)
			}
			out = append(out, '"')
			out = b64.AppendEncode(out, data[k:k+int(n)])
			out = append(out, '"')
			data = data[k+int(n):]
		case markDigest:
			j, k := binary.Uvarint(data)
			if k <= 0 || j > uint64(1<<31) {
				return nil, nil, fmt.Errorf("%w: reference", errPack)
			}
			holes = append(holes, hole{at: len(out), ref: int(j)})
			data = data[k:]
		case markSDHash:
			holes = append(holes, hole{at: len(out), ref: -1})
		}
		if len(out)+len(holes)*refLen > max {
			return nil, nil, fmt.Errorf("%w: token longer than %d bytes", ErrTooLarge, max)
		}
	}
	return out, holes, nil
}
