package qrtext

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
)

// Every part of a multi-part token, rendered and read back from the
// pixels, gives the token again: sharp, every time; scaled by an odd
// factor and blurred, when a part that does not read is shot again from
// a little nearer (the official moves the phone), as at a counter.
func TestImageRoundTrip(t *testing.T) {
	t.Parallel()
	tok, _ := token(t, 3, 4)
	for _, f := range []Format{FormatAlphanumeric, FormatNumeric} {
		imageRoundTrip(t, tok, f)
	}
}

func imageRoundTrip(t *testing.T, tok string, f Format) {
	parts, err := Encode(tok, Options{Format: f})
	if err != nil {
		t.Fatal(err)
	}
	imgs := make([]*image.Gray, len(parts))
	for i, p := range parts {
		img, err := Render(p, 'M', 4)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx()%4 != 0 {
			t.Errorf("image width %d is not a whole number of 4-px modules", img.Bounds().Dx())
		}
		imgs[i] = gray(img)
	}
	for _, distort := range []struct {
		name string
		f    func(img *image.Gray, shot int) image.Image
	}{
		{"sharp", func(i *image.Gray, shot int) image.Image {
			if shot > 0 {
				return nil // a sharp render must read the first time
			}
			return i
		}},
		{"scaled ×0.77 (bilinear)", func(i *image.Gray, shot int) image.Image { return scale(i, 0.77*(1+0.04*float64(shot))) }},
		{"scaled ×1.6 and blurred", func(i *image.Gray, shot int) image.Image { return blur(scale(i, 1.6*(1+0.04*float64(shot)))) }},
	} {
		var read []string
		for _, img := range imgs {
			var text string
			var err error
			for shot := 0; shot < 3; shot++ {
				im := distort.f(img, shot)
				if im == nil {
					break
				}
				if text, err = ReadImage(im); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("%v, %s: %v", f, distort.name, err)
			}
			read = append(read, text)
		}
		got, err := Decode(read, Limits{})
		if err != nil || got != tok {
			t.Fatalf("%v, %s: %v", f, distort.name, err)
		}
	}
}

func TestRenderModules(t *testing.T) {
	t.Parallel()
	img, err := Render("CW1:1/1:ABCDEF01:BB8", 'M', 3)
	if err != nil {
		t.Fatal(err)
	}
	// Version 1 is 21 modules, plus a quiet zone of 4 each side.
	if w := img.Bounds().Dx(); w != (21+2*QuietZone)*3 {
		t.Errorf("width %d", w)
	}
	// The quiet zone is light, the finder pattern's corner dark.
	if img.ColorIndexAt(0, 0) != 0 || img.ColorIndexAt(QuietZone*3, QuietZone*3) != 1 {
		t.Error("quiet zone or finder pattern misplaced")
	}
	if _, err := Render("x", 'M', 0); err == nil {
		t.Error("module size 0 accepted")
	}
}

