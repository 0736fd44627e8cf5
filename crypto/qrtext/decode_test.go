package qrtext

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/png"
	"os"
	"strings"
	"testing"
)

// hugePNG is a valid PNG header claiming w × h pixels with almost no
// data behind it.
func hugePNG(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

// A crafted PNG claiming 32 000 × 32 000 (or 16 000²) pixels is refused
// from its header; a real QR image decodes and reads back; junk is not an
// image.
func TestDecodeImageLimits(t *testing.T) {
	for _, side := range []uint32{32000, 16000, 7000} {
		if _, err := DecodeImage(bytes.NewReader(hugePNG(side, side))); !errors.Is(err, ErrImageTooLarge) {
			t.Errorf("%d² PNG: %v; want ErrImageTooLarge", side, err)
		}
	}
	// The same, as a file (testdata/bomb-32000x32000.png is hugePNG(32000,
	// 32000): 65 bytes; the app's picker test opens it too).
	bomb, err := os.ReadFile("testdata/bomb-32000x32000.png")
	if err != nil || !bytes.Equal(bomb, hugePNG(32000, 32000)) {
		t.Fatalf("testdata/bomb-32000x32000.png is not hugePNG(32000, 32000): %v", err)
	}
	if _, err := DecodeImageFile("testdata/bomb-32000x32000.png"); !errors.Is(err, ErrImageTooLarge) {
		t.Errorf("the bomb file: %v; want ErrImageTooLarge", err)
	}
	img, err := Render(Prefix+"1/1:00:ABC", 'M', 4)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	got, err := DecodeImage(bytes.NewReader(b.Bytes()))
	if err != nil || got.Bounds() != img.Bounds() {
		t.Fatalf("a real PNG: %v", err)
	}
	if text, err := ReadImage(got); err != nil || text != Prefix+"1/1:00:ABC" {
		t.Errorf("read back: %q %v", text, err)
	}
	if _, err := DecodeImage(bytes.NewReader([]byte("không phải ảnh"))); err == nil || errors.Is(err, ErrImageTooLarge) {
		t.Errorf("junk: %v", err)
	}
}

// A part typed through a Vietnamese input method: the error names the
// whole character (not one of its bytes) and its place in the part,
// counted in characters from 1.
func TestBadCharacterMessage(t *testing.T) {
	part := Prefix + "1/1:0A1B2C3D:" + "AB" + "Â" + "CDEF"
	_, _, _, _, _, err := parsePart(part, DefaultLimits)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `character 'Â' at character 20 of the part`) {
		t.Errorf("error: %v", err)
	}
}
