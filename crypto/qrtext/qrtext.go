// Package qrtext is the compact text transport of consent tokens for QR
// codes: a token (an SD-JWT presentation, or any text) becomes one QR
// text or an ordered set of them, so a keyboard-wedge scanner can type it
// into any text field; a counter reads the parts in any order and gets
// the exact token back.
//
// New tokens use format version 2, digits only: the QR is in numeric
// mode, and a scanner's typing survives what officials' PCs do to
// letters (a Vietnamese input method such as Unikey or EVKey in Telex or
// VNI mode turns "AA" into "Â", "DD" into "Đ", "W" into "Ư", a vowel
// followed by S, F, R, X, J or by a digit 1-9 into a toned vowel;
// CapsLock swaps case). Counters still read version 1, CW1, in the QR
// alphanumeric alphabet, which those input methods garble.
//
// # Format, version 1
//
// The token is packed (base64url segments as their bytes, see pack.go),
// compressed with raw DEFLATE (RFC 1951) against a preset dictionary of
// what tokens repeat (JOSE headers, claim names, agency ids), and the
// compressed bytes are split into parts. Each part is one QR text:
//
//	CW1:<i>/<n>:<set>:<data>
//
// where i (1..n) and n are decimal without leading zeros, set is the
// first 4 bytes of SHA-256 over the whole compressed stream as 8
// uppercase hex digits, and data is the part's bytes in base45 (RFC 9285).
// Every character is in the alphanumeric alphabet
// ("0-9A-Z $%*+-./:"). A single QR is "CW1:1/1:<set>:<data>".
//
// # Format, version 2
//
// The token is packed with version 2 of the packing (pack2.go: as
// version 1, plus the JSON inside base64url segments with its base64url
// strings as raw bytes, and the SD-JWT digests of disclosures in the
// token and the key binding's sd_hash as references the decoder
// recomputes), compressed with raw DEFLATE against the version-2
// dictionary (the version-1 dictionary and what packing version 2 makes
// of JOSE and SD-JWT JSON; frozen, like the first), and split into
// parts. Each part is one QR text of decimal digits only, with a header
// of fixed width (20 digits):
//
//	032322<i><n><set><data>
//
// where 03232 is the magic and the next 2 the version; i (01..n) and n
// (01..99) are 2 digits each; set is the first 4 bytes of SHA-256 over
// the whole compressed stream as a big-endian uint32 in 10 digits,
// zero-padded; data is the part's bytes in groups of 7, each the 17
// digits of its big-endian value, zero-padded, and a last group of k < 7
// bytes in D(k) = ceil(8k·log10 2) digits (1: 3, 2: 5, 3: 8, 4: 10, 5:
// 13, 6: 15). A decoder refuses any character that is not a digit (and
// says which one, and where, counted in characters from 1 over the whole
// part), a data length that is no whole number of groups and a group
// whose value is 256^k or more, so each byte string has exactly one
// text. A CW1 part starts with 'C', a version-2 part with '0', so a
// part's format is never in doubt; parts of both formats in one set are
// refused (ErrMixedParts).
//
// In numeric mode a QR holds 10 bits per 3 digits, 8.1 bits a byte of
// data here against 8.25 for base45 in alphanumeric mode: a version-25-M
// QR holds 2395 digits (977 bytes of data) against 1451 characters (954
// bytes) of CW1.
//
// In both formats the set id names the token (parts of two tokens never
// mix: ErrMixedParts) and checks the reassembled stream (ErrCorrupt). It
// is not a security check: the token's own signatures are.
//
// # Limits
//
// Decoding never holds more than Limits allow, checked before the work:
// the text of one part, the number of parts, the compressed size and the
// decompressed size (a decompression bomb stops at the limit with
// ErrTooLarge). References of packing version 2 cost one SHA-256 per
// referenced disclosure and one running SHA-256 over the token.
package qrtext

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Prefix starts every part of format version 1.
const Prefix = "CW1:"

// Sentinels; every error of Decode and Assembler.Add wraps ErrInvalid and
// one of the others.
var (
	ErrInvalid     = errors.New("qrtext: not a valid consent QR")
	ErrNotOurs     = errors.New("not a consent QR of this wallet (no " + PrefixNumeric + " or " + Prefix + " prefix)")
	ErrMalformed   = errors.New("malformed QR text")
	ErrTooLarge    = errors.New("over the size limit")
	ErrMixedParts  = errors.New("parts of two different tokens")
	ErrMissingPart = errors.New("parts missing")
	ErrCorrupt     = errors.New("parts do not reassemble to the token they name")
)

