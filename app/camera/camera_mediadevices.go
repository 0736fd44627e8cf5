//go:build (linux || windows) && !android && cgo && !ci

package camera

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/driver/availability"
	mdcamera "github.com/pion/mediadevices/pkg/driver/camera" // registers the cameras (V4L2, DirectShow) at init
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"
)

// Supported reports whether this build can use cameras: it can, through
// V4L2 on Linux and DirectShow on Windows.
const Supported = true

// Preferred frame size: 720p gives a version-25 QR code filling a third
// of the frame about 3 pixels a module.
const wantWidth, wantHeight = 1280, 720

// discoverMu serialises mediadevices' registry refreshes.
var discoverMu sync.Mutex

// cameras returns the registered cameras, the system's default first
// (video0 on Linux), after looking for cameras plugged in since the last
// look when refresh is set.
func cameras(refresh bool) []driver.Driver {
	discoverMu.Lock()
	defer discoverMu.Unlock()
	if refresh {
		mdcamera.Initialize()
	}
	ds := driver.GetManager().Query(driver.FilterAnd(driver.FilterVideoRecorder(), driver.FilterDeviceType(driver.Camera)))
	slices.SortStableFunc(ds, func(a, b driver.Driver) int {
		if pa, pb := a.Info().Priority, b.Info().Priority; pa != pb {
			if pa > pb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Info().Label, b.Info().Label)
	})
	return ds
}

func device(d driver.Driver) Device {
	info := d.Info()
	name, _, _ := strings.Cut(info.Name, mdcamera.LabelSeparator)
	if name = strings.TrimSpace(name); name == "" {
		name = info.Label
	}
	return Device{ID: info.Label, Name: name}
}

// Devices lists the cameras connected now; none is not an error (Open
// then fails with ErrNoCamera). On Linux a camera can have more than one
// video node (one for pictures, one for metadata): each is listed, Open
// of a node without pictures fails.
func Devices() ([]Device, error) {
	var out []Device
	for _, d := range cameras(true) {
		out = append(out, device(d))
	}
	return out, nil
}

// Open opens the camera named id (a Device.ID; "" for the system's
// default, else the first that opens) and starts it, at the frame size
// nearest 1280 × 720 it offers. The source is live (see Live): the camera
// runs until Close.
func Open(id string) (Source, error) {
	ds := cameras(false)
	pick := func() []driver.Driver {
		if id == "" {
			return ds
		}
		return slices.DeleteFunc(slices.Clone(ds), func(d driver.Driver) bool { return d.Info().Label != id })
	}
	cands := pick()
	if len(cands) == 0 { // plugged in since the last look?
		ds = cameras(true)
		cands = pick()
	}
	if len(cands) == 0 {
		if id == "" {
			return nil, fmt.Errorf("camera: opening the default camera: %w", ErrNoCamera)
		}
		return nil, fmt.Errorf("camera: opening %q: %w", id, ErrNoCamera)
	}
	var errs []error
	for _, d := range cands {
		src, err := start(d)
		if err == nil {
			return src, nil
		}
		errs = append(errs, err)
	}
	// The most telling error: busy or refused before any other.
	for _, want := range []error{ErrBusy, ErrNoPermission} {
		for _, err := range errs {
			if errors.Is(err, want) {
				return nil, err
			}
		}
	}
	return nil, errs[0]
}

// start opens d, picks a frame format and starts streaming.
func start(d driver.Driver) (Source, error) {
	dev := device(d)
	if d.Status() != driver.StateClosed {
		return nil, fmt.Errorf("camera: opening %s: %w (already open in this program)", dev.Name, ErrBusy)
	}
	if ok, err := driver.IsAvailable(d); !ok && err != nil {
		switch {
		case errors.Is(err, availability.ErrBusy):
			return nil, fmt.Errorf("camera: opening %s: %w", dev.Name, ErrBusy)
		case errors.Is(err, availability.ErrNoDevice):
			return nil, fmt.Errorf("camera: opening %s: %w", dev.Name, ErrNoCamera)
		}
		// ErrUnimplemented (Windows) or another cause: Open tells.
	}
	if err := d.Open(); err != nil {
		return nil, fmt.Errorf("camera: opening %s: %w", dev.Name, classify(err, ErrNoCamera))
	}
	p, ok := choose(d.Properties())
	if !ok {
		_ = d.Close()
		return nil, fmt.Errorf("camera: opening %s: it offers no picture format this program reads: %w", dev.Name, ErrNoCamera)
	}
	r, err := d.(driver.VideoRecorder).VideoRecord(p) // closes d on failure
	if err != nil {
		return nil, fmt.Errorf("camera: starting %s at %d×%d %s: %w", dev.Name, p.Width, p.Height, p.FrameFormat, classify(err, ErrNoCamera))
	}
	read := func() (image.Image, error) {
		img, release, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, ErrClosed
			}
			return nil, fmt.Errorf("camera: reading %s: %w", dev.Name, classify(err, ErrDisconnected))
		}
		c := clone(img)
		release()
		return c, nil
	}
	return Live(read, d.Close), nil
}

