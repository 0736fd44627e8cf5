package app_test

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// deskClock is the counter's clock, moved on by the test (add) and
// brought up to real time whenever the wallet makes a token (catchUp):
// frozen at the start, it fell minutes behind a token made late in a slow
// run ("not yet valid").
type deskClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *deskClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *deskClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *deskClock) catchUp() {
	c.mu.Lock()
	if now := time.Now(); now.After(c.t) {
		c.t = now
	}
	c.mu.Unlock()
}

// The counter desk as an official uses it with a keyboard-wedge scanner:
// a scan after any button or with nothing focused lands in the scan
// field; a new person's first code hides the previous result at once; a
// result clears itself when the desk is idle; a code typed through a
// Vietnamese keyboard is a scan problem that keeps the codes read, and
// CapsLock is repaired; a consent revoked since the last refresh is
// refused once the refresh interval has passed, without pressing
// anything.
func TestCounterDesk(t *testing.T) {
	d := newDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	clk := &deskClock{t: time.Now()}
	share := func() *viewmodel.SharedQR {
		q := shareTreatment(t, w, hospital, 15*time.Minute, false)
		if len(q.Parts) < 2 {
			t.Fatalf("want a multi-part token, got %d", len(q.Parts))
		}
		clk.catchUp()
		return q
	}
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, CounterID: "q9",
		Dir: filepath.Join(t.TempDir(), "counter"), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ui := app.NewCounter(d.app, c)
	v := ui.Screen
	cv := ui.Window.Canvas()
	// scan types a part as a wedge scanner does, into whatever has the
	// focus (or the window when nothing has), then Enter.
	scan := func(part string) {
		t.Helper()
		test.TypeOnCanvas(cv, part)
		if f := cv.Focused(); f != nil {
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		} else {
			cv.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}
	}
	scanAll := func(q *viewmodel.SharedQR) {
		t.Helper()
		for _, p := range q.Parts {
			scan(p)
		}
	}

	q := share()
	scanAll(q)
	if v.Result == nil || !v.Result.Valid {
		t.Fatalf("first token: %+v", v.Result)
	}
	// Every button gives the focus back; with nothing focused the window
	// still takes the scan.
	for _, b := range []struct {
		name string
		tap  func()
	}{
		{"Copy", func() { test.Tap(v.Copy) }},
		{"Refresh", func() { test.Tap(button(t, ui.Window, "Làm mới")) }},
		{"Log and back", func() { test.Tap(v.LogButton); test.Tap(button(t, ui.Window, "Quay lại")) }},
	} {
		cv.Unfocus()
		b.tap()
		if cv.Focused() != v.Scan {
			t.Errorf("after %s the scan field has no focus", b.name)
		}
	}
	cv.Unfocus()
	next := share()
	scan(next.Parts[0])
	// One person at a time: the first code of the next token hides the
	// previous result and its copy actions at once.
	if v.Result != nil || v.Verdict.Text != "" || !v.Copy.Disabled() || !strings.Contains(v.Progress.Text, "Đã đọc 1 /") {
		t.Errorf("after the next person's first code: result %+v, verdict %q, copy disabled %v, progress %q", v.Result, v.Verdict.Text, v.Copy.Disabled(), v.Progress.Text)
	}
	// New tokens are digits only: what Unikey (Telex: AA → Â, W → Ư …)
	// and CapsLock do to letters cannot touch them.
	for _, p := range next.Parts {
		if strings.Trim(p, "0123456789") != "" {
			t.Fatalf("a new token's part is not digits only: %.40q…", p)
		}
	}
	telex := strings.NewReplacer("AA", "Â", "W", "Ư", "DD", "Đ", "OO", "Ô", "AS", "Á")
	for _, p := range next.Parts[1:] {
		scan(capsLock(telex.Replace(p)))
	}
	if v.Result == nil || !v.Result.Valid {
		t.Errorf("a numeric token typed with Unikey and CapsLock on: result %+v, progress %q", v.Result, v.Progress.Text)
	}
	// The counter still reads CW1 (base45) tokens, which those do
	// mangle. A token in CW1: a part typed through Telex is a scan
	// problem and the part read stays.
	next = share()
	token, err := qrtext.Decode(next.Parts, qrtext.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	old, err := qrtext.Encode(token, qrtext.Options{Format: qrtext.FormatAlphanumeric})
	if err != nil || len(old) < 3 {
		t.Fatalf("the token in CW1: %d parts, %v", len(old), err)
	}
	test.Tap(button(t, ui.Window, "Công dân mới"))
	scan(old[0])
	mangled := telex.Replace(old[1])
	if mangled == old[1] {
		mangled = old[1][:10] + "Ơ" + old[1][11:]
	}
	scan(mangled)
	if v.Result == nil || !v.Result.ScanProblem || !strings.Contains(v.Result.Reason, "Tắt bộ gõ tiếng Việt") || v.Verdict.Text != "QUÉT LẠI" ||
		!strings.Contains(v.Progress.Text, "Đã đọc 1 /") {
		t.Errorf("a Unikey-typed part: %+v, verdict %q, progress %q", v.Result, v.Verdict.Text, v.Progress.Text)
	}
	// CapsLock: every letter's case swapped; read anyway, with a hint.
	scan(capsLock(old[1]))
	if !strings.Contains(v.Progress.Text, "CapsLock") {
		t.Errorf("a CapsLock part: progress %q", v.Progress.Text)
	}
	next.Parts = old
	for _, p := range next.Parts[2:] {
		scan(p)
	}
	if v.Result == nil || !v.Result.Valid {
		t.Fatalf("the token after the scan problems: %+v", v.Result)
	}
	rows, _ := c.Log(10)
	scanErrors := 0
	for _, r := range rows {
		if r.ScanError {
			scanErrors++
		}
	}
	if scanErrors != 1 {
		t.Errorf("%d scan errors in the log; want the Unikey part (%+v)", scanErrors, rows)
	}
	// Idle: the result clears itself after 2 minutes.
	clk.add(time.Minute)
	v.Tick(c)
	if v.Result == nil {
		t.Error("the result cleared after a minute")
	}
	clk.add(time.Minute + time.Second)
	v.Tick(c)
	if v.Result != nil || v.Verdict.Text != "" {
		t.Errorf("the result is still shown after 2 idle minutes: %+v", v.Result)
	}

	// A consent revoked after the counter's last refresh: once the
	// refresh interval has passed, it is refused without pressing
	// anything.
	revoked := share()
	if err := w.Revoke(revoked.ConsentID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(nil); err != nil {
		t.Fatal(err)
	}
	clk.add(viewmodel.DefaultRefreshEvery)
	scanAll(revoked)
	if v.Result == nil || v.Result.Valid || !strings.Contains(v.Result.Reason, "thu hồi") {
		t.Errorf("a token revoked since the last refresh: %+v", v.Result)
	}
}

// The counter's image picker, in Vietnamese: the three parts of a share
// ticked at once verify; a PNG claiming 32 000 × 32 000 pixels is refused
// from its header (the process survives), a text file is named as
// unreadable, and the scan field has the focus afterwards.
func TestCounterOpenImages(t *testing.T) {
	d := newDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	q := shareTreatment(t, w, hospital, 15*time.Minute, false)
	dir := t.TempDir()
	for i, p := range q.Parts {
		img, _ := qrtext.Render(p, 'M', 4)
		f, _ := os.Create(filepath.Join(dir, fmt.Sprintf("ma-%d.png", i+1)))
		png.Encode(f, img)
		f.Close()
	}
	bomb, err := os.ReadFile("../crypto/qrtext/testdata/bomb-32000x32000.png")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "bom.png"), bomb, 0o600)
	os.WriteFile(filepath.Join(dir, "ghi-chu.jpg"), []byte("không phải ảnh"), 0o600)
	os.Mkdir(filepath.Join(dir, "khác"), 0o700)
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, Dir: filepath.Join(t.TempDir(), "counter")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ui := app.NewCounter(d.app, c)
	v := ui.Screen
	p := v.OpenImages(c, filepath.Join(dir, "khác"))
	if len(p.Checks) != 0 {
		t.Errorf("an empty folder lists %d images", len(p.Checks))
	}
	test.Tap(p.Up)
	if p.Dir != dir || len(p.Checks) != len(q.Parts)+2 {
		t.Fatalf("picker at %s: %d images", p.Dir, len(p.Checks))
	}
	if top := ui.Window.Canvas().Overlays().Top(); top == nil || !slices.Contains(labels(top), "Chọn các ảnh mã QR") {
		t.Errorf("the picker's title is not in Vietnamese: %v", labels(top))
	}
	for _, ch := range p.Checks {
		ch.SetChecked(true)
	}
	p.Confirm()
	if v.Result == nil || !v.Result.Valid {
		t.Errorf("the parts opened at once: %+v (%q)", v.Result, v.Progress.Text)
	}
	if !strings.Contains(v.Progress.Text, "bom.png: Ảnh quá lớn") || !strings.Contains(v.Progress.Text, "ghi-chu.jpg: Tệp này không phải ảnh") {
		t.Errorf("progress after the picker: %q", v.Progress.Text)
	}
	if ui.Window.Canvas().Focused() != v.Scan {
		t.Error("the scan field has no focus after the picker")
	}
}

// capsLock swaps the case of every ASCII letter, as CapsLock does to a
// wedge scanner's keystrokes.
func capsLock(s string) string {
	r := []rune(s)
	for i, c := range r {
		switch {
		case c >= 'A' && c <= 'Z':
			r[i] = c + 'a' - 'A'
		case c >= 'a' && c <= 'z':
			r[i] = c - 'a' + 'A'
		}
	}
	return string(r)
}
