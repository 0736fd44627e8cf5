package camera

import (
	"context"
	"errors"
	"image"
	"io"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// DefaultMaxPixels is the default Options.MaxPixels: a 1280 × 1024
// frame, so 720p, the size a counter webcam is best used at, is decoded
// at full size, and a 1080p frame is scaled by 0.83.
const DefaultMaxPixels = 1280 * 1024

// DefaultPreviewEvery is the default Options.PreviewEvery: 15 previews
// a second.
const DefaultPreviewEvery = time.Second / 15

// Options configure a Scanner. The zero value is ready to use.
type Options struct {
	// MaxPixels: larger frames are scaled down to about this many pixels
	// before decoding (default DefaultMaxPixels). Decoding time grows
	// with the pixels; too few make the modules of a big QR code too
	// small to read (a version-25 part needs about 2 pixels a module).
	MaxPixels int
	// PreviewEvery is the least time between two calls of the frame
	// callback (default DefaultPreviewEvery; negative: every frame).
	PreviewEvery time.Duration
	// Remember is how many distinct QR texts the scanner remembers to
	// report each only once (default twice qrtext.DefaultLimits.MaxParts,
	// so no part of one token is reported twice however long its parts
	// cycle; a text forgotten is reported again when seen again).
	Remember int
	// Progress, if set, is told how the scan goes after every frame and
	// once more when it stops.
	Progress Progress
}

func (o Options) withDefaults() Options {
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.PreviewEvery == 0 {
		o.PreviewEvery = DefaultPreviewEvery
	}
	if o.Remember <= 0 {
		o.Remember = 2 * qrtext.DefaultLimits.MaxParts
	}
	return o
}

// Stats is how a scan goes.
type Stats struct {
	Frames  int // frames taken from the source
	Decoded int // frames in which a QR code was read
	Found   int // distinct QR texts reported
	// Skipped is how many frames a live source dropped because decoding
	// was slower than the camera (0 for sources that do not count).
	Skipped int
	// Done is set in the last report, when the scan has stopped; Err is
	// then why (nil when a finite source ended; context.Canceled when the
	// scan was stopped; wrapping ErrDisconnected when the camera went
	// away).
	Done bool
	Err  error
}

// Progress receives a scan's Stats. The scanner calls it from its own
// goroutine after every frame, so an implementation must return quickly
// (the UI hands the numbers to data binding inside fyne.Do).
type Progress interface {
	ScanProgress(Stats)
}

// ProgressFunc adapts a function to Progress.
type ProgressFunc func(Stats)

// ScanProgress calls f(s).
func (f ProgressFunc) ScanProgress(s Stats) { f(s) }

// A Scanner decodes QR codes in a source's frames and reports each
// distinct text once, as a keyboard-wedge scanner would type it: the
// parts of a token its phone cycles through come out once each, in the
// order they are first read, however often they come round.
//
// A Scanner remembers the texts it reported across runs, so a camera
// opened again after it was unplugged does not report the parts read
// before once more; Forget clears that memory.
type Scanner struct {
	opts Options

	mu   sync.Mutex
	seen map[string]uint64 // text → when last seen, by a counter
	tick uint64
}

// NewScanner returns a Scanner with opts.
func NewScanner(opts Options) *Scanner {
	return &Scanner{opts: opts.withDefaults(), seen: make(map[string]uint64)}
}

// Scan runs a new Scanner with opts on src; see Scanner.Run.
func Scan(ctx context.Context, src Source, opts Options, onText func(string), onFrame func(image.Image)) error {
	return NewScanner(opts).Run(ctx, src, onText, onFrame)
}

// Run reads frames from src and decodes each until ctx is done or src
// fails, calling onText with each QR text not reported before and
// onFrame (if not nil; at most once every Options.PreviewEvery) with a
// frame for a preview. Both are called from Run's goroutine, so a slow
// callback slows the scan: a live source then skips frames (see Source),
// nothing queues. The frame handed to onFrame is the callback's to keep,
// not to change.
//
// Frames are read and decoded one at a time: the decoding of the frame
// before bounds the rate at which frames are taken (BenchmarkScanFrame).
//
// Run returns ctx.Err() when ctx is done, nil when a finite source ends
// (io.EOF), and src's error otherwise: ErrDisconnected when the camera
// was unplugged, ErrClosed when src was closed under it (a way to stop a
// scan as good as cancelling ctx). It does not close src.
func (s *Scanner) Run(ctx context.Context, src Source, onText func(string), onFrame func(image.Image)) error {
	var st Stats
	var lastPreview time.Time
	dropped, _ := src.(interface{ Dropped() int })
	skipped0 := 0
	if dropped != nil {
		skipped0 = dropped.Dropped()
	}
	report := func() {
		if dropped != nil {
			st.Skipped = dropped.Dropped() - skipped0
		}
		if s.opts.Progress != nil {
			s.opts.Progress.ScanProgress(st)
		}
	}
	for {
		img, err := src.Next(ctx)
		if err == nil && img == nil {
			err = errors.New("camera: the source gave no frame") // a broken Source
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			st.Done, st.Err = true, err
			report()
			return err
		}
		st.Frames++
		if onFrame != nil && (s.opts.PreviewEvery < 0 || time.Since(lastPreview) >= s.opts.PreviewEvery) {
			lastPreview = time.Now()
			onFrame(img)
		}
		if text, err := s.decode(img); err == nil {
			st.Decoded++
			if s.fresh(text) {
				st.Found++
				if onText != nil {
					onText(text)
				}
			}
		}
		if err := ctx.Err(); err != nil {
			st.Done, st.Err = true, err
			report()
			return err
		}
		report()
	}
}

// decode reads the QR code in img after scaling it down to at most
// MaxPixels (and to grey: the decoder uses only the luminance).
func (s *Scanner) decode(img image.Image) (string, error) {
	return qrtext.ReadImage(luma(img, s.opts.MaxPixels))
}

// fresh notes that text was seen now and reports whether it was not
// among the Remember texts seen last.
func (s *Scanner) fresh(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick++
	_, old := s.seen[text]
	s.seen[text] = s.tick
	if !old && len(s.seen) > s.opts.Remember {
		oldest, at := "", s.tick
		for t, when := range s.seen {
			if when < at {
				oldest, at = t, when
			}
		}
		delete(s.seen, oldest)
	}
	return !old
}

// Forget clears the memory of texts reported, so that each is reported
// again when next seen: for a "scan again" button, not after every token
// (the citizen's phone keeps showing its parts, and the counter would
// read a token it just took again). It may be called while Run runs.
func (s *Scanner) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.seen)
}