// classify wraps err with the sentinel its system error means, or with
// otherwise.
func classify(err error, otherwise error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EBUSY:
			return fmt.Errorf("%w: %w", ErrBusy, err)
		case syscall.EACCES, syscall.EPERM:
			return fmt.Errorf("%w: %w", ErrNoPermission, err)
		case syscall.ENODEV, syscall.ENOENT, syscall.ENXIO:
			if otherwise == ErrDisconnected {
				return fmt.Errorf("%w: %w", ErrDisconnected, err)
			}
			return fmt.Errorf("%w: %w", ErrNoCamera, err)
		}
	}
	return fmt.Errorf("%w: %w", otherwise, err)
}

// readable are the frame formats chosen from, raw before compressed (no
// JPEG decoding per frame, no compression artefacts on the modules).
var readable = []frame.Format{frame.FormatYUYV, frame.FormatYUY2, frame.FormatUYVY, frame.FormatNV12, frame.FormatNV21, frame.FormatI420, frame.FormatMJPEG}

// choose picks the frame format: the size nearest wantWidth × wantHeight
// (by pixel count, up to a factor of 1.25 counted as the same), then 10
// frames a second or more, then raw before MJPEG, then the rate nearest 15.
func choose(props []prop.Media) (prop.Media, bool) {
	best, bestKey := prop.Media{}, []float64(nil)
	for _, p := range props {
		rank := slices.Index(readable, p.FrameFormat)
		if rank < 0 || p.Width <= 0 || p.Height <= 0 {
			continue
		}
		size := math.Round(math.Abs(math.Log(float64(p.Width*p.Height)/(wantWidth*wantHeight))) / math.Log(1.25))
		slow := 0.0
		if p.FrameRate > 0 && p.FrameRate < 10 {
			slow = 1
		}
		mjpeg := 0.0
		if p.FrameFormat == frame.FormatMJPEG {
			mjpeg = 1
		}
		key := []float64{size, slow, mjpeg, math.Abs(float64(p.FrameRate) - 15), float64(rank)}
		if bestKey == nil || slices.Compare(key, bestKey) < 0 {
			best, bestKey = p, key
		}
	}
	return best, bestKey != nil
}

// clone copies a frame out of the camera's buffers.
func clone(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.YCbCr:
		r := m.Rect
		c := image.NewYCbCr(r, m.SubsampleRatio)
		if r.Empty() {
			return c
		}
		cw := m.COffset(r.Max.X-1, r.Min.Y) - m.COffset(r.Min.X, r.Min.Y) + 1
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(c.Y[c.YOffset(r.Min.X, y):][:r.Dx()], m.Y[m.YOffset(r.Min.X, y):])
			// Rows of subsampled chroma are copied once per luma row: the
			// same row again where they are shared.
			copy(c.Cb[c.COffset(r.Min.X, y):][:cw], m.Cb[m.COffset(r.Min.X, y):])
			copy(c.Cr[c.COffset(r.Min.X, y):][:cw], m.Cr[m.COffset(r.Min.X, y):])
		}
		return c
	case *image.Gray:
		c := image.NewGray(m.Rect)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			copy(c.Pix[(y-m.Rect.Min.Y)*c.Stride:][:m.Rect.Dx()], m.Pix[m.PixOffset(m.Rect.Min.X, y):])
		}
		return c
	default:
		b := img.Bounds()
		c := image.NewRGBA(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c.Set(x, y, img.At(x, y))
			}
		}
		return c
	}
}
