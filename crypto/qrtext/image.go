package qrtext

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
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

// Bounds on the work ReadImage does for one image, so that a photo
// without a QR code fails in bounded time.
const (
	// maxPixels: a larger image (not from DecodeImage, which refuses it)
	// is scaled down to this many pixels first.
	maxPixels = MaxImagePixels
	// maxCenters: the full scan for finder patterns stops after this many
	// candidates (a picture of many small squares has thousands).
	maxCenters = 256
	// maxTriples: how many triples of those candidates are decoded.
	maxTriples = 8
	// maxAligns: how many alignment-pattern candidates one triple and
	// dimension are decoded with.
	maxAligns = 8
)

// ReadImage finds and decodes one QR code in a photo or screenshot.
//
// gozxing's detector is fast but brittle on the large versions CW1
// uses, in ways that depend on the content, not on image quality
// (TestReadScaled and TestReadDistorted measure them):
//
//   - It estimates the module size from the finder patterns and the
//     symbol's dimension from that. When modules are not a whole number of
//     pixels (a scaled screenshot, a photo) the estimate is often 4 or 8
//     modules off, the grid is sampled at the wrong pitch and decoding
//     fails: plain gozxing misses most reads of a version-25 symbol at
//     2.2–3.6 px per module and many at 4–8. ReadImage samples the grid
//     at every dimension near the estimate, nearest first; a wrong one is
//     refused at once by the version information (versions 7 and up) or
//     by error correction.
//   - It stops looking for finder patterns as soon as it has three of one
//     module size, so a 1:1:3:1:1 run in the data can take the place of
//     the bottom-left pattern. ReadImage scans the whole image and tries
//     the triples of candidates closest to a right isosceles triangle,
//     best first.
//   - It takes the first alignment pattern it finds near where the
//     bottom-right one would be without perspective. When the format and
//     version then read but the codewords do not, ReadImage tries the
//     other candidates around that place.
//
// Both binarizers are tried, hybrid first, then global histogram.
// (ReadImage used to retry on copies resampled by 0.75–3; those rescued
// no read the steps above miss, and made a photo without a QR code take
// seconds to give up on.) The work is a fixed number of passes over at
// most maxPixels pixels and bounded candidate lists, so such a photo
// fails in bounded time.
func ReadImage(img image.Image) (string, error) {
	return readImage(img, maxPixels)
}

// readImage is ReadImage with a lower pixel limit for tests.
func readImage(img image.Image, maxPixels int) (string, error) {
	b := img.Bounds()
	if w, h := b.Dx(), b.Dy(); w*h > maxPixels {
		f := math.Sqrt(float64(maxPixels) / float64(w*h))
		dst := image.NewGray(image.Rect(0, 0, int(float64(w)*f), int(float64(h)*f)))
		for i := range dst.Pix {
			dst.Pix[i] = 0xff // transparency over white
		}
		draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
		img = dst
	}
	src := luminance(img)
	var firstErr error
	for _, bin := range []func(gozxing.LuminanceSource) gozxing.Binarizer{gozxing.NewHybridBinarizer, gozxing.NewGlobalHistgramBinarizer} {
		bm, err := bin(src).GetBlackMatrix()
		if err == nil {
			var s string
			if s, err = readMatrix(bm); err == nil {
				return s, nil
			}
		}
		firstErr = cmpOr(firstErr, err)
	}
	return "", fmt.Errorf("%w: %v", ErrNoQR, firstErr)
}

var tryHarder = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}

// readMatrix finds finder patterns in bm and decodes the symbol framed
// by the best triple of them, or else by the next best (see ReadImage).
func readMatrix(bm *gozxing.BitMatrix) (string, error) {
	infos := triples(bm)
	if len(infos) == 0 {
		return "", gozxing.NewNotFoundException("no three finder patterns")
	}
	var firstErr error
	for _, info := range infos {
		s, err := readTriple(bm, info)
		if err == nil {
			return s, nil
		}
		firstErr = cmpOr(firstErr, err)
	}
	return "", firstErr
}