// Pictures without a QR code fail with ErrNoQR, never a panic: noise,
// degenerate sizes, and a sheet of hundreds of finder patterns (more
// candidates than ReadImage keeps, and many right isosceles triangles
// of them, none framing a symbol).
func TestReadImageWithoutQR(t *testing.T) {
	t.Parallel()
	noise := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range noise.Pix {
		noise.Pix[i] = byte(i * 7)
	}
	finders := image.NewGray(image.Rect(0, 0, 720, 720))
	for i := range finders.Pix {
		finders.Pix[i] = 0xff
	}
	const m = 3 // px per module; one finder pattern and a light module per 8 modules
	for y0 := 0; y0+8*m <= 720; y0 += 8 * m {
		for x0 := 0; x0+8*m <= 720; x0 += 8 * m {
			for y := 0; y < 7*m; y++ {
				for x := 0; x < 7*m; x++ {
					mx, my := x/m, y/m
					ring := min(mx, my, 6-mx, 6-my)
					if ring != 1 {
						finders.Pix[(y0+m+y)*finders.Stride+x0+m+x] = 0
					}
				}
			}
		}
	}
	for name, img := range map[string]image.Image{
		"noise":               noise,
		"900 finder patterns": finders,
		"empty":               image.NewGray(image.Rect(0, 0, 0, 0)),
		"one pixel":           image.NewGray(image.Rect(0, 0, 1, 1)),
		"one row":             image.NewGray(image.Rect(0, 0, 3000, 1)),
		"offset bounds":       noise.SubImage(image.Rect(50, 60, 190, 170)),
	} {
		if _, err := ReadImage(img); !errors.Is(err, ErrNoQR) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// gray converts a render to an 8-bit gray image (what scale and blur
// work on fastest).
func gray(src *image.Paletted) *image.Gray {
	dst := image.NewGray(src.Bounds())
	for i, c := range src.Pix {
		if c == 0 {
			dst.Pix[i] = 0xff
		}
	}
	return dst
}

// scale resamples src by f with a triangle (bilinear) filter, widened
// when shrinking, as draw.BiLinear.Scale does, but in plain loops (draw's
// fast paths are slow under the race detector: this is most of the cost
// of the image tests).
func scale(src *image.Gray, f float64) *image.Gray {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := int(float64(sw)*f), int(float64(sh)*f)
	type tap struct {
		at int
		w  float64
	}
	taps := func(dn, sn int) [][]tap {
		s := float64(sn) / float64(dn)
		half, arg := 1.0, 1.0
		if s > 1 {
			half, arg = s, 1/s
		}
		out := make([][]tap, dn)
		for x := range out {
			c := (float64(x)+0.5)*s - 0.5
			total := 0.0
			for i := max(int(math.Floor(c-half)), 0); i < min(int(math.Ceil(c+half)), sn); i++ {
				if t := math.Abs((c - float64(i)) * arg); t < 1 {
					out[x] = append(out[x], tap{i, 1 - t})
					total += 1 - t
				}
			}
			for k := range out[x] {
				out[x][k].w /= total
			}
		}
		return out
	}
	tx, ty := taps(dw, sw), taps(dh, sh)
	rows := make([]float64, sh*dw) // src scaled across
	for y := 0; y < sh; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+sw]
		for x, tt := range tx {
			v := 0.0
			for _, t := range tt {
				v += t.w * float64(row[t.at])
			}
			rows[y*dw+x] = v
		}
	}
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	for y, tt := range ty {
		for x := 0; x < dw; x++ {
			v := 0.0
			for _, t := range tt {
				v += t.w * rows[t.at*dw+x]
			}
			dst.Pix[y*dst.Stride+x] = uint8(min(v+0.5, 255))
		}
	}
	return dst
}

// blur is a 3×3 box blur.
func blur(src *image.Gray) *image.Gray {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum, n := 0, 0
			for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
				for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
					sum += int(src.Pix[yy*src.Stride+xx])
					n++
				}
			}
			dst.Pix[y*dst.Stride+x] = uint8(sum / n)
		}
	}
	return dst
}

