package app_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/assets"
)

// The counter's scan field takes a scanner's keystrokes: it says how many
// characters have arrived (not the 2 395 digits), hands the whole text to
// OnSubmitted at Enter and starts again empty; Backspace takes back a
// character, Escape empties it, a paste adds the clipboard's text, a tap
// gives it the keyboard; a Vietnamese letter an input method typed is
// passed on as it came, for the counter to explain.
func TestScanField(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	w := a.NewWindow("scan")
	defer w.Close()
	s := views.NewScanField("Quét mã QR rồi nhấn Enter")
	var got []string
	s.OnSubmitted = func(text string) { got = append(got, text) }
	w.SetContent(container.NewVBox(s))
	w.Resize(fyne.NewSize(360, 200))

	if s.Status() != "Quét mã QR rồi nhấn Enter" || !screenHas(t, w, "Quét mã QR") {
		t.Errorf("empty field says %q", s.Status())
	}
	test.Tap(s)
	if w.Canvas().Focused() != s {
		t.Fatal("a tap does not give the field the keyboard")
	}
	part := "6" + strings.Repeat("0123456789", 239) + "4" // 2 392 digits
	test.Type(s, part)
	if s.Text() != part || !strings.Contains(s.Status(), "2392 ký tự") || !screenHas(t, w, "Đang nhận mã: 2392 ký tự") {
		t.Errorf("after a part: %d characters held, status %q", len(s.Text()), s.Status())
	}
	if screenHas(t, w, "0123456789") {
		t.Error("the field shows the digits")
	}
	s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(got) != 1 || got[0] != part || s.Text() != "" || s.Status() != "Quét mã QR rồi nhấn Enter" {
		t.Fatalf("Enter: submitted %d texts, field holds %q", len(got), s.Text())
	}

	// Corrections by hand, a paste, and an input method's letters.
	test.Type(s, "12x")
	s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	a.Clipboard().SetContent("345")
	s.TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.Clipboard()})
	test.Type(s, "ư")
	s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
	if len(got) != 2 || got[1] != "12345ư" {
		t.Errorf("corrected, pasted and typed: %q", got)
	}
	test.Type(s, "999")
	s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace}) // on an empty field: nothing
	s.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(got) != 3 || got[2] != "" {
		t.Errorf("Escape then Enter: %q", got)
	}
	if s.AccessibilityLabel() != "Quét mã QR rồi nhấn Enter" {
		t.Errorf("accessibility label %q", s.AccessibilityLabel())
	}
}
