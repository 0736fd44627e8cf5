//go:build (linux || windows) && !android && cgo && !ci

package camera

import (
	"errors"
	"fmt"
	"image"
	"io"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/driver/availability"
	mdcamera "github.com/pion/mediadevices/pkg/driver/camera"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// On a machine without a camera (CI, this project's build machines),
// listing finds none and opening fails with ErrNoCamera, not a hang or a
// crash. With a camera, opening the default one gives frames.
func TestRealCameraOrNone(t *testing.T) {
	devs, err := Devices()
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	t.Logf("cameras: %v", devs)
	src, err := Open("")
	if len(devs) == 0 {
		if !errors.Is(err, ErrNoCamera) {
			t.Fatalf("Open with no camera: %v, want ErrNoCamera", err)
		}
		t.Logf("Open: %v", err)
	} else if err != nil {
		t.Logf("Open of the default camera: %v", err) // busy, no permission, …
	} else {
		img, err := src.Next(t.Context())
		if err != nil {
			t.Errorf("first frame: %v", err)
		} else {
			t.Logf("first frame: %v", img.Bounds())
		}
		if err := src.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if _, err := Open("no such camera"); !errors.Is(err, ErrNoCamera) {
		t.Errorf("Open of an unknown id: %v, want ErrNoCamera", err)
	}
}

func TestChoose(t *testing.T) {
	m := func(w, h int, f frame.Format, fps float32) prop.Media {
		return prop.Media{Video: prop.Video{Width: w, Height: h, FrameFormat: f, FrameRate: fps}}
	}
	for _, c := range []struct {
		name  string
		props []prop.Media
		want  prop.Media
		ok    bool
	}{
		{"none", nil, prop.Media{}, false},
		{"only depth", []prop.Media{m(640, 480, frame.FormatZ16, 30)}, prop.Media{}, false},
		{"720p over VGA and 1080p",
			[]prop.Media{m(640, 480, frame.FormatYUYV, 30), m(1920, 1080, frame.FormatMJPEG, 30), m(1280, 720, frame.FormatMJPEG, 30)},
			m(1280, 720, frame.FormatMJPEG, 30), true},
		{"raw 720p at 10 fps over MJPEG",
			[]prop.Media{m(1280, 720, frame.FormatMJPEG, 30), m(1280, 720, frame.FormatYUYV, 10)},
			m(1280, 720, frame.FormatYUYV, 10), true},
		{"MJPEG at 30 over raw at 5",
			[]prop.Media{m(1280, 720, frame.FormatYUYV, 5), m(1280, 720, frame.FormatMJPEG, 30)},
			m(1280, 720, frame.FormatMJPEG, 30), true},
		{"15 fps over 60",
			[]prop.Media{m(1280, 720, frame.FormatMJPEG, 60), m(1280, 720, frame.FormatMJPEG, 15)},
			m(1280, 720, frame.FormatMJPEG, 15), true},
	} {
		got, ok := choose(c.props)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %v %v, want %v %v", c.name, got.Video, ok, c.want.Video, c.ok)
		}
	}
}

// fakeCam is a camera driver for mediadevices' registry, so Open's path
// through it (format choice, streaming, copying frames out of a buffer
// the driver reuses, errors) runs on a machine without a camera.
type fakeCam struct {
	openErr  error
	availErr error
	tick     chan struct{} // one frame per receive
	unplug   chan struct{} // closed: the next read fails with ENODEV
	stop     chan struct{}
	buf      *image.YCbCr
	n        int
	chosen   prop.Media
	closed   atomic.Int32
}

func (f *fakeCam) Open() error { return f.openErr }
func (f *fakeCam) Close() error {
	if f.closed.Add(1) == 1 {
		close(f.stop)
	}
	return nil
}
func (f *fakeCam) IsAvailable() (bool, error) { return f.availErr == nil, f.availErr }
func (f *fakeCam) Properties() []prop.Media {
	m := func(w, h int, ff frame.Format, fps float32) prop.Media {
		return prop.Media{Video: prop.Video{Width: w, Height: h, FrameFormat: ff, FrameRate: fps}}
	}
	return []prop.Media{m(64, 48, frame.FormatYUYV, 30), m(1280, 720, frame.FormatMJPEG, 30), m(1280, 720, frame.FormatZ16, 30)}
}
func (f *fakeCam) VideoRecord(p prop.Media) (video.Reader, error) {
	f.chosen = p
	f.buf = image.NewYCbCr(image.Rect(0, 0, p.Width, p.Height), image.YCbCrSubsampleRatio422)
	return video.ReaderFunc(func() (image.Image, func(), error) {
		select {
		case <-f.stop:
			return nil, func() {}, io.EOF
		case <-f.unplug:
			return nil, func() {}, fmt.Errorf("wait for frame: %w", syscall.ENODEV)
		case <-f.tick:
		}
		f.n++
		f.buf.Y[0], f.buf.Cb[0] = byte(f.n), byte(f.n) // the same buffer each time
		return f.buf, func() {}, nil
	}), nil
}

func registerFake(t *testing.T, label string, f *fakeCam) {
	t.Helper()
	f.stop, f.tick = make(chan struct{}), make(chan struct{})
	if f.unplug == nil {
		f.unplug = make(chan struct{})
	}
	m := driver.GetManager()
	if err := m.Register(f, driver.Info{Label: label, Name: "Fake Cam" + mdcamera.LabelSeparator + "usb-1", DeviceType: driver.Camera, Priority: driver.PriorityLow}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range m.Query(driver.FilterVideoRecorder()) {
			if d.Info().Label == label {
				m.Delete(d.ID())
			}
		}
	})
}