// fixedParts are the parts of a token-shaped string of pseudo-random
// base64url segments from a fixed seed: like a real token's parts (the
// data of a DEFLATE stream is as random), but the same on every run, so a
// read that fails, fails again.
func fixedParts(t testing.TB) []string {
	rng := rand.New(rand.NewPCG(2024, 1))
	seg := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tok := "eyJhbGciOiJFUzI1NiJ9." + seg(2900) + "." + seg(64)
	for i := 0; i < 12; i++ {
		tok += "~" + seg(250)
	}
	parts, err := Encode(tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// Version-25 parts (and the shorter last one) rendered at 4 px per
// module and resampled (bilinear) by factors a photo or a scaled
// screenshot gives, 1.8 to 8.8 px per module: every read succeeds on the
// first shot. (Plain gozxing, which trusts its one estimate of the
// dimension, misses most reads at ×0.55–0.9, ×1.1 and ×1.4; ReadImage
// with gozxing's detector and seven resampled retries still missed about
// one read in 500. The reader now reads every one of 32 random parts at
// every factor from 0.35 to 5 in steps of 0.05.)
func TestReadScaled(t *testing.T) {
	t.Parallel()
	parts := fixedParts(t)
	if len(parts) < 6 {
		t.Fatalf("only %d parts", len(parts))
	}
	for i, p := range parts {
		if v, _ := Version(p, 'M'); v != 25 && i < len(parts)-1 {
			t.Fatalf("part %d is version %d, not 25", i+1, v)
		}
		img, _ := Render(p, 'M', 4)
		g := gray(img)
		for _, f := range []float64{0.45, 0.6, 0.7, 0.77, 0.85, 0.9, 1.1, 1.3, 1.6, 2.2} {
			if got, err := ReadImage(scale(g, f)); err != nil || got != p {
				t.Errorf("part %d/%d at ×%.2f (%.2f px per module): %v", i+1, len(parts), f, 4*f, err)
			}
		}
	}
}

// Photos are not scaled renders: turned, in perspective, compressed,
// noisy. Each of these reads on the first shot. (A keystone of 15 % or
// more, the phone tilted well away from the screen, mostly does not: the
// bottom-right alignment pattern is then more than 11 modules from where
// it would be without perspective, outside the windows ReadImage tries.)
func TestReadDistorted(t *testing.T) {
	t.Parallel()
	parts := fixedParts(t)
	g0, g1 := renderGray(t, parts[0]), renderGray(t, parts[len(parts)/2])
	for _, c := range []struct {
		name string
		img  image.Image
	}{
		{"turned 7° at ×0.8", rotate(g0, 7, 0.8)},
		{"turned 30° at ×1.1", rotate(g1, 30, 1.1)},
		{"turned 45° at ×1.6", rotate(g0, 45, 1.6)},
		{"turned 90° at ×0.9", rotate(g1, 90, 0.9)},
		{"keystone 5 %", keystone(g0, 0.05)},
		{"keystone 10 % at ×1.2", keystone(scale(g1, 1.2), 0.1)},
		{"JPEG quality 40 at ×0.8", jpegOf(t, scale(g1, 0.8), 40)},
		{"noise ±40 at ×1.1", noisy(scale(g0, 1.1), 40)},
		{"turned 5°, blurred, JPEG 60 at ×1.3", jpegOf(t, blur(rotate(g1, 5, 1.3)), 60)},
	} {
		if got, err := ReadImage(c.img); err != nil || (got != parts[0] && got != parts[len(parts)/2]) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func renderGray(t testing.TB, p string) *image.Gray {
	img, err := Render(p, 'M', 4)
	if err != nil {
		t.Fatal(err)
	}
	return gray(img)
}

// rotate turns src by deg degrees about its centre and scales it by f,
// on a light background large enough to hold it.
func rotate(src *image.Gray, deg, f float64) *image.Gray {
	W, H := float64(src.Bounds().Dx()), float64(src.Bounds().Dy())
	n := int(math.Hypot(W, H)*f) + 8
	sin, cos := math.Sincos(deg * math.Pi / 180)
	return warp(src, n, func(x, y float64) (float64, float64) {
		x, y = (x-float64(n)/2)/f, (y-float64(n)/2)/f
		return cos*x + sin*y + W/2, -sin*x + cos*y + H/2
	})
}

// keystone is src seen in perspective: the top edge k shorter than the
// bottom one, on a light margin.
func keystone(src *image.Gray, k float64) *image.Gray {
	W, H := float64(src.Bounds().Dx()), float64(src.Bounds().Dy())
	o := 0.15 * W
	// From the quadrilateral on the result back to src's rectangle.
	pt := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
		o+k*W/2, o+k*H/2, o+W-k*W/2, o+k*H/2, o+W, o+H, o, o+H,
		0, 0, W, 0, W, H, 0, H)
	xy := make([]float64, 2)
	return warp(src, int(W*1.3), func(x, y float64) (float64, float64) {
		xy[0], xy[1] = x, y
		pt.TransformPoints(xy)
		return xy[0], xy[1]
	})
}

// warp makes an n × n image whose pixel centre (x, y) shows src at
// back(x, y), bilinearly interpolated; light outside src.
func warp(src *image.Gray, n int, back func(x, y float64) (float64, float64)) *image.Gray {
	W, H := src.Bounds().Dx(), src.Bounds().Dy()
	at := func(x, y int) float64 { return float64(src.Pix[y*src.Stride+x]) }
	dst := image.NewGray(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			sx, sy := back(float64(x)+0.5, float64(y)+0.5)
			sx, sy = sx-0.5, sy-0.5
			v := 255.0
			if sx >= 0 && sy >= 0 && sx < float64(W-1) && sy < float64(H-1) {
				i, j := int(sx), int(sy)
				fx, fy := sx-float64(i), sy-float64(j)
				v = at(i, j)*(1-fx)*(1-fy) + at(i+1, j)*fx*(1-fy) + at(i, j+1)*(1-fx)*fy + at(i+1, j+1)*fx*fy
			}
			dst.Pix[y*dst.Stride+x] = uint8(v + 0.5)
		}
	}
	return dst
}

func jpegOf(t testing.TB, src image.Image, quality int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// noisy adds uniform noise of ±amp levels from a fixed seed.
func noisy(src *image.Gray, amp int) *image.Gray {
	rng := rand.New(rand.NewPCG(7, 7))
	for i, v := range src.Pix {
		src.Pix[i] = uint8(min(max(int(v)+rng.IntN(2*amp+1)-amp, 0), 255))
	}
	return src
}

// An image over the pixel limit is scaled down before decoding, and
// still reads when its modules stay large enough.
func TestReadImageOverPixelLimit(t *testing.T) {
	t.Parallel()
	parts := fixedParts(t)
	img, _ := Render(parts[0], 'M', 8) // 1000 × 1000 px
	if got, err := readImage(img, 1<<18); err != nil || got != parts[0] {
		t.Errorf("scaled to 2^18 pixels: %v", err)
	}
}

// luminance gives what gozxing's own conversion gives, for opaque
// images, and puts transparency over white.
func TestLuminance(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	r := image.Rect(2, 3, 41, 30)
	g, p, n := image.NewGray(r), image.NewPaletted(r, color.Palette{color.White, color.Black, color.NRGBA{200, 30, 90, 255}}), image.NewNRGBA(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g.SetGray(x, y, color.Gray{uint8(rng.Uint32())})
			p.SetColorIndex(x, y, uint8(rng.IntN(3)))
			n.SetNRGBA(x, y, color.NRGBA{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), 255})
		}
	}
	for name, img := range map[string]image.Image{"gray": g, "paletted": p, "nrgba": n, "gray sub-image": g.SubImage(image.Rect(5, 5, 20, 25))} {
		got, want := luminance(img).GetMatrix(), gozxing.NewLuminanceSourceFromImage(img).GetMatrix()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: luminance differs from gozxing's", name)
		}
	}
	// A JPEG photo's YCbCr: its Y plane, whole or cropped.
	y := jpegOf(t, n, 90).(*image.YCbCr)
	for _, c := range []image.Rectangle{y.Bounds(), image.Rect(7, 9, 33, 21)} {
		got := luminance(y.SubImage(c)).GetMatrix()
		for row := c.Min.Y; row < c.Max.Y; row++ {
			i := (row - c.Min.Y) * c.Dx()
			if !bytes.Equal(got[i:i+c.Dx()], y.Y[y.YOffset(c.Min.X, row):][:c.Dx()]) {
				t.Fatalf("ycbcr %v: row %d is not the Y plane", c, row)
			}
		}
	}
	// Transparent is light.
	tp := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.Transparent, color.Black})
	tp.Pix[1] = 1
	tn := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	if got := luminance(tp).GetMatrix(); got[0] != 0xff || got[1] != 0 {
		t.Errorf("transparent palette entry: %v", got)
	}
	if got := luminance(tn).GetMatrix(); got[0] != 0xff {
		t.Errorf("transparent NRGBA: %v", got)
	}
}

// FuzzReadImage: any pixels give a text or ErrNoQR, never a panic.
func FuzzReadImage(f *testing.F) {
	img, _ := Render("CW1:1/1:ABCDEF01:BB8", 'M', 2)
	f.Add(uint16(img.Bounds().Dx()), gray(img).Pix)
	f.Add(uint16(7), bytes.Repeat([]byte{0, 0xff, 0, 0, 0, 0xff, 0}, 49))
	f.Fuzz(func(t *testing.T, w uint16, pix []byte) {
		if w == 0 || len(pix) < int(w) || len(pix) > 1<<16 {
			return
		}
		h := len(pix) / int(w)
		g := &image.Gray{Pix: pix[:int(w)*h], Stride: int(w), Rect: image.Rect(0, 0, int(w), h)}
		if _, err := ReadImage(g); err != nil && !errors.Is(err, ErrNoQR) {
			t.Fatalf("error does not wrap ErrNoQR: %v", err)
		}
	})
}
