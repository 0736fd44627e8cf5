package camera

import (
	"image"
	"testing"
)

// BenchmarkScanFrame: one 640 × 480 webcam frame through the scanner's
// decoding, with a readable version-25 part in it ("qr"; "qr-720p": the
// same scene as a 1280 × 720 frame) and with a phone's screen between two
// codes ("none"). It bounds the rate at which
// Scan takes frames, and so the preview's.
func BenchmarkScanFrame(b *testing.B) {
	f := phoneFilm(b)
	parts, frames := f.parts, f.frames
	s := NewScanner(Options{})
	qr := -1
	for i, f := range frames[2:] {
		if text, err := s.decode(f); err == nil && text == parts[0] {
			qr = i + 2
			break
		}
	}
	if qr < 0 {
		b.Fatal("no frame reads")
	}
	b.Run("qr", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.decode(frames[qr]); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same scene as a 1280 × 720 camera sees it (Open's choice):
	// the frame ×1.5, bilinear, between grey bands.
	src := frames[qr].(*image.Gray)
	hd := image.NewGray(image.Rect(0, 0, 1280, 720))
	for y := range 720 {
		for x := range 1280 {
			u, v := (float64(x-160)+0.5)/1.5-0.5, (float64(y)+0.5)/1.5-0.5
			i, j := int(u), int(v)
			if u < 0 || v < 0 || i >= frameW-1 || j >= frameH-1 {
				hd.Pix[y*1280+x] = 128
				continue
			}
			fx, fy := u-float64(i), v-float64(j)
			at := func(x, y int) float64 { return float64(src.Pix[y*src.Stride+x]) }
			l := at(i, j)*(1-fx)*(1-fy) + at(i+1, j)*fx*(1-fy) + at(i, j+1)*(1-fx)*fy + at(i+1, j+1)*fx*fy
			hd.Pix[y*1280+x] = uint8(l + 0.5)
		}
	}
	b.Run("qr-720p", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.decode(hd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.decode(frames[0]); err == nil {
				b.Fatal("a QR code in a frame without one")
			}
		}
	})
}
