package qrtext

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// PrefixNumeric starts every part of format version 2: the magic 03232
// and the version digit 2.
const PrefixNumeric = "032322"

// numericHeader is the fixed length of a version-2 header: prefix, i (2
// digits), n (2 digits), set (10 digits).
const numericHeader = len(PrefixNumeric) + 2 + 2 + 10

// groupBytes bytes make a full group of groupDigits digits
// (256^7 < 10^17).
const (
	groupBytes  = 7
	groupDigits = 17
)

// digitsFor[k] is D(k), the digits of a group of k bytes:
// ceil(8k·log10 2).
var digitsFor = [groupBytes + 1]int{0, 3, 5, 8, 10, 13, 15, 17}

// bytesFor[d] is k with D(k) = d, or -1 if d is no group's length.
var bytesFor = func() (t [groupDigits + 1]int) {
	for i := range t {
		t[i] = -1
	}
	for k, d := range digitsFor {
		t[d] = k
	}
	return t
}()

// errDigits is wrapped by every decimal decoding error.
var errDigits = errors.New("not the digits of a consent QR")

// digitsEncode writes b as decimal digits: each group of 7 bytes as the
// 17 digits of its big-endian value, a last group of k < 7 bytes as D(k)
// digits.
func digitsEncode(dst []byte, b []byte) []byte {
	for len(b) > 0 {
		k := min(len(b), groupBytes)
		var v uint64
		for _, c := range b[:k] {
			v = v<<8 | uint64(c)
		}
		var buf [20]byte
		t := strconv.AppendUint(buf[:0], v, 10)
		for range digitsFor[k] - len(t) {
			dst = append(dst, '0')
		}
		dst = append(dst, t...)
		b = b[k:]
	}
	return dst
}

// digitsDecode reverses digitsEncode; s must be digits only. It refuses a
// length that is no whole number of groups and a group whose value does
// not fit its bytes (so every byte string has exactly one encoding);
// off is s's offset in the part, for the position in the message.
func digitsDecode(s string, off int) ([]byte, error) {
	last := len(s) % groupDigits
	if bytesFor[last] < 0 {
		return nil, fmt.Errorf("%w: %d digits of data is no whole number of groups (a last group of %d digits)", errDigits, len(s), last)
	}
	out := make([]byte, 0, len(s)/groupDigits*groupBytes+groupBytes)
	for i := 0; i < len(s); {
		d := min(groupDigits, len(s)-i)
		k := bytesFor[d]
		v, err := strconv.ParseUint(s[i:i+d], 10, 64)
		if err != nil || v>>(8*k) != 0 {
			return nil, fmt.Errorf("%w: the group at character %d (%s) is over the range of %d bytes", errDigits, off+i+1, s[i:i+d], k)
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], v)
		out = append(out, buf[8-k:]...)
		i += d
	}
	return out, nil
}

// numericSet is the set id of format version 2: the first 4 bytes of
// SHA-256 of the stream, as a zero-padded 10-digit decimal.
func numericSet(stream []byte) string {
	sum := sha256.Sum256(stream)
	return fmt.Sprintf("%010d", binary.BigEndian.Uint32(sum[:4]))
}

// numericRoom is how many bytes the data of one part holds in digits
// decimal digits.
func numericRoom(digits int) int {
	if digits < 0 {
		return 0
	}
	room := digits / groupDigits * groupBytes
	for k := groupBytes - 1; k > 0; k-- {
		if digitsFor[k] <= digits%groupDigits {
			return room + k
		}
	}
	return room
}

// badDigitError is a character that is not a decimal digit in a
// version-2 part: the whole character at Pos (counted in characters from
// 1 over the whole part).
type badDigitError struct {
	Pos int
	R   rune
}

func (e *badDigitError) Error() string {
	return fmt.Sprintf("%v: character %q at character %d of the part", errDigits, e.R, e.Pos)
}

func (e *badDigitError) Unwrap() error { return errDigits }

// parseNumeric splits "<PrefixNumeric><i><n><set><data>"; s starts with
// PrefixNumeric.
func parseNumeric(s string) (i, n int, set string, data []byte, err error) {
	pos := 0
	for _, r := range s {
		pos++
		if r < '0' || r > '9' {
			return 0, 0, "", nil, fmt.Errorf("%w: %w", ErrMalformed, &badDigitError{Pos: pos, R: r})
		}
	}
	if len(s) < numericHeader+digitsFor[1] {
		return 0, 0, "", nil, fmt.Errorf("%w: %d digits, shorter than the header and one byte", ErrMalformed, utf8.RuneCountInString(s))
	}
	h := s[len(PrefixNumeric):numericHeader]
	i, _ = strconv.Atoi(h[0:2])
	n, _ = strconv.Atoi(h[2:4])
	if i < 1 || n < 1 || i > n {
		return 0, 0, "", nil, fmt.Errorf("%w: part %s of %s", ErrMalformed, h[0:2], h[2:4])
	}
	set = h[4:14]
	if v, _ := strconv.ParseUint(set, 10, 64); v > 1<<32-1 {
		return 0, 0, "", nil, fmt.Errorf("%w: set id %s is over 2^32", ErrMalformed, set)
	}
	data, err = digitsDecode(s[numericHeader:], numericHeader)
	if err != nil {
		return 0, 0, "", nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return i, n, set, data, nil
}

// numericPart is part i of n of the stream with id set.
func numericPart(i, n int, set string, chunk []byte) string {
	b := make([]byte, 0, numericHeader+len(chunk)/groupBytes*groupDigits+groupDigits)
	b = append(b, PrefixNumeric...)
	b = fmt.Appendf(b, "%02d%02d%s", i, n, set)
	return string(digitsEncode(b, chunk))
}
