package app_test

import (
	"context"
	"image"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/camera"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// The counter reads a citizen's cycling QR codes from the camera: every
// part, whatever part the phone showed first, verifies; a missing camera
// and a camera unplugged mid-token say so plainly and keep the parts read.
func TestCounterCamera(t *testing.T) {
	d := newDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, CounterID: "cam",
		Dir: filepath.Join(t.TempDir(), "counter")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ui := app.NewCounter(d.app, c)
	v := ui.Screen
	// phone plays the parts as the citizen's screen cycles them, from
	// part `first`, each for a few frames, for `frames` frames in all; then
	// the source ends with err (io.EOF: the camera was stopped).
	phone := func(parts []string, first, frames int, end error) func() (camera.Source, error) {
		return func() (camera.Source, error) {
			rotated := append(append([]string{}, parts[first:]...), parts[:first]...)
			demo, err := camera.Demo(rotated, 3)
			if err != nil {
				return nil, err
			}
			return camera.Generator(func(i int) (image.Image, error) {
				if i >= frames {
					return nil, end
				}
				return demo.Next(context.Background())
			}), nil
		}
	}
	run := func() {
		t.Helper()
		test.Tap(v.Camera)
		if v.CameraDone == nil {
			t.Fatalf("the camera did not start: %q", v.Progress.Text)
		}
		<-v.CameraDone
	}

	q := shareTreatment(t, w, hospital, 15*time.Minute, false)
	v.OpenCamera = phone(q.Parts, len(q.Parts)-1, 3*len(q.Parts)+1, io.EOF)
	run()
	if v.Result == nil || !v.Result.Valid || v.Result.ConsentID != q.ConsentID {
		t.Fatalf("from the camera: %+v (%q)", v.Result, v.Progress.Text)
	}
	if v.Preview.Visible() || v.Camera.Text != "Máy ảnh" {
		t.Errorf("after the camera stopped: preview visible %v, button %q", v.Preview.Visible(), v.Camera.Text)
	}

	// No camera: a plain message, nothing started.
	v.CameraDone = nil
	v.OpenCamera = func() (camera.Source, error) { return nil, camera.ErrNoCamera }
	test.Tap(v.Camera)
	if v.CameraDone != nil || !strings.Contains(v.Progress.Text, "Không tìm thấy máy ảnh") {
		t.Errorf("without a camera: %q", v.Progress.Text)
	}

	// Unplugged after the first part: said, and the part read is kept so
	// the scanner (or the camera again) can finish the token.
	next := shareTreatment(t, w, hospital, 15*time.Minute, false)
	test.Tap(button(t, ui.Window, "Công dân mới"))
	v.OpenCamera = phone(next.Parts, 0, 3, camera.ErrDisconnected)
	run()
	if !strings.Contains(v.Progress.Text, "Máy ảnh đã bị ngắt") {
		t.Errorf("unplugged: %q", v.Progress.Text)
	}
	if have, total := c.Progress(); have != 1 || total != len(next.Parts) {
		t.Errorf("after the unplug: %d of %d parts kept", have, total)
	}
	for _, p := range next.Parts[1:] {
		v.Scan.SetText(p)
		v.Scan.OnSubmitted(p)
	}
	if v.Result == nil || !v.Result.Valid || v.Result.ConsentID != next.ConsentID {
		t.Fatalf("finished with the scanner: %+v", v.Result)
	}
}
