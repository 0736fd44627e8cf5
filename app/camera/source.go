package camera

import (
	"context"
	"errors"
	"image"
	"io"
	"sync"
)

// Source is a stream of frames from a camera (or a recording, or a test).
//
// Next blocks until the next frame and returns it. The frame belongs to
// the caller: the source never writes to it again, so it may be shown in a
// preview while the next one is read. A live source (a camera) keeps only
// the newest frame: frames that arrive while the caller is busy replace
// the one waiting, so a caller slower than the camera skips frames and
// nothing queues (see Live).
//
// Next returns, besides a frame:
//
//   - ctx.Err() when ctx is done first; the source stays usable.
//   - An error wrapping ErrDisconnected when the camera went away or
//     stopped sending pictures; the source is dead: Close it, and Open
//     the camera again to go on.
//   - ErrClosed once Close was called, also to a Next that was waiting.
//   - io.EOF when a finite source (a recording, a list of test frames)
//     has no more frames.
//
// Next is called from one goroutine at a time. Close may be called from
// any goroutine, while Next waits, and more than once; it releases the
// camera before it returns, so the camera can be opened again at once.
type Source interface {
	Next(ctx context.Context) (image.Image, error)
	Close() error
}

// Sentinels of Source, Open and Devices. Errors wrap them with what was
// being done and the cause; match them with errors.Is.
var (
	// ErrNoCamera: no camera is connected, or none with the id asked for.
	// This build's lack of camera support (ErrUnsupported) matches it too.
	ErrNoCamera = errors.New("no camera found")
	// ErrUnsupported: this program was built without camera support (a
	// platform other than Linux or Windows, a build without cgo, or the
	// ci build tag). Errors wrapping it wrap ErrNoCamera too.
	ErrUnsupported = errors.New("this build has no camera support")
	// ErrBusy: another program (a video call, another window of this
	// one) is using the camera.
	ErrBusy = errors.New("the camera is in use by another program")
	// ErrNoPermission: the system refused access to the camera (on Linux:
	// the user is not in the video group; on Windows: the privacy
	// setting for camera access is off).
	ErrNoPermission = errors.New("no permission to use the camera")
	// ErrDisconnected: the camera was unplugged or stopped sending
	// pictures while it was in use.
	ErrDisconnected = errors.New("the camera was disconnected")
	// ErrClosed: the source was closed.
	ErrClosed = errors.New("camera closed")
)

// Device is one camera the system has.
type Device struct {
	// ID names the camera for Open, and stays the same across restarts
	// while the camera stays on the same port (on Linux a
	// /dev/v4l/by-id or by-path name when the system has one, on
	// Windows the camera's name).
	ID string
	// Name is what to show the official: the camera's own name when it
	// tells one, else ID.
	Name string
}

// Generator returns a source whose frame i (from 0) is gen(i). When gen
// returns an error, Next returns it (io.EOF ends the source cleanly). It
// is paced by the caller: each Next makes one frame, none are skipped.
// It is for tests and demonstrations.
func Generator(gen func(i int) (image.Image, error)) Source {
	return &generator{gen: gen}
}

// Images plays frames in order, then returns io.EOF, or, with loop, starts
// again from the first.
func Images(frames []image.Image, loop bool) Source {
	return Generator(func(i int) (image.Image, error) {
		if len(frames) == 0 || (!loop && i >= len(frames)) {
			return nil, io.EOF
		}
		return frames[i%len(frames)], nil
	})
}

type generator struct {
	mu     sync.Mutex
	gen    func(int) (image.Image, error)
	i      int
	closed bool
	err    error // the error gen returned; every later Next returns it
}

func (g *generator) Next(ctx context.Context) (image.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, ErrClosed
	}
	if g.err != nil {
		return nil, g.err
	}
	img, err := g.gen(g.i)
	if err != nil {
		g.err = err
		return nil, err
	}
	g.i++
	return img, nil
}

func (g *generator) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	return nil
}

// Live makes a live Source of a camera's blocking read: a goroutine calls
// read again and again from the start and keeps the newest frame for
// Next, so frames the caller is too slow to take are dropped (Dropped
// counts them), never queued. The frames read returns must be the
// caller's (not buffers the camera reuses).
//
// When read fails, Next returns its error (after the frame waiting, if
// any) and read is not called again. Close calls stop, which must make a
// waiting read return, waits for the goroutine to end and returns stop's
// error; read's errors after that are not reported.
func Live(read func() (image.Image, error), stop func() error) *LiveSource {
	l := &LiveSource{
		ready: make(chan struct{}, 1),
		done:  make(chan struct{}),
		quit:  make(chan struct{}),
		stop:  stop,
	}
	go l.run(read)
	return l
}

// LiveSource is the Source Live returns.
type LiveSource struct {
	ready chan struct{} // holds a token while frame or err is set
	done  chan struct{} // closed when run returns
	quit  chan struct{} // closed by Close
	stop  func() error

	mu      sync.Mutex
	frame   image.Image // the newest frame not taken yet
	err     error       // read's error, once it failed
	dropped int

	closeOnce sync.Once
	stopErr   error
}

var _ Source = (*LiveSource)(nil)

func (l *LiveSource) run(read func() (image.Image, error)) {
	defer close(l.done)
	for {
		img, err := read()
		select {
		case <-l.quit:
			return
		default:
		}
		l.mu.Lock()
		if err != nil {
			l.err = err
		} else {
			if l.frame != nil {
				l.dropped++
			}
			l.frame = img
		}
		l.mu.Unlock()
		select {
		case l.ready <- struct{}{}:
		default: // a token is there already
		}
		if err != nil {
			return
		}
	}
}

// Next returns the newest frame not returned yet, waiting for one.
func (l *LiveSource) Next(ctx context.Context) (image.Image, error) {
	for {
		select {
		case <-l.quit:
			return nil, ErrClosed
		default:
		}
		l.mu.Lock()
		img, err := l.frame, l.err
		l.frame = nil
		l.mu.Unlock()
		if img != nil {
			return img, nil
		}
		if err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.quit:
			return nil, ErrClosed
		case <-l.ready:
		}
	}
}

// Dropped is how many frames were dropped because the caller had not
// taken the previous one yet.
func (l *LiveSource) Dropped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Close stops reading and waits until read has returned.
func (l *LiveSource) Close() error {
	l.closeOnce.Do(func() {
		close(l.quit)
		if l.stop != nil {
			l.stopErr = l.stop()
		}
		<-l.done
	})
	return l.stopErr
}