// triples scans all of bm for finder patterns, as gozxing's
// MultiFinderPatternFinder does (its FinderPatternFinder stops early, its
// MultiFinderPatternFinder keeps every candidate and every triple: cubic
// in their number, 16 s on a photo of noise), but with at most maxCenters
// candidates, and returns up to maxTriples triples of them that agree on
// the module size and are nearly a right isosceles triangle, the closest
// first.
func triples(bm *gozxing.BitMatrix) []*detector.FinderPatternInfo {
	f := detector.NewFinderPatternFinder(bm, nil)
	state := make([]int, 5)
	for i := detector.FinderPatternFinder_MIN_SKIP - 1; i < bm.GetHeight() && len(f.GetPossibleCenters()) < maxCenters; i += detector.FinderPatternFinder_MIN_SKIP {
		detector.FinderPatternFinder_ClearCounts(state)
		cur := 0
		for j := 0; j < bm.GetWidth(); j++ {
			switch {
			case bm.Get(j, i): // dark
				if cur&1 == 1 {
					cur++
				}
				state[cur]++
			case cur&1 == 1: // light after light
				state[cur]++
			case cur < 4: // light after dark
				cur++
				state[cur]++
			case detector.FinderPatternFinder_foundPatternCross(state) && f.HandlePossibleCenter(state, i, j):
				cur = 0
				detector.FinderPatternFinder_ClearCounts(state)
			default:
				detector.FinderPatternFinder_ShiftCounts2(state)
				cur = 3
			}
		}
		if detector.FinderPatternFinder_foundPatternCross(state) {
			f.HandlePossibleCenter(state, i, bm.GetWidth())
		}
	}
	// Every triple is looked at, so the test is arithmetic on distances
	// computed once; the right angle is opposite the longest side.
	c := f.GetPossibleCenters()
	n := len(c)
	d2, ms := make([]float64, n*n), make([]float64, n)
	for i := range c {
		ms[i] = c[i].GetEstimatedModuleSize()
		for j := range c {
			dx, dy := c[i].GetX()-c[j].GetX(), c[i].GetY()-c[j].GetY()
			d2[i*n+j] = dx*dx + dy*dy
		}
	}
	type cand struct {
		i, j, k int
		bad     float64
	}
	best := make([]cand, 0, maxTriples+1)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			lo, hi := min(ms[i], ms[j]), max(ms[i], ms[j])
			if hi > 1.25*lo {
				continue
			}
			for k := j + 1; k < n; k++ {
				msLo, msHi := min(lo, ms[k]), max(hi, ms[k])
				sizes := (msHi - msLo) / msLo
				if sizes > 0.25 {
					continue
				}
				hyp, l1, l2 := d2[j*n+k], d2[i*n+j], d2[i*n+k]
				if d2[i*n+k] > hyp {
					hyp, l1, l2 = d2[i*n+k], d2[i*n+j], d2[j*n+k]
				}
				if d2[i*n+j] > hyp {
					hyp, l1, l2 = d2[i*n+j], d2[i*n+k], d2[j*n+k]
				}
				// Legs within 15 % of each other, the hypotenuse within 10 %
				// of Pythagoras', 9 to 180 modules between centres.
				sides := math.Sqrt(max(l1, l2)/min(l1, l2)) - 1
				pyth := math.Abs(math.Sqrt(hyp/(l1+l2)) - 1)
				if sides > 0.15 || pyth > 0.1 {
					continue
				}
				if m := math.Sqrt((l1+l2)/2) / msHi; m < 9 || m > 180 {
					continue
				}
				bad := sizes + sides + pyth
				if len(best) == maxTriples && bad >= best[maxTriples-1].bad {
					continue
				}
				at := sort.Search(len(best), func(x int) bool { return best[x].bad > bad })
				best = append(best, cand{})
				copy(best[at+1:], best[at:])
				best[at] = cand{i, j, k, bad}
				best = best[:min(len(best), maxTriples)]
			}
		}
	}
	infos := make([]*detector.FinderPatternInfo, len(best))
	for x, b := range best {
		bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(c[b.i], c[b.j], c[b.k])
		infos[x] = detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern))
	}
	return infos
}

