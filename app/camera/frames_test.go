package camera

import (
	"encoding/base64"
	"image"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// Frames as a counter webcam sees a citizen's phone: the QR code on the
// phone's screen, the phone held a little turned in front of a cluttered
// desk, the picture a little soft and noisy. Everything is drawn from a
// fixed seed, so a frame that reads, reads on every run.

const frameW, frameH = 640, 480

// tokenParts makes a token-shaped text of about 4 KB of pseudo-random
// base64url segments (the data of a real token's DEFLATE stream is as
// random) and its QR texts: 3 parts of version 25 or less.
func tokenParts(t testing.TB) (token string, parts []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(2026, 12))
	seg := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	token = "eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9." + seg(2000) + "." + seg(64)
	for range 3 {
		token += "~" + seg(200)
	}
	token += "~"
	parts, err := qrtext.Encode(token, qrtext.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 {
		t.Fatalf("the test token has %d parts, want 3", len(parts))
	}
	return token, parts
}

// qrGray renders text at 4 pixels a module as grey levels.
func qrGray(t testing.TB, text string) *image.Gray {
	t.Helper()
	p, err := qrtext.Render(text, 'M', 4)
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(p.Bounds())
	for i, v := range p.Pix {
		g.Pix[i] = 255 * (1 - v) // palette: 0 white, 1 black
	}
	return g
}

// desk is a cluttered background: a light gradient with boxes and lines
// of other greys (papers, a keyboard, a pen holder).
func desk(rng *rand.Rand) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, frameW, frameH))
	for y := 0; y < frameH; y++ {
		for x := 0; x < frameW; x++ {
			g.Pix[y*frameW+x] = uint8(90 + 60*x/frameW + 40*y/frameH)
		}
	}
	for range 30 {
		x0, y0 := rng.IntN(frameW), rng.IntN(frameH)
		w, h := 10+rng.IntN(120), 4+rng.IntN(90)
		v := uint8(rng.IntN(256))
		for y := y0; y < min(y0+h, frameH); y++ {
			for x := x0; x < min(x0+w, frameW); x++ {
				g.Pix[y*frameW+x] = v
			}
		}
	}
	for range 20 { // lines of text on a paper
		x0, y0, w := rng.IntN(frameW), rng.IntN(frameH), 20+rng.IntN(200)
		for x := x0; x < min(x0+w, frameW); x++ {
			if rng.IntN(4) > 0 {
				g.Pix[y0*frameW+x] = 30
			}
		}
	}
	return g
}

// pose is where the phone is in a frame.
type pose struct {
	cx, cy float64 // the QR code's centre in the frame
	deg    float64 // turned by
	scale  float64 // frame pixels per pixel of the render (4 a module)
}

// phone draws qr (nil: a screen between two codes) on a phone screen over
// bg, at p: inverse mapping with bilinear sampling. The screen shows the
// code's black as 45 and white as 225 (a screen is no paper).
func phone(bg, qr *image.Gray, size int, p pose) *image.Gray {
	dst := image.NewGray(bg.Rect)
	copy(dst.Pix, bg.Pix)
	S := float64(size)
	sin, cos := math.Sincos(p.deg * math.Pi / 180)
	at := func(x, y int) float64 { return float64(qr.Pix[y*qr.Stride+x]) }
	for y := 0; y < frameH; y++ {
		for x := 0; x < frameW; x++ {
			// Frame → render coordinates, the render's centre at (cx, cy).
			dx, dy := (float64(x)+0.5-p.cx)/p.scale, (float64(y)+0.5-p.cy)/p.scale
			u, v := cos*dx+sin*dy+S/2, -sin*dx+cos*dy+S/2
			switch {
			case qr != nil && u >= 0.5 && v >= 0.5 && u < S-0.5 && v < S-0.5:
				u, v = u-0.5, v-0.5
				i, j := int(u), int(v)
				fx, fy := u-float64(i), v-float64(j)
				l := at(i, j)*(1-fx)*(1-fy) + at(i+1, j)*fx*(1-fy) + at(i, j+1)*(1-fx)*fy + at(i+1, j+1)*fx*fy
				dst.Pix[y*frameW+x] = uint8(45 + l*180/255 + 0.5)
			case u >= -0.06*S && u < 1.06*S && v >= -0.25*S && v < 1.3*S: // the screen
				dst.Pix[y*frameW+x] = 225
			case u >= -0.12*S && u < 1.12*S && v >= -0.38*S && v < 1.45*S: // the phone's body
				dst.Pix[y*frameW+x] = 25
			}
		}
	}
	return dst
}

