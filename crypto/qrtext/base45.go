package qrtext

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// base45Alphabet is RFC 9285's alphabet: exactly the 45 characters of the
// QR code alphanumeric mode, in its order.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// errBase45 is wrapped by every base45 decoding error.
var errBase45 = errors.New("not base45")

// badCharError is a character outside the base45 alphabet: the whole
// character (a Vietnamese letter an input method typed is two or three
// bytes) at byte offset Off of the decoded text.
type badCharError struct {
	Off int
	R   rune
}

func (e *badCharError) Error() string {
	return fmt.Sprintf("%v: character %q", errBase45, e.R)
}

func (e *badCharError) Unwrap() error { return errBase45 }

// base45Encode encodes b as RFC 9285 base45: each 2 bytes as 3
// characters (least significant first), a final single byte as 2.
func base45Encode(b []byte) string {
	var sb strings.Builder
	sb.Grow((len(b)/2)*3 + 2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		sb.WriteByte(base45Alphabet[n%45])
		sb.WriteByte(base45Alphabet[n/45%45])
		sb.WriteByte(base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		sb.WriteByte(base45Alphabet[n%45])
		sb.WriteByte(base45Alphabet[n/45])
	}
	return sb.String()
}

// base45Decode decodes RFC 9285 base45, refusing characters outside the
// alphabet, a dangling single character and groups over their range (so
// every byte string has exactly one encoding).
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("%w: length %d leaves one character over", errBase45, len(s))
	}
	out := make([]byte, 0, len(s)/3*2+1)
	digit := func(i int) (int, error) {
		d := base45Index[s[i]]
		if d < 0 {
			// The character the byte starts (or belongs to).
			start := i
			for start > 0 && !utf8.RuneStart(s[start]) {
				start--
			}
			r, _ := utf8.DecodeRuneInString(s[start:])
			return 0, &badCharError{Off: start, R: r}
		}
		return int(d), nil
	}
	for i := 0; i < len(s); i += 3 {
		c, err := digit(i)
		if err != nil {
			return nil, err
		}
		d, err := digit(i + 1)
		if err != nil {
			return nil, err
		}
		if i+2 == len(s) {
			n := c + d*45
			if n > 0xff {
				return nil, fmt.Errorf("%w: final pair at %d is over 255", errBase45, i)
			}
			out = append(out, byte(n))
			break
		}
		e, err := digit(i + 2)
		if err != nil {
			return nil, err
		}
		n := c + d*45 + e*2025
		if n > 0xffff {
			return nil, fmt.Errorf("%w: triple at %d is over 65535", errBase45, i)
		}
		out = append(out, byte(n>>8), byte(n))
	}
	return out, nil
}
