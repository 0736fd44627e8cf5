package qrtext

import (
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the formats a counter opens: photos and screenshots
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
)

// MaxImagePixels is the largest image DecodeImage decodes, judged from
// its header before any pixel is decoded (a 169 KB PNG can claim
// 32 000 × 32 000 pixels, 4 GB once decoded). 40 MP is a large phone
// photo.
const MaxImagePixels = 40_000_000

// ErrImageTooLarge: an image whose header claims more than
// MaxImagePixels; nothing was decoded.
var ErrImageTooLarge = errors.New("qrtext: image too large")

// DecodeImage decodes a PNG, JPEG or GIF after checking its dimensions
// from the header alone (ErrImageTooLarge).
func DecodeImage(r io.ReadSeeker) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, fmt.Errorf("qrtext: not an image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, fmt.Errorf("%w: %d × %d pixels, at most %d", ErrImageTooLarge, cfg.Width, cfg.Height, MaxImagePixels)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("qrtext: not an image: %w", err)
	}
	return img, nil
}

// DecodeImageFile is DecodeImage of a file.
func DecodeImageFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeImage(f)
}
