package qrtext

import (
	"image"
	"image/draw"
	"math/rand/v2"
	"testing"
)

// photo12MP is a 4000 × 3000 grey "photo": textured background, and the
// QR of part (when not "") pasted in at 6 px per module.
func photo12MP(b *testing.B, part string) image.Image {
	b.Helper()
	img := image.NewGray(image.Rect(0, 0, 4000, 3000))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(96 + r.IntN(96))
	}
	if part != "" {
		qr, err := Render(part, 'M', 6)
		if err != nil {
			b.Fatal(err)
		}
		at := image.Pt(1200, 800)
		draw.Draw(img, qr.Bounds().Add(at), qr, qr.Bounds().Min, draw.Src)
	}
	return img
}

// A 12 MP photo at the counter (docs/benchmarks.md): with a QR code it is
// read, without one the reader gives up; time and memory per photo.
func BenchmarkReadPhoto12MP(b *testing.B) {
	tok, _ := token(b, 3, 4)
	parts, err := Encode(tok, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, part string
	}{{"with QR", parts[0]}, {"no QR", ""}} {
		img := photo12MP(b, c.part)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := ReadImage(img)
				if c.part != "" && (err != nil || got != c.part) {
					b.Fatalf("not read: %v", err)
				}
				if c.part == "" && err == nil {
					b.Fatal("a QR code read from a photo without one")
				}
			}
		})
	}
}
