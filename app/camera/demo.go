package camera

import (
	"context"
	"errors"
	"image"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// Demo returns a source that shows texts as a citizen's phone shows the
// parts of a token: each as a QR code on a 640 × 480 grey frame, in
// turn, framesPerPart frames each, round and round. Frames come as fast
// as they are taken; Paced gives them a camera's pace. It is for the
// counter's demonstration mode and for tests.
func Demo(texts []string, framesPerPart int) (Source, error) {
	if len(texts) == 0 {
		return nil, errors.New("camera: a demonstration needs a text to show")
	}
	framesPerPart = max(framesPerPart, 1)
	const w, h = 640, 480
	frames := make([]image.Image, len(texts))
	for i, text := range texts {
		var qr *image.Paletted
		var err error
		for px := 3; px >= 1; px-- { // the largest modules that fit
			if qr, err = qrtext.Render(text, 'M', px); err != nil {
				return nil, err
			}
			if qr.Rect.Dx() <= h || px == 1 {
				break
			}
		}
		g := image.NewGray(image.Rect(0, 0, w, h))
		for j := range g.Pix {
			g.Pix[j] = 160
		}
		x0, y0 := (w-qr.Rect.Dx())/2, (h-qr.Rect.Dy())/2
		for y := 0; y < qr.Rect.Dy(); y++ {
			for x := 0; x < qr.Rect.Dx(); x++ {
				if gx, gy := x0+x, y0+y; gx >= 0 && gy >= 0 && gx < w && gy < h {
					g.Pix[gy*w+gx] = 255 * (1 - qr.Pix[y*qr.Stride+x])
				}
			}
		}
		frames[i] = g
	}
	return Generator(func(i int) (image.Image, error) {
		return frames[i/framesPerPart%len(frames)], nil
	}), nil
}

// Paced returns src giving at most one frame every interval, as a camera
// does (a demonstration then takes no more processor than a camera).
// Closing it closes src.
func Paced(src Source, every time.Duration) Source {
	return &paced{src: src, every: every}
}

type paced struct {
	src   Source
	every time.Duration
	mu    sync.Mutex
	next  time.Time
}

func (p *paced) Next(ctx context.Context) (image.Image, error) {
	p.mu.Lock()
	wait := time.Until(p.next)
	p.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	img, err := p.src.Next(ctx)
	p.mu.Lock()
	p.next = time.Now().Add(p.every)
	p.mu.Unlock()
	return img, err
}

func (p *paced) Close() error { return p.src.Close() }