func TestOpenFakeCamera(t *testing.T) {
	f := &fakeCam{}
	registerFake(t, "fake-video0;video0", f)
	src, err := Open("fake-video0;video0")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer src.Close()
	if f.chosen.Width != 1280 || f.chosen.Height != 720 || f.chosen.FrameFormat != frame.FormatMJPEG {
		t.Errorf("chose %v", f.chosen.Video)
	}
	if _, err := Open("fake-video0;video0"); !errors.Is(err, ErrBusy) {
		t.Errorf("a second Open of the same camera: %v, want ErrBusy", err)
	}

	f.tick <- struct{}{}
	first, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.tick <- struct{}{}
	second, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	y1, y2 := first.(*image.YCbCr), second.(*image.YCbCr)
	if y1.Y[0] != 1 || y1.Cb[0] != 1 || y2.Y[0] != 2 || y1.Rect != image.Rect(0, 0, 1280, 720) {
		t.Errorf("frames not copied out of the driver's buffer: %d %d %d %v", y1.Y[0], y1.Cb[0], y2.Y[0], y1.Rect)
	}

	close(f.unplug)
	if _, err := src.Next(t.Context()); !errors.Is(err, ErrDisconnected) || !errors.Is(err, syscall.ENODEV) {
		t.Errorf("Next after unplugging: %v, want ErrDisconnected", err)
	} else {
		t.Logf("unplugged: %v", err)
	}
	if err := src.Close(); err != nil || f.closed.Load() != 1 {
		t.Errorf("Close: %v, driver closed %d times", err, f.closed.Load())
	}
	if _, err := src.Next(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

func TestOpenFakeCameraRefused(t *testing.T) {
	registerFake(t, "busy;video7", &fakeCam{availErr: availability.ErrBusy})
	registerFake(t, "denied;video8", &fakeCam{openErr: fmt.Errorf("open /dev/video8: %w", syscall.EACCES)})
	if _, err := Open("busy;video7"); !errors.Is(err, ErrBusy) {
		t.Errorf("busy camera: %v", err)
	}
	_, err := Open("denied;video8")
	if !errors.Is(err, ErrNoPermission) {
		t.Errorf("camera refused: %v", err)
	}
	t.Logf("refused: %v", err)
	devs, err := Devices() // looks again: the fakes are not real devices, so they go
	if err != nil || len(devs) != 0 {
		t.Errorf("Devices after a fresh look: %v %v", devs, err)
	}
}