// readTriple samples the grid framed by three finder patterns at every
// plausible dimension, nearest the estimate first, and decodes it.
func readTriple(bm *gozxing.BitMatrix, info *detector.FinderPatternInfo) (string, error) {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	// The finder measures a pattern along a pixel row: on a symbol turned
	// by a, that is 1/cos a times the module size (a folded to 0–45°).
	a := math.Mod(math.Abs(math.Atan2(tr.GetY()-tl.GetY(), tr.GetX()-tl.GetX())), math.Pi/2)
	a = min(a, math.Pi/2-a)
	ms := math.Cos(a) * (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	if ms < 1 {
		return "", gozxing.NewNotFoundException("module size %v", ms)
	}
	// Finder centres are 3.5 modules from the edges: dimension − 7 apart.
	est := (gozxing.ResultPoint_Distance(tl, tr)+gozxing.ResultPoint_Distance(tl, bl))/(2*ms) + 7
	var dims []int
	for d := 21; d <= 177; d += 4 {
		if math.Abs(float64(d)-est) <= math.Max(4.5, 0.12*est) {
			dims = append(dims, d)
		}
	}
	sort.Slice(dims, func(i, j int) bool { return math.Abs(float64(dims[i])-est) < math.Abs(float64(dims[j])-est) })
	var firstErr error = gozxing.NewNotFoundException("dimension estimate %.1f", est)
	dec := decoder.NewDecoder()
	for i, d := range dims {
		v, err := decoder.Version_GetProvisionalVersionForDimension(d)
		if err != nil {
			continue
		}
		// With the alignment pattern gozxing's way, then without; if
		// either reads the format and version but not the codewords (the
		// dimension is right, the grid a little off: perspective moves
		// the alignment pattern from where gozxing looks), with the other
		// alignment-pattern candidates near it.
		var aligns []*detector.AlignmentPattern
		if len(v.GetAlignmentPatternCenters()) > 0 {
			aligns = findAlignments(bm, tl, tr, bl, ms, d)
		}
		tries := []*detector.AlignmentPattern{nil}
		if len(aligns) > 0 {
			tries = []*detector.AlignmentPattern{aligns[0], nil}
		}
		for t := 0; t < len(tries); t++ {
			bits, err := detector.Detector_sampleGrid(bm, detector.Detector_createTransform(tl, tr, bl, tries[t], d), d)
			if err == nil {
				var res *common.DecoderResult
				if res, err = dec.Decode(bits, tryHarder); err == nil {
					return res.GetText(), nil
				}
				if _, ok := err.(gozxing.ChecksumException); ok && len(tries) == 2 {
					tries = append(tries, aligns[1:]...)
				}
			}
			if i == 0 && t == 0 {
				firstErr = err
			}
		}
	}
	return "", firstErr
}

// findAlignments looks for the bottom-right alignment pattern where a
// symbol of dimension dim has it, first as gozxing's detector does
// (widening the search until something is found), then in windows around
// that place; it returns up to maxAligns distinct candidates, gozxing's
// first, then the nearest.
func findAlignments(bm *gozxing.BitMatrix, tl, tr, bl gozxing.ResultPoint, ms float64, dim int) []*detector.AlignmentPattern {
	brX, brY := tr.GetX()-tl.GetX()+bl.GetX(), tr.GetY()-tl.GetY()+bl.GetY()
	c := 1 - 3/float64(dim-7)
	ex, ey := tl.GetX()+c*(brX-tl.GetX()), tl.GetY()+c*(brY-tl.GetY())
	find := func(x, y, r int) *detector.AlignmentPattern {
		x0, x1 := max(x-r, 0), min(x+r, bm.GetWidth()-1)
		y0, y1 := max(y-r, 0), min(y+r, bm.GetHeight()-1)
		if float64(x1-x0) < 3*ms || float64(y1-y0) < 3*ms {
			return nil
		}
		a, err := detector.NewAlignmentPatternFinder(bm, x0, y0, x1-x0, y1-y0, ms, nil).Find()
		if err != nil {
			return nil
		}
		return a
	}
	var out []*detector.AlignmentPattern
	for f := 4; f <= 16 && len(out) == 0; f <<= 1 {
		if a := find(int(ex), int(ey), int(float64(f)*ms)); a != nil {
			out = append(out, a)
		}
	}
	var more []*detector.AlignmentPattern
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			a := find(int(ex+float64(dx)*4*ms), int(ey+float64(dy)*4*ms), int(3*ms))
			if a == nil {
				continue
			}
			dup := false
			for _, b := range append(out, more...) {
				dup = dup || gozxing.ResultPoint_Distance(a, b) < ms
			}
			if !dup {
				more = append(more, a)
			}
		}
	}
	dist := func(a *detector.AlignmentPattern) float64 { return math.Hypot(a.GetX()-ex, a.GetY()-ey) }
	sort.Slice(more, func(i, j int) bool { return dist(more[i]) < dist(more[j]) })
	out = append(out, more...)
	return out[:min(len(out), maxAligns)]
}

// luminance is gozxing.NewLuminanceSourceFromImage (luminance
// (R+2G+B)/4, transparency over white) without an At call per pixel for
// the image types renders, screenshots and photos decode to.
func luminance(img image.Image) gozxing.LuminanceSource {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	lum := make([]byte, w*h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(lum[y*w:(y+1)*w], m.Pix[y*m.Stride:])
		}
	case *image.YCbCr: // a JPEG photo: Y is the luminance
		for y := 0; y < h; y++ {
			copy(lum[y*w:(y+1)*w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			lut[i] = lum8(color.NRGBAModel.Convert(c).(color.NRGBA))
		}
		for y := 0; y < h; y++ {
			for x, p := range m.Pix[y*m.Stride : y*m.Stride+w] {
				lum[y*w+x] = lut[p]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				lum[y*w+x] = lum8(color.NRGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]})
			}
		}
	default:
		return gozxing.NewLuminanceSourceFromImage(img)
	}
	src, err := gozxing.NewPlanarYUVLuminanceSource(lum, w, h, 0, 0, w, h, false)
	if err != nil { // cannot happen: the crop is the whole image
		return gozxing.NewLuminanceSourceFromImage(img)
	}
	return src
}

// lum8 is the luminance of c over white.
func lum8(c color.NRGBA) byte {
	l := (uint32(c.R) + 2*uint32(c.G) + uint32(c.B)) / 4
	return byte((l*uint32(c.A) + 255*(255-uint32(c.A))) / 255)
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
