package qrtext

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/draw"
)

// QuietZone is the border of light modules around a rendered QR, as ISO/IEC
// 18004 requires (4 modules).
const QuietZone = 4

// Render draws text as a QR code with level's error correction: every
// module is exactly modulePx × modulePx pixels and the quiet zone is
// QuietZone modules, so decoders see a regular grid at any version.
// (go-qrcode's own PNG output scales the symbol to a fixed pixel size,
// which makes modules uneven and large versions fail to decode.)
func Render(text string, level byte, modulePx int) (*image.Paletted, error) {
	if modulePx < 1 || modulePx > 64 {
		return nil, fmt.Errorf("qrtext: module size %d px is not 1-64", modulePx)
	}
	q, err := qrcode.New(text, recoveryLevel(level))
	if err != nil {
		return nil, fmt.Errorf("qrtext: render: %w", err)
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits) + 2*QuietZone
	img := image.NewPaletted(image.Rect(0, 0, n*modulePx, n*modulePx), color.Palette{color.White, color.Black})
	for y, row := range bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			x0, y0 := (x+QuietZone)*modulePx, (y+QuietZone)*modulePx
			for dy := 0; dy < modulePx; dy++ {
				off := img.PixOffset(x0, y0+dy)
				for dx := 0; dx < modulePx; dx++ {
					img.Pix[off+dx] = 1
				}
			}
		}
	}
	return img, nil
}

// Version is the QR version Render uses for text at level.
func Version(text string, level byte) (int, error) {
	q, err := qrcode.New(text, recoveryLevel(level))
	if err != nil {
		return 0, err
	}
	return q.VersionNumber, nil
}

// ErrNoQR: the image holds no QR code that could be read.
var ErrNoQR = errors.New("no readable QR code in the image")

// ReadImage finds and decodes one QR code in a photo or screenshot.
//
// gozxing estimates the module size from the finder patterns and the
// symbol's dimension from that; on large versions whose modules are not
// a whole number of pixels (a scaled screenshot, a photo) the estimate is
// often a few modules off and sampling fails, and now and then the
// detector locks onto a pattern in the data. So ReadImage tries again:
// with the other binarizer, as a pure (axis-aligned) barcode, and
// resampled by 1.5, 2, 0.75, 1.25, 2.5, 1.75 and 3, which moves the rounding (TestReadScaled
// measures which factors each attempt rescues).
func ReadImage(img image.Image) (string, error) {
	var firstErr error
	try := func(im image.Image, bin func(gozxing.LuminanceSource) gozxing.Binarizer, pure bool) (string, bool) {
		bmp, err := gozxing.NewBinaryBitmap(bin(gozxing.NewLuminanceSourceFromImage(im)))
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			return "", false
		}
		hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
		if pure {
			hints[gozxing.DecodeHintType_PURE_BARCODE] = true
		}
		res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			return "", false
		}
		return res.GetText(), true
	}
	if s, ok := try(img, gozxing.NewHybridBinarizer, false); ok {
		return s, nil
	}
	if s, ok := try(img, gozxing.NewGlobalHistgramBinarizer, false); ok {
		return s, nil
	}
	if s, ok := try(img, gozxing.NewHybridBinarizer, true); ok {
		return s, nil
	}
	b := img.Bounds()
	for _, f := range []float64{1.5, 2, 0.75, 1.25, 2.5, 1.75, 3} {
		w, h := int(float64(b.Dx())*f), int(float64(b.Dy())*f)
		if w*h > 64<<20 || w < 21 || h < 21 {
			continue
		}
		dst := image.NewGray(image.Rect(0, 0, w, h))
		draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		if s, ok := try(dst, gozxing.NewHybridBinarizer, false); ok {
			return s, nil
		}
	}
	return "", fmt.Errorf("%w: %v", ErrNoQR, firstErr)
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