// boxBlur averages each pixel over a (2rx+1) × (2ry+1) box (clipped at
// the edges): focus blur with rx = ry, motion blur with ry = 0. It runs a
// sliding sum along rows, then along columns.
func boxBlur(src *image.Gray, rx, ry int) *image.Gray {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	tmp := image.NewGray(src.Rect)
	pass := func(dst, src []uint8, n, step, r int) { // one line of n pixels step apart
		sum := 0
		for i := 0; i <= min(r, n-1); i++ {
			sum += int(src[i*step])
		}
		for i := 0; i < n; i++ {
			lo, hi := max(i-r, 0), min(i+r, n-1)
			cnt := hi - lo + 1
			dst[i*step] = uint8((sum + cnt/2) / cnt)
			if i-r >= 0 {
				sum -= int(src[(i-r)*step])
			}
			if i+r+1 < n {
				sum += int(src[(i+r+1)*step])
			}
		}
	}
	for y := 0; y < h; y++ {
		pass(tmp.Pix[y*tmp.Stride:], src.Pix[y*src.Stride:], w, 1, rx)
	}
	dst := image.NewGray(src.Rect)
	for x := 0; x < w; x++ {
		pass(dst.Pix[x:], tmp.Pix[x:], h, tmp.Stride, ry)
	}
	return dst
}

// addNoise adds uniform sensor noise of ±amp grey levels.
func addNoise(g *image.Gray, rng *rand.Rand, amp int) *image.Gray {
	for i, v := range g.Pix {
		g.Pix[i] = uint8(min(max(int(v)+rng.IntN(2*amp+1)-amp, 0), 255))
	}
	return g
}

// A shot is one frame of the film: which part the phone shows (-1: none)
// and whether the phone was moving.
type shot struct {
	part   int
	moving bool
}

// film is what the phone shows as the camera sees it: each part in turn,
// cycles times, with per part a frame of the screen changing (no code), a
// frame blurred by the hand's motion and sharp frames, each frame in its
// own slightly different pose.
func film(cycles, nparts, sharp int) []shot {
	var out []shot
	for range cycles {
		for p := range nparts {
			out = append(out, shot{-1, false}, shot{p, true})
			for range sharp {
				out = append(out, shot{p, false})
			}
		}
	}
	return out
}

// webcamFrames draws the shots of parts.
func webcamFrames(t testing.TB, parts []string, shots []shot) []image.Image {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 2026))
	bg := desk(rng)
	qrs := make([]*image.Gray, len(parts))
	size := 0
	for i, p := range parts {
		qrs[i] = qrGray(t, p)
		size = max(size, qrs[i].Rect.Dx())
	}
	frames := make([]image.Image, len(shots))
	for i, s := range shots {
		var qr *image.Gray
		qs := size
		if s.part >= 0 {
			qr, qs = qrs[s.part], qrs[s.part].Rect.Dx()
		}
		// The whole code in the frame at 2.2–2.7 pixels a module (about
		// one sharp frame in four then does not read), turned 2–6° either
		// way, a hand's jitter off the centre.
		p := pose{
			cx:    frameW/2 + rng.Float64()*40 - 20,
			cy:    frameH/2 + rng.Float64()*16 - 8,
			deg:   (2 + rng.Float64()*4) * float64(1-2*rng.IntN(2)),
			scale: (2.2 + rng.Float64()*0.5) / 4 * float64(size) / float64(qs),
		}
		g := phone(bg, qr, qs, p)
		if s.moving {
			g = boxBlur(g, 9, 0)
		} else {
			g = boxBlur(g, 1, 1)
		}
		frames[i] = addNoise(g, rng, 10)
	}
	return frames
}

// The film most tests use, drawn once: the 3 parts of tokenParts' token,
// twice round, 5 shots a part (a screen between codes, motion blur, 3
// sharp). Its first 10 frames are film(1, 2, 3): parts 1 and 2 once.
type testFilm struct {
	token  string
	parts  []string
	shots  []shot
	frames []image.Image
}

var (
	filmOnce sync.Once
	theFilm  testFilm
)

func phoneFilm(t testing.TB) testFilm {
	t.Helper()
	filmOnce.Do(func() {
		f := testFilm{shots: film(2, 3, 3)}
		f.token, f.parts = tokenParts(t)
		f.frames = webcamFrames(t, f.parts, f.shots)
		theFilm = f
	})
	if theFilm.frames == nil {
		t.Fatal("drawing the test film failed")
	}
	return theFilm
}
