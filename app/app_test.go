package app_test

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// labels returns the text of every label under o.
func labels(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *canvas.Text: // card titles, form labels
			out = append(out, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(v)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// objects returns every object under o, widgets' insides included.
func objects(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			out = append(out, objects(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			out = append(out, objects(c)...)
		}
	}
	return out
}

// find returns the first T on the window's screen that ok accepts.
func find[T fyne.CanvasObject](t *testing.T, w fyne.Window, ok func(T) bool) T {
	t.Helper()
	for _, o := range objects(w.Content()) {
		if v, is := o.(T); is && ok(v) {
			return v
		}
	}
	var zero T
	t.Fatalf("no %T like that on the screen: %q", zero, labels(w.Content()))
	return zero
}

// button finds the visible button labelled text.
func button(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	return find(t, w, func(b *widget.Button) bool { return b.Text == text && b.Visible() })
}

// dialogButton finds the button labelled text in the dialog on top.
func dialogButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog on screen")
	}
	for _, o := range objects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q in the dialog: %q", text, labels(top))
	return nil
}

func screenHas(t *testing.T, w fyne.Window, want string) bool {
	t.Helper()
	for _, l := range labels(w.Content()) {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

func TestCreateLockUnlockInVietnamese(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	dir := filepath.Join(t.TempDir(), "profile")
	ui := app.New(a, viewmodel.NewWallet(dir, badgerstore.Options{KDF: kdf.Test()}))
	defer ui.Wallet.Lock()

	if !screenHas(t, ui.Window, "Tạo hồ sơ của bạn") {
		t.Fatalf("first run does not show the create screen: %q", labels(ui.Window.Content()))
	}
	// Golden render: the Vietnamese labels with their diacritics, drawn
	// with the bundled font (open testdata/create.png to look at it).
	test.AssertImageMatches(t, "create.png", ui.Window.Canvas().Capture())
	form := find(t, ui.Window, func(*widget.Form) bool { return true })
	type field interface {
		fyne.Focusable
		SetText(string)
	}
	entries := make([]field, len(form.Items))
	for i, it := range form.Items {
		switch w := it.Widget.(type) {
		case *widget.Entry:
			entries[i] = w
		case *views.PINEntry:
			entries[i] = w
		case *fyne.Container: // the birth date and what it was read as
			entries[i] = w.Objects[0].(*widget.Entry)
		default:
			t.Fatalf("form item %d is a %T", i, w)
		}
	}
	create := button(t, ui.Window, "Tạo hồ sơ")

	// A mismatched PIN confirmation is refused with a clear message.
	test.Type(entries[0], "075090001234")
	test.Type(entries[1], "Nguyễn Thị Hồng Nhung")
	test.Type(entries[2], "15/08/1990")
	test.Type(entries[3], "246810")
	test.Type(entries[4], "246811")
	test.Tap(create)
	if !screenHas(t, ui.Window, "Hai mã PIN không giống nhau.") {
		t.Fatalf("mismatched PINs not reported: %q", labels(ui.Window.Content()))
	}
	if ui.Wallet.HasProfile() {
		t.Fatal("a profile was created despite the mismatched PIN")
	}

	entries[4].SetText("")
	test.Type(entries[4], "246810")
	test.Tap(create)
	if !screenHas(t, ui.Window, "Nguyễn Thị Hồng Nhung") || !screenHas(t, ui.Window, "Sức khỏe (0)") {
		t.Fatalf("home does not show the profile and domains: %q", labels(ui.Window.Content()))
	}
	test.AssertImageMatches(t, "home.png", ui.Window.Canvas().Capture())

	ui.Lock()
	if ui.Wallet.Unlocked() || !screenHas(t, ui.Window, "Nhập mã PIN để mở hồ sơ của bạn.") {
		t.Fatalf("lock does not return to the unlock screen: %q", labels(ui.Window.Content()))
	}
	pin := find(t, ui.Window, func(e *views.PINEntry) bool { return true })
	unlock := button(t, ui.Window, "Mở khóa")

	test.Type(pin, "000000")
	test.Tap(unlock)
	if ui.Wallet.Unlocked() || !screenHas(t, ui.Window, "Sai mã PIN. Còn 4 lần thử trước khi phải chờ.") {
		t.Fatalf("wrong PIN not reported: %q", labels(ui.Window.Content()))
	}
	test.Type(pin, "246810")
	test.Tap(unlock)
	if !ui.Wallet.Unlocked() || !screenHas(t, ui.Window, "Căn cước & cư trú (0)") {
		t.Fatalf("right PIN does not open home: %q", labels(ui.Window.Content()))
	}
}
