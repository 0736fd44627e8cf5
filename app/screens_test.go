package app_test

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/wallet"
)

// TestScreenshots renders every main screen at phone and desktop size
// into $CW_SCREENSHOTS (make screenshots writes docs/screens/). Without
// the variable it renders into a temporary directory and only checks
// that every screen was drawn.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("CW_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]fyne.Size{"phone": fyne.NewSize(390, 844), "desktop": fyne.NewSize(1280, 800)}
	if raceDetector && os.Getenv("CW_SCREENSHOTS") == "" {
		delete(sizes, "desktop") // the same screens, the same code: see race_test.go
	}
	for kind, size := range sizes {
		sd := newStatusDemo(t) // credentials with status: the counter says how fresh its check is
		d := sd.demoSetup
		w, ui := d.w, d.ui
		ui.AutoLock = 0
		shot := func(win fyne.Window, name string) {
			t.Helper()
			win.Resize(size)
			win.Content().Refresh()
			path := filepath.Join(dir, name+"-"+kind+".png")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			img := win.Canvas().Capture()
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if img.Bounds().Dx() < int(size.Width) {
				t.Errorf("%s: %v", path, img.Bounds())
			}
		}
		ui.Window.Resize(size)
		ui.Start()
		shot(ui.Window, "01-create")
		d.ready(t)
		ui.Home()
		shot(ui.Window, "02-home")
		ui.Domain(wallet.DomainHealth)
		shot(ui.Window, "03-records")
		recs, _ := w.Records(wallet.DomainIdentity)
		ui.Record(wallet.DomainIdentity, recs[0].ID)
		shot(ui.Window, "04-record")
		var shared *viewmodel.SharedQR
		s := views.NewShare(w, ui.Home, func(q *viewmodel.SharedQR) { shared = q })
		ui.Window.SetContent(views.Readable(s.Root))
		s.Procedure.SetSelected("Khám chữa bệnh bảo hiểm y tế")
		test.Type(s.Recipient, "vn.dongnai.bvdk-dongnai")
		shot(ui.Window, "05-share")
		test.Tap(s.Confirm)
		if shared == nil {
			t.Fatalf("share: %s", s.Error.Text)
		}
		q := views.NewQR(shared, ui.Home)
		ui.Window.SetContent(views.Readable(q.Root))
		shot(ui.Window, "06-qr")
		ui.History()
		shot(ui.Window, "07-history")
		ui.Settings()
		shot(ui.Window, "08-settings")
		ui.AddProfile()
		shot(ui.Window, "09-add-profile")
		ui.Home()

		if _, err := d.srv.PublishStatusLists(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: "vn.dongnai.bvdk-dongnai", Dir: filepath.Join(t.TempDir(), "c"),
			StatusTransport: sd.lists.Client().Transport})
		if err != nil {
			t.Fatal(err)
		}
		cu := app.NewCounter(d.app, c)
		for _, p := range shared.Parts {
			test.Type(cu.Screen.Scan, p)
			cu.Screen.Scan.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}
		shot(cu.Window, "10-counter-valid")
		for _, p := range shared.Parts {
			test.Type(cu.Screen.Scan, p)
			cu.Screen.Scan.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}
		shot(cu.Window, "11-counter-invalid")
		c.Close()
		w.Lock()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "[0-9]*.png")) // large-text-*: TestLargeTextFits
	if want := 11 * len(sizes); len(files) != want {
		t.Errorf("%d screenshots written, want %d", len(files), want)
	}
}
