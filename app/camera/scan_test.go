package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// The phone cycles a 3-part token twice before the camera, with screens
// between codes, motion blur and frames too small to read among them:
// every part is reported exactly once, and what is reported assembles to
// the token.
func TestScanCyclingPhone(t *testing.T) {
	t.Parallel()
	f := phoneFilm(t)
	token, parts, shots, frames := f.token, f.parts, f.shots, f.frames

	var texts []string
	var previews int
	var last Stats
	err := Scan(t.Context(), Images(frames, false),
		Options{PreviewEvery: -1, Progress: ProgressFunc(func(s Stats) { last = s })},
		func(text string) { texts = append(texts, text) },
		func(image.Image) { previews++ })
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	for i, p := range parts {
		if n := count(texts, p); n != 1 {
			t.Errorf("part %d reported %d times", i+1, n)
		}
	}
	if len(texts) != len(parts) {
		t.Errorf("%d texts reported, want %d", len(texts), len(parts))
	}
	a := qrtext.NewAssembler(qrtext.Limits{})
	for _, text := range texts {
		if _, err := a.Add(text); err != nil {
			t.Fatalf("Assembler.Add: %v", err)
		}
	}
	if got, err := a.Token(); err != nil || got != token {
		t.Fatalf("assembled token: %v (equal: %v)", err, got == token)
	}
	want := Stats{Frames: len(frames), Found: len(parts), Done: true, Decoded: last.Decoded}
	if last != want {
		t.Errorf("last stats %+v, want %+v", last, want)
	}
	sharp := 0
	for _, s := range shots {
		if s.part >= 0 && !s.moving {
			sharp++
		}
	}
	if last.Decoded < len(parts) || last.Decoded > sharp+len(parts)*2 {
		t.Errorf("%d frames decoded of %d sharp ones", last.Decoded, sharp)
	}
	t.Logf("%d of %d frames decoded (%d sharp)", last.Decoded, len(frames), sharp)
	if previews != len(frames) {
		t.Errorf("%d previews, want one per frame (%d)", previews, len(frames))
	}
}

func count(texts []string, s string) (n int) {
	for _, t := range texts {
		if t == s {
			n++
		}
	}
	return n
}

// Cancelling the context stops the scan, whether it is decoding or
// waiting for a frame, with ctx's error.
func TestScanStopsOnCancel(t *testing.T) {
	t.Parallel()
	frames := phoneFilm(t).frames

	t.Run("decoding", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var found int
		var last Stats
		err := Scan(ctx, Images(frames, true), Options{Progress: ProgressFunc(func(s Stats) { last = s })},
			func(string) { found++; cancel() }, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Scan: %v, want context.Canceled", err)
		}
		if found != 1 || !last.Done || !errors.Is(last.Err, context.Canceled) {
			t.Errorf("found %d, last stats %+v", found, last)
		}
	})

	t.Run("waiting", func(t *testing.T) {
		// A camera that gives one frame and then none (a stalled one).
		stalled := make(chan struct{})
		n := 0
		src := Live(func() (image.Image, error) {
			if n++; n == 1 {
				return frames[0], nil
			}
			<-stalled
			return nil, io.EOF
		}, func() error { close(stalled); return nil })
		defer src.Close()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var last Stats
		err := Scan(ctx, src, Options{Progress: ProgressFunc(func(s Stats) {
			if last = s; s.Frames == 1 && !s.Done {
				cancel() // the scan now waits for the next frame
			}
		})}, nil, nil)
		if !errors.Is(err, context.Canceled) || !last.Done || last.Frames != 1 {
			t.Fatalf("Scan: %v, last stats %+v", err, last)
		}
		// The source lives on: closing it ends the wait of its reader.
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := src.Next(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("Next after Close: %v", err)
		}
	})
}

