package app_test

import (
	"fmt"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/wallet"
)

// scaled is the app's theme with every size multiplied, as FYNE_SCALE
// does on a device (the test driver ignores FYNE_SCALE).
type scaled struct {
	fyne.Theme
	by float32
}

func (s scaled) Size(n fyne.ThemeSizeName) float32 { return s.Theme.Size(n) * s.by }
func (s scaled) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return s.Theme.Color(n, v)
}

// Every main screen fits a 360- and a 390-point-wide phone at text scale
// 1.0, 1.3 and 1.5: nothing needs more width than the window has.
func TestLargeTextFits(t *testing.T) {
	d := newDemo(t)
	d.ready(t)
	ui, w := d.ui, d.w
	ui.ManualClock = true
	defer ui.Home()
	base := d.app.Settings().Theme()
	if base == nil {
		base = theme.DefaultTheme()
	}
	defer d.app.Settings().SetTheme(base)
	draft, err := w.Propose("health.insured_treatment")
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.Share(draft, "vn.dongnai.bvdk-dongnai", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := w.Records(wallet.DomainHealth)
	screens := []struct {
		name string
		show func()
	}{
		{"home", ui.Home},
		{"records", func() { ui.Domain(wallet.DomainHealth) }},
		{"record", func() { ui.Record(wallet.DomainHealth, recs[0].ID) }},
		{"share", func() {
			s := views.NewShare(w, ui.Home, func(*viewmodel.SharedQR) {})
			ui.Window.SetContent(views.Readable(s.Root))
			s.Procedure.SetSelected("Khám chữa bệnh bảo hiểm y tế")
		}},
		{"qr", func() { ui.ShowQR(q) }},
		{"history", ui.History},
		{"settings", ui.Settings},
	}
	for _, size := range []fyne.Size{{Width: 360, Height: 740}, {Width: 390, Height: 844}} {
		for _, by := range []float32{1, 1.3, 1.5} {
			d.app.Settings().SetTheme(scaled{base, by})
			ui.Window.Resize(size)
			for _, s := range screens {
				s.show()
				c := ui.Window.Content()
				c.Refresh()
				if need := c.MinSize().Width; need > size.Width+0.5 {
					t.Errorf("%s at %.0f×%.0f, text ×%.1f: needs %.0f points of width", s.name, size.Width, size.Height, by, need)
				}
				// make screenshots keeps the phone at large text too.
				if dir := os.Getenv("CW_SCREENSHOTS"); dir != "" && size.Width == 390 && by == 1.5 {
					f, err := os.Create(filepath.Join(dir, fmt.Sprintf("large-text-%s-phone.png", s.name)))
					if err != nil {
						t.Fatal(err)
					}
					if err := png.Encode(f, ui.Window.Canvas().Capture()); err != nil {
						t.Fatal(err)
					}
					f.Close()
				}
			}
		}
	}
}
