package camera

import (
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

func TestImages(t *testing.T) {
	t.Parallel()
	a, b := image.NewGray(image.Rect(0, 0, 1, 1)), image.NewGray(image.Rect(0, 0, 2, 2))
	ctx := t.Context()
	src := Images([]image.Image{a, b}, false)
	for i, want := range []image.Image{a, b} {
		if got, err := src.Next(ctx); err != nil || got != want {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if _, err := src.Next(ctx); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	if _, err := src.Next(ctx); err != io.EOF {
		t.Fatalf("again: %v, want io.EOF", err)
	}

	loop := Images([]image.Image{a, b}, true)
	for i, want := range []image.Image{a, b, a, b, a} {
		if got, err := loop.Next(ctx); err != nil || got != want {
			t.Fatalf("looped frame %d: %v", i, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := loop.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a cancelled context: %v", err)
	}
	if got, err := loop.Next(ctx); err != nil || got != b {
		t.Errorf("after a cancelled Next the source goes on: %v", err)
	}
	if err := loop.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := loop.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	if _, err := Images(nil, true).Next(ctx); err != io.EOF {
		t.Errorf("no frames: %v", err)
	}
}

// Close of a live source while Next waits: Next returns ErrClosed, the
// camera's read has returned when Close returns, and Close may be called
// again.
func TestLiveClose(t *testing.T) {
	t.Parallel()
	unblock := make(chan struct{})
	var returned atomic.Bool
	src := Live(func() (image.Image, error) {
		<-unblock
		returned.Store(true)
		return nil, io.EOF
	}, func() error { close(unblock); return nil })
	waiting := make(chan error)
	go func() {
		_, err := src.Next(t.Context())
		waiting <- err
	}()
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if !returned.Load() {
		t.Error("Close returned before the camera's read did")
	}
	if err := <-waiting; !errors.Is(err, ErrClosed) {
		t.Errorf("the waiting Next: %v, want ErrClosed", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := src.Next(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// A live source whose camera fails gives the frame waiting, then the
// error, for good.
func TestLiveError(t *testing.T) {
	t.Parallel()
	frame := image.NewGray(image.Rect(0, 0, 4, 4))
	boom := errors.New("boom")
	n := 0
	src := Live(func() (image.Image, error) {
		if n++; n == 1 {
			return frame, nil
		}
		return nil, boom
	}, nil)
	defer src.Close()
	got, err := src.Next(t.Context())
	for err == nil && got == frame { // the frame may or may not still be there
		got, err = src.Next(t.Context())
	}
	if !errors.Is(err, boom) {
		t.Fatalf("Next: %v, want the camera's error", err)
	}
	if _, err := src.Next(t.Context()); !errors.Is(err, boom) {
		t.Errorf("Next again: %v", err)
	}
}

// The scanner reports a text once while it is among the Remember texts
// seen last, and again once forgotten.
func TestScannerRemembers(t *testing.T) {
	t.Parallel()
	s := NewScanner(Options{Remember: 3})
	var got []bool
	for _, text := range []string{"a", "a", "b", "a", "c", "b", "a", "d", "e", "a", "b"} {
		got = append(got, s.fresh(text))
	}
	// a a b a c b a d e a b: after d, e the least recently seen of
	// {a, c, b} are gone (c, then b); a was seen again just before.
	want := []bool{true, false, true, false, true, false, false, true, true, false, true}
	if len(got) != len(want) {
		t.Fatal(got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fresh: %v, want %v", got, want)
		}
	}
	s.Forget()
	if !s.fresh("a") {
		t.Error("a text forgotten is not reported again")
	}
	if d := NewScanner(Options{}); d.opts.Remember != 2*16 || d.opts.MaxPixels != DefaultMaxPixels || d.opts.PreviewEvery != DefaultPreviewEvery {
		t.Errorf("defaults: %+v", d.opts)
	}
}

// luma keeps grey and YCbCr frames within the limit as they are, takes
// the luminance the decoder would of others, and averages large frames
// down to the limit.
func TestLuma(t *testing.T) {
	t.Parallel()
	rgba := image.NewRGBA(image.Rect(10, 20, 50, 40))
	nrgba := image.NewNRGBA(rgba.Rect)
	for y := rgba.Rect.Min.Y; y < rgba.Rect.Max.Y; y++ {
		for x := rgba.Rect.Min.X; x < rgba.Rect.Max.X; x++ {
			c := color.RGBA{uint8(x * 5), uint8(y * 3), uint8(x + y), 255}
			rgba.SetRGBA(x, y, c)
			nrgba.Set(x, y, c)
		}
	}
	a, b := luma(rgba, 1<<20).(*image.Gray), luma(nrgba, 1<<20).(*image.Gray)
	if a.Rect != image.Rect(0, 0, 40, 20) || string(a.Pix) != string(b.Pix) {
		t.Errorf("RGBA and NRGBA luminance differ: %v %v", a.Rect, b.Rect)
	}
	if want := uint8((15*5 + 2*23*3 + 15 + 23) / 4); a.GrayAt(5, 3).Y != want {
		t.Errorf("luminance at (15, 23): %d, want %d", a.GrayAt(5, 3).Y, want)
	}

	g := image.NewGray(image.Rect(0, 0, 640, 480))
	y := image.NewYCbCr(g.Rect, image.YCbCrSubsampleRatio420)
	if luma(g, DefaultMaxPixels) != image.Image(g) || luma(y, DefaultMaxPixels) != image.Image(y) {
		t.Error("a small grey or YCbCr frame was converted")
	}

	big := image.NewYCbCr(image.Rect(0, 0, 1920, 1080), image.YCbCrSubsampleRatio422)
	for i := range big.Y {
		big.Y[i] = uint8(i % 1920 / 2 % 2 * 200) // columns two wide: 0, 200, …
	}
	small := luma(big, 480*270).(*image.Gray)
	if small.Rect != image.Rect(0, 0, 480, 270) {
		t.Fatalf("shrunk to %v", small.Rect)
	}
	for _, v := range small.Pix { // each box of 4 × 4 covers two dark and two light columns
		if v != 100 {
			t.Fatalf("averaged to %d, want 100", v)
		}
	}
}

func TestPaced(t *testing.T) {
	t.Parallel()
	a := image.NewGray(image.Rect(0, 0, 1, 1))
	src := Paced(Images([]image.Image{a}, true), time.Hour)
	if got, err := src.Next(t.Context()); err != nil || got != a {
		t.Fatalf("first frame: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := src.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next waiting for its turn, cancelled: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	src = Paced(Images([]image.Image{a}, true), 0)
	src.Close()
	if _, err := src.Next(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// Demo shows each text in turn, framesPerPart frames each, round and
// round, as codes that read.
func TestDemo(t *testing.T) {
	t.Parallel()
	if _, err := Demo(nil, 3); err == nil {
		t.Error("a demonstration of nothing")
	}
	texts := []string{"CW1:1/2:0123ABCD:AAAA", "CW1:2/2:0123ABCD:BBBB"}
	src, err := Demo(texts, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i, want := range []int{0, 0, 1, 1, 0} {
		img, err := src.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != image.Rect(0, 0, 640, 480) {
			t.Fatalf("frame %v", img.Bounds())
		}
		if got, err := qrtext.ReadImage(img); err != nil || got != texts[want] {
			t.Errorf("frame %d: %q, %v; want %q", i, got, err, texts[want])
		}
	}
}