// Format is the text format of the parts Encode makes.
type Format int

const (
	// FormatNumeric is format version 2: digits only (QR numeric mode),
	// packed with references (pack2.go). The zero value: what new tokens
	// use.
	FormatNumeric Format = iota
	// FormatAlphanumeric is format version 1, CW1 (QR alphanumeric
	// mode). Counters read it still; a keyboard-wedge scanner typing it
	// through a Vietnamese input method (Telex, VNI) or with CapsLock on
	// garbles it.
	FormatAlphanumeric
)

func (f Format) String() string {
	switch f {
	case FormatNumeric:
		return "numeric"
	case FormatAlphanumeric:
		return "CW1"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Options configure Encode.
type Options struct {
	// Format is the text format (default FormatNumeric).
	Format Format
	// Version is the largest QR version a part may need (1-40; default
	// 25, which scans reliably from a phone screen at a counter).
	Version int
	// Level is the error correction level: 'L', 'M' (default), 'Q' or 'H'.
	Level byte
	// MaxParts bounds the number of parts (default and at most
	// Limits.MaxParts of DefaultLimits).
	MaxParts int
}

func (o Options) withDefaults() (Options, error) {
	if o.Version == 0 {
		o.Version = 25
	}
	if o.Level == 0 {
		o.Level = 'M'
	}
	if o.MaxParts == 0 {
		o.MaxParts = DefaultLimits.MaxParts
	}
	if o.Version < 1 || o.Version > 40 {
		return o, fmt.Errorf("qrtext: QR version %d is not 1-40", o.Version)
	}
	if !strings.ContainsRune("LMQH", rune(o.Level)) {
		return o, fmt.Errorf("qrtext: error correction level %q is not L, M, Q or H", o.Level)
	}
	if o.Format != FormatNumeric && o.Format != FormatAlphanumeric {
		return o, fmt.Errorf("qrtext: unknown format %d", int(o.Format))
	}
	if o.MaxParts < 1 || o.MaxParts > 99 {
		return o, fmt.Errorf("qrtext: max parts %d is not 1-99", o.MaxParts)
	}
	return o, nil
}

// Limits bound what decoding accepts.
type Limits struct {
	MaxPartText  int // bytes of one part's text
	MaxParts     int // parts of one token
	MaxPacked    int // compressed bytes of the whole token
	MaxTokenSize int // bytes of the decompressed, unpacked token
}

// DefaultLimits fit the largest consent token the wallet makes with room
// to spare: 16 parts of a version-40 QR (7089 digits at level L), 64 KiB
// compressed, 256 KiB of token (crypto/sdjwt refuses presentations over
// its own MaxSize anyway).
var DefaultLimits = Limits{MaxPartText: 7089, MaxParts: 16, MaxPacked: 64 << 10, MaxTokenSize: 256 << 10}

// Encode turns token into QR texts in opts.Format, each fitting opts'
// QR version and error correction level.
func Encode(token string, opts Options) ([]string, error) {
	parts, _, err := encode(token, opts)
	return parts, err
}

// encode is Encode, also returning the compressed stream.
func encode(token string, opts Options) (parts []string, stream []byte, err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if len(token) > DefaultLimits.MaxTokenSize {
		return nil, nil, fmt.Errorf("qrtext: token of %d bytes is over %d", len(token), DefaultLimits.MaxTokenSize)
	}
	if opts.Format == FormatNumeric {
		stream, err = compress(packV2(token), dictionaryV2)
	} else {
		stream, err = compress(pack(token), dictionary)
	}
	if err != nil {
		return nil, nil, err
	}
	capacity := opts.Format.Capacity(opts.Version, opts.Level)
	if opts.Format == FormatNumeric {
		// The header has a fixed width: the room is the same for any n.
		room := numericRoom(capacity - numericHeader)
		if n := (len(stream) + room - 1) / max(room, 1); room >= 1 && n <= opts.MaxParts {
			set := numericSet(stream)
			parts = make([]string, 0, n)
			for i := 0; i < n; i++ {
				chunk := stream[i*room : min((i+1)*room, len(stream))]
				parts = append(parts, numericPart(i+1, n, set, chunk))
			}
			return parts, stream, nil
		}
	} else {
		sum := sha256.Sum256(stream)
		set := strings.ToUpper(hex.EncodeToString(sum[:4]))
		// Find the smallest part count whose header still leaves room:
		// each part carries an even number of bytes (3 characters per 2)
		// except the last.
		for n := 1; n <= opts.MaxParts; n++ {
			header := len(Prefix) + len(strconv.Itoa(n))*2 + 1 + 1 + len(set) + 1
			room := (capacity - header) / 3 * 2
			if room < 2 {
				break
			}
			if (len(stream)+room-1)/room > n {
				continue
			}
			parts = make([]string, 0, n)
			for i := 0; i < n; i++ {
				chunk := stream[min(i*room, len(stream)):min((i+1)*room, len(stream))]
				parts = append(parts, fmt.Sprintf("%s%d/%d:%s:%s", Prefix, i+1, n, set, base45Encode(chunk)))
			}
			return parts, stream, nil
		}
	}
	return nil, nil, fmt.Errorf("qrtext: a token of %d bytes (%d compressed) needs more than %d QR codes of version %d-%c",
		len(token), len(stream), opts.MaxParts, opts.Version, opts.Level)
}

// Decode reassembles a complete set of parts in any order (duplicates of
// the same part are ignored) and returns the token.
func Decode(parts []string, lim Limits) (string, error) {
	a := NewAssembler(lim)
	for _, p := range parts {
		if _, err := a.Add(p); err != nil {
			return "", err
		}
	}
	return a.Token()
}

// Assembler collects the parts of one token as a counter reads them, in
// any order.
type Assembler struct {
	lim    Limits
	format Format
	set    string
	parts  [][]byte // by index, nil until read
	have   int
	bytes  int
}

// NewAssembler returns an empty assembler; zero fields of lim take
// DefaultLimits.
func NewAssembler(lim Limits) *Assembler {
	if lim.MaxPartText == 0 {
		lim.MaxPartText = DefaultLimits.MaxPartText
	}
	if lim.MaxParts == 0 {
		lim.MaxParts = DefaultLimits.MaxParts
	}
	if lim.MaxPacked == 0 {
		lim.MaxPacked = DefaultLimits.MaxPacked
	}
	if lim.MaxTokenSize == 0 {
		lim.MaxTokenSize = DefaultLimits.MaxTokenSize
	}
	return &Assembler{lim: lim}
}

// Progress is how many of how many parts were read (0 of 0 before the
// first).
func (a *Assembler) Progress() (have, total int) { return a.have, len(a.parts) }

// Missing lists the 1-based indexes of the parts not read yet.
func (a *Assembler) Missing() []int {
	var out []int
	for i, p := range a.parts {
		if p == nil {
			out = append(out, i+1)
		}
	}
	return out
}

// Add takes one scanned QR text (surrounding spaces and a trailing CR or
// LF from a scanner are ignored) and reports whether the set is complete.
// A part of another token is refused with ErrMixedParts and changes
// nothing; call Reset to start over with it.
func (a *Assembler) Add(text string) (complete bool, err error) {
	f, i, n, set, data, err := parsePart(strings.TrimSpace(text), a.lim)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if a.parts == nil {
		if n > a.lim.MaxParts {
			return false, fmt.Errorf("%w: %w: %d parts, at most %d", ErrInvalid, ErrTooLarge, n, a.lim.MaxParts)
		}
		a.format, a.set, a.parts = f, set, make([][]byte, n)
	} else if f != a.format {
		return false, fmt.Errorf("%w: %w: a %v part among %v parts", ErrInvalid, ErrMixedParts, f, a.format)
	} else if set != a.set || n != len(a.parts) {
		return false, fmt.Errorf("%w: %w: this part belongs to token %s (%d parts), the others to %s (%d parts)",
			ErrInvalid, ErrMixedParts, set, n, a.set, len(a.parts))
	}
	if prev := a.parts[i-1]; prev != nil {
		if !bytes.Equal(prev, data) {
			return false, fmt.Errorf("%w: %w: part %d read twice with different contents", ErrInvalid, ErrCorrupt, i)
		}
		return a.have == len(a.parts), nil
	}
	if a.bytes+len(data) > a.lim.MaxPacked {
		return false, fmt.Errorf("%w: %w: more than %d bytes", ErrInvalid, ErrTooLarge, a.lim.MaxPacked)
	}
	a.parts[i-1] = data
	a.have++
	a.bytes += len(data)
	return a.have == len(a.parts), nil
}

// Reset forgets every part read.
func (a *Assembler) Reset() { *a = Assembler{lim: a.lim} }

// Token reassembles, checks and decompresses the token.
func (a *Assembler) Token() (string, error) {
	if a.parts == nil {
		return "", fmt.Errorf("%w: %w: no part read", ErrInvalid, ErrMissingPart)
	}
	if m := a.Missing(); len(m) > 0 {
		return "", fmt.Errorf("%w: %w: read %d of %d, missing %v", ErrInvalid, ErrMissingPart, a.have, len(a.parts), m)
	}
	stream := bytes.Join(a.parts, nil)
	sum := sha256.Sum256(stream)
	dict, unpackFn := dictionary, unpack
	set := strings.ToUpper(hex.EncodeToString(sum[:4]))
	if a.format == FormatNumeric {
		dict, unpackFn, set = dictionaryV2, unpackV2, numericSet(stream)
	}
	if set != a.set {
		return "", fmt.Errorf("%w: %w", ErrInvalid, ErrCorrupt)
	}
	packed, err := decompress(stream, dict, a.lim.MaxTokenSize)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	tok, err := unpackFn(packed, a.lim.MaxTokenSize)
	if err != nil {
		return "", fmt.Errorf("%w: %w: %w", ErrInvalid, ErrMalformed, err)
	}
	return tok, nil
}

// parsePart splits a part of either format.
func parsePart(s string, lim Limits) (f Format, i, n int, set string, data []byte, err error) {
	if len(s) > lim.MaxPartText {
		return 0, 0, 0, "", nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(s), lim.MaxPartText)
	}
	if strings.HasPrefix(s, PrefixNumeric) {
		i, n, set, data, err = parseNumeric(s)
		return FormatNumeric, i, n, set, data, err
	}
	i, n, set, data, err = parseCW1(s)
	return FormatAlphanumeric, i, n, set, data, err
}

// parseCW1 splits "CW1:<i>/<n>:<set>:<data>".
func parseCW1(s string) (i, n int, set string, data []byte, err error) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return 0, 0, "", nil, ErrNotOurs
	}
	pos, rest, ok1 := strings.Cut(rest, ":")
	set, b45, ok2 := strings.Cut(rest, ":")
	is, ns, ok3 := strings.Cut(pos, "/")
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, "", nil, fmt.Errorf("%w: expected CW1:<i>/<n>:<set>:<data>", ErrMalformed)
	}
	i, err1 := decimal(is)
	n, err2 := decimal(ns)
	if err1 != nil || err2 != nil || i < 1 || i > n || n > 99 {
		return 0, 0, "", nil, fmt.Errorf("%w: part number %q", ErrMalformed, pos)
	}
	if len(set) != 8 || strings.Trim(set, "0123456789ABCDEF") != "" {
		return 0, 0, "", nil, fmt.Errorf("%w: set id %q", ErrMalformed, set)
	}
	data, err = base45Decode(b45)
	if bc, ok := err.(*badCharError); ok {
		// Say where, as a person counts: the n-th character of the whole
		// part, from 1.
		at := len(s) - len(b45) + bc.Off
		return 0, 0, "", nil, fmt.Errorf("%w: %w at character %d of the part", ErrMalformed, err, utf8.RuneCountInString(s[:at])+1)
	}
	if err != nil {
		return 0, 0, "", nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(data) == 0 {
		return 0, 0, "", nil, fmt.Errorf("%w: empty part", ErrMalformed)
	}
	return i, n, set, data, nil
}

// decimal parses 1-2 digits without a leading zero.
func decimal(s string) (int, error) {
	if len(s) == 0 || len(s) > 2 || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return 0, ErrMalformed
	}
	return strconv.Atoi(s)
}

func compress(p, dict []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriterDict(&buf, flate.BestCompression, dict)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(p); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decompress inflates stream, refusing output over max bytes and a
// stream that does not end exactly where the data ends.
func decompress(stream, dict []byte, max int) ([]byte, error) {
	br := bytes.NewReader(stream) // an io.ByteReader: flate reads no further than it needs
	r := flate.NewReaderDict(br, dict)
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if len(out) > max {
		return nil, fmt.Errorf("%w: decompresses to more than %d bytes", ErrTooLarge, max)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: deflate: %v", ErrMalformed, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the end of the deflate stream", ErrMalformed, br.Len())
	}
	return out, nil
}