// The camera unplugged mid-scan: the scan stops with the source's error
// (ErrDisconnected), after reporting the parts read before.
func TestScanStopsOnDisconnect(t *testing.T) {
	t.Parallel()
	f := phoneFilm(t)
	parts, frames := f.parts, f.frames[:10] // parts 1 and 2 once
	unplugged := fmt.Errorf("camera: reading Test Cam: %w: %w", ErrDisconnected, syscall.ENODEV)

	for _, c := range []struct {
		name string
		src  func() Source
	}{
		{"generator", func() Source {
			return Generator(func(i int) (image.Image, error) {
				if i < len(frames) {
					return frames[i], nil
				}
				return nil, unplugged
			})
		}},
		{"live", func() Source {
			i := 0
			taken := make(chan struct{}) // paces the camera to the scan, so no frame is dropped
			stop := make(chan struct{})
			src := Live(func() (image.Image, error) {
				if i > 0 {
					select {
					case <-taken:
					case <-stop:
						return nil, io.EOF
					}
				}
				if i++; i <= len(frames) {
					return frames[i-1], nil
				}
				return nil, unplugged
			}, func() error { close(stop); return nil })
			return pacedLive{src, taken}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var texts []string
			var last Stats
			src := c.src()
			defer src.Close()
			err := Scan(t.Context(), src, Options{Progress: ProgressFunc(func(s Stats) { last = s })},
				func(text string) { texts = append(texts, text) }, nil)
			if !errors.Is(err, ErrDisconnected) || !errors.Is(err, syscall.ENODEV) {
				t.Fatalf("Scan: %v, want ErrDisconnected", err)
			}
			if !slices.Equal(texts, parts[:2]) {
				t.Errorf("reported %d texts, want parts 1 and 2", len(texts))
			}
			if !last.Done || last.Err != err || last.Frames != len(frames) {
				t.Errorf("last stats %+v", last)
			}
			if _, err := src.Next(t.Context()); !errors.Is(err, ErrDisconnected) {
				t.Errorf("Next after the camera went: %v", err)
			}
		})
	}
}

// pacedLive lets its camera read the next frame once the scan has taken
// one: a camera exactly as fast as the scan.
type pacedLive struct {
	*LiveSource
	taken chan struct{}
}

func (p pacedLive) Next(ctx context.Context) (image.Image, error) {
	img, err := p.LiveSource.Next(ctx)
	if err == nil {
		p.taken <- struct{}{}
	}
	return img, err
}

// A consumer slower than the camera does not make frames queue: while
// the scan is held up, the camera delivers 100 frames, all but one are
// dropped, and the next frame the scan takes is the newest.
func TestSlowConsumerDoesNotQueue(t *testing.T) {
	t.Parallel()
	film := phoneFilm(t)
	parts := film.parts
	var qr image.Image // a frame that reads
	for _, f := range film.frames {
		if text, err := qrtext.ReadImage(f); err == nil && text == parts[0] {
			qr = f
			break
		}
	}
	if qr == nil {
		t.Fatal("no frame of part 1 reads")
	}

	type numbered struct {
		image.Image
		n int64
	}
	const held = 100
	var made, holdAt atomic.Int64 // frames the camera began; made when the hold began
	var once sync.Once
	heldLongEnough := make(chan struct{})
	stop := make(chan struct{})
	src := Live(func() (image.Image, error) {
		select {
		case <-stop:
			return nil, io.EOF
		default:
		}
		n := made.Add(1) // frames up to n-1 are in the source already
		if h := holdAt.Load(); h != 0 && n-1 >= h+held {
			once.Do(func() { close(heldLongEnough) })
		}
		return numbered{qr, n}, nil
	}, func() error { close(stop); return nil })
	defer src.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var frames []int64
	var hold int64
	var last Stats
	err := Scan(ctx, src, Options{PreviewEvery: -1, Progress: ProgressFunc(func(s Stats) { last = s })},
		func(string) {
			// The first frame read: hold the scan up until the camera
			// has delivered `held` more.
			hold = made.Load()
			holdAt.Store(hold)
			<-heldLongEnough
		},
		func(img image.Image) {
			if frames = append(frames, img.(numbered).n); len(frames) == 2 {
				cancel()
			}
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Scan: %v", err)
	}
	if len(frames) != 2 {
		t.Fatalf("frames taken: %v", frames)
	}
	if frames[1] < hold+held {
		t.Errorf("after the hold the scan took frame %d, want the newest, %d or later", frames[1], hold+held)
	}
	if last.Skipped < held-1 {
		t.Errorf("%d frames skipped, want at least %d", last.Skipped, held-1)
	}
	if last.Frames != 2 || last.Found != 1 {
		t.Errorf("last stats %+v", last)
	}
	t.Logf("frames taken %v; %d made, %d skipped", frames, made.Load(), last.Skipped)
}
