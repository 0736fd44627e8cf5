package qrtext

import (
	"strings"
	"testing"
)

// byteCapacity is how many bytes one QR of version at level holds in
// byte mode (what a plain SD-JWT compact string, with its lower-case
// letters, '_' and '~', is encoded in).
func byteCapacity(version int, level byte) int {
	lo, hi := 0, 3000
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if v, err := Version(strings.Repeat("a", mid), level); err == nil && v <= version {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// Both encodings carry a token in fewer QR codes than the plain SD-JWT
// in byte mode at the same version and error correction: the goal is at
// least 1.3 times the disclosed claims per QR for CW1, 1.5 for the
// numeric format.
func TestDensityAgainstPlainSDJWT(t *testing.T) {
	bytesCap := byteCapacity(25, 'M')
	for _, c := range []struct{ creds, claims int }{{1, 3}, {2, 4}, {3, 4}, {5, 6}} {
		tok, _ := token(t, c.creds, c.claims)
		for _, f := range []struct {
			format Format
			goal   float64
		}{{FormatAlphanumeric, 1.3}, {FormatNumeric, 1.5}} {
			parts, err := Encode(tok, Options{Format: f.format})
			if err != nil {
				t.Fatal(err)
			}
			chars := 0
			for _, p := range parts {
				chars += len(p)
			}
			ours := float64(chars) / float64(f.format.Capacity(25, 'M')) // QR codes' worth, fractional
			plain := float64(len(tok)) / float64(bytesCap)               // the same for the plain token
			ratio := plain / ours
			t.Logf("%d×%d claims, %d bytes: %v %.2f QR (%d parts), plain %.2f QR (%d), %.2f× denser",
				c.creds, c.claims, len(tok), f.format, ours, len(parts), plain, (len(tok)+bytesCap-1)/bytesCap, ratio)
			if ratio < f.goal {
				t.Errorf("%v: only %.2f× denser than the plain SD-JWT", f.format, ratio)
			}
		}
	}
}

// BenchmarkEncodeAndRender: the wallet's cost of showing a token of 3
// records × 4 claims in CW1: encode to QR texts and render every part at
// 8 px per module (goal: ≤ 50 ms together with building the token).
// BenchmarkEncodeAndRenderNumeric is the same in the numeric format.
func BenchmarkEncodeAndRender(b *testing.B) {
	benchEncodeAndRender(b, FormatAlphanumeric)
}

func BenchmarkEncodeAndRenderNumeric(b *testing.B) {
	benchEncodeAndRender(b, FormatNumeric)
}

func benchEncodeAndRender(b *testing.B, f Format) {
	tok, _ := token(b, 3, 4)
	for b.Loop() {
		parts, err := Encode(tok, Options{Format: f})
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range parts {
			if _, err := Render(p, 'M', 8); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeAndVerify: the counter's cost once the CW1 parts are
// read: reassemble, decompress and verify every signature.
func BenchmarkDecodeAndVerify(b *testing.B) {
	tok, verify := token(b, 3, 4)
	parts, _ := Encode(tok, Options{Format: FormatAlphanumeric})
	for b.Loop() {
		got, err := Decode(parts, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if err := verify(got); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeNumeric: reassemble, check, decompress and unpack a
// numeric token of 3 records × 4 claims (its references: one SHA-256
// per disclosure and one over the token); no signature checked.
func BenchmarkDecodeNumeric(b *testing.B) {
	tok, _ := token(b, 3, 4)
	parts, _ := Encode(tok, Options{})
	for b.Loop() {
		if got, err := Decode(parts, Limits{}); err != nil || got != tok {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadImage: decoding one version-25 CW1 part from a sharp
// render; BenchmarkReadImageNumeric: one version-25 numeric part.
func BenchmarkReadImage(b *testing.B) {
	benchReadImage(b, FormatAlphanumeric)
}

func BenchmarkReadImageNumeric(b *testing.B) {
	benchReadImage(b, FormatNumeric)
}

func benchReadImage(b *testing.B, f Format) {
	tok, _ := token(b, 3, 4)
	parts, _ := Encode(tok, Options{Format: f})
	img, _ := Render(parts[0], 'M', 4)
	for b.Loop() {
		if _, err := ReadImage(img); err != nil {
			b.Fatal(err)
		}
	}
}
