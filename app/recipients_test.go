package app_test

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
)

// The citizen picks the receiving office by name, among the offices of
// the kind the procedure goes to (from the signed trust list); a counter
// is titled with its office's name, never its id.
func TestRecipientsByProcedure(t *testing.T) {
	d := newDemo(t)
	d.ready(t)
	w, ui := d.w, d.ui
	defer w.Lock()
	s := views.NewShare(w, ui.Home, func(*viewmodel.SharedQR) {})
	ui.Window.SetContent(s.Root)
	for _, c := range []struct {
		procedure string
		all       func(string) bool
		has       string
	}{
		{"Đăng ký khai sinh", func(n string) bool { return strings.HasPrefix(n, "UBND ") }, "UBND phường Trấn Biên"},
		{"Đăng ký thường trú", func(n string) bool { return strings.HasPrefix(n, "Công an ") }, "Công an phường Trấn Biên"},
		{"Khám chữa bệnh bảo hiểm y tế", func(n string) bool {
			return strings.HasPrefix(n, "Bệnh viện") || strings.HasPrefix(n, "Trung tâm Y tế")
		}, "Bệnh viện Đa khoa Đồng Nai"},
	} {
		s.Procedure.SetSelected(c.procedure)
		opts := s.Agency.Options
		if len(opts) < 2 || !contains(opts, c.has) {
			t.Errorf("%s: offices offered %q; want %q among them", c.procedure, opts, c.has)
		}
		for _, n := range opts {
			if !c.all(n) || strings.Contains(n, "vn.") {
				t.Errorf("%s: offered %q", c.procedure, n)
			}
		}
		// Picking by name sets the token's audience.
		s.Agency.SetSelected(c.has)
		if !strings.HasPrefix(s.Recipient.Text, "vn.dongnai.") {
			t.Errorf("%s: picking %q gave the code %q", c.procedure, c.has, s.Recipient.Text)
		}
	}
	// Another procedure drops an office picked for the previous one.
	s.Procedure.SetSelected("Đăng ký khai sinh")
	if s.Agency.Selected != "" || s.Recipient.Text != "" {
		t.Errorf("a hospital stayed chosen for a birth registration: %q (%q)", s.Agency.Selected, s.Recipient.Text)
	}
	// The office code is behind a closed "Chi tiết": the citizen sees
	// names only; the commune helper opens it to type a code by hand.
	if s.Codes.Items[0].Title != "Chi tiết" || s.Codes.Items[0].Open || shown(s.Root, s.Recipient) {
		t.Fatalf("the office code is on show: %q open=%v", s.Codes.Items[0].Title, s.Codes.Items[0].Open)
	}
	for _, l := range visibleLabels(s.Root) {
		if strings.Contains(l, "Mã cơ quan") || strings.Contains(l, "vn.dongnai") {
			t.Errorf("closed details show %q", l)
		}
	}
	s.Codes.Open(0)
	if !shown(s.Root, s.Recipient) || !contains(visibleLabels(s.Root), "Mã cơ quan") {
		t.Fatal("opening Chi tiết does not show the office code")
	}
	// A code typed by hand stays.
	test.Type(s.Recipient, "vn.dongnai.some-office")
	s.Procedure.SetSelected("Khám chữa bệnh bảo hiểm y tế")
	if s.Recipient.Text != "vn.dongnai.some-office" {
		t.Errorf("a typed code was dropped: %q", s.Recipient.Text)
	}

	// The counter of a commune office shows its name.
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: "vn.dongnai.ubnd.tran-bien", Dir: filepath.Join(t.TempDir(), "counter")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.AgencyName(); got != "UBND phường Trấn Biên" {
		t.Errorf("counter title: %q", got)
	}
	unknown, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: "vn.dongnai.nosuch", Dir: filepath.Join(t.TempDir(), "counter2")})
	if err != nil {
		t.Fatal(err)
	}
	defer unknown.Close()
	if got := unknown.AgencyName(); strings.Contains(got, "vn.") || got == "" {
		t.Errorf("an office not in the directory is titled %q", got)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// shown reports whether target is under o with it and all its parents
// visible.
func shown(o, target fyne.CanvasObject) bool {
	if o == nil || !o.Visible() {
		return false
	}
	if o == target {
		return true
	}
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			if shown(c, target) {
				return true
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			if shown(c, target) {
				return true
			}
		}
	}
	return false
}

// visibleLabels is labels for what is on show: hidden parts left out.
func visibleLabels(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *canvas.Text:
			out = append(out, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}
