package app_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// The citizen's QR screen cycles a multi-part token by itself, says so,
// and a tap on the code pauses it on the part shown (and resumes).
func TestQRCyclesAndPauses(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	w := a.NewWindow("qr")
	w.Resize(fyne.NewSize(390, 844))
	random := make([]byte, 2000) // incompressible: several parts
	rand.Read(random)
	parts, err := qrtext.Encode(base64.RawURLEncoding.EncodeToString(random), qrtext.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := len(parts)
	if n < 3 {
		t.Fatalf("%d parts; the test wants 3 or more", n)
	}
	now := time.Now()
	q := views.NewQR(&viewmodel.SharedQR{Parts: parts, Expires: now.Add(10 * time.Minute)}, func() {})
	w.SetContent(q.Root)
	if !strings.Contains(q.Cycling.Text, "tự chuyển sau mỗi 3 giây") || !strings.Contains(q.Cycling.Text, "Chạm vào mã để dừng") {
		t.Errorf("the screen does not say the codes change by themselves: %q", q.Cycling.Text)
	}
	read := func() string {
		text, err := qrtext.ReadImage(w.Canvas().Capture())
		if err != nil {
			t.Fatalf("reading code %d from the screen: %v", q.Index()+1, err)
		}
		return text
	}
	// n × 3 seconds show every part once, in order, each for 3 seconds.
	seen := map[string]bool{read(): true}
	for s := 1; s <= n*views.CycleEvery; s++ {
		before := q.Index()
		q.Step(now.Add(time.Duration(s) * time.Second))
		if moved := q.Index() != before; moved != (s%views.CycleEvery == 0) {
			t.Fatalf("second %d: part %d → %d", s, before+1, q.Index()+1)
		}
		seen[read()] = true
	}
	if len(seen) != n || q.Index() != 0 {
		t.Fatalf("after %d s: %d distinct parts of %d seen, showing part %d", n*views.CycleEvery, len(seen), n, q.Index()+1)
	}
	// A tap on the code stops it there, whatever time passes.
	test.Tap(q.Code)
	if !q.Paused() || !strings.Contains(q.Cycling.Text, "Đang dừng") {
		t.Fatalf("tap did not pause: %v %q", q.Paused(), q.Cycling.Text)
	}
	for s := 20; s <= 30; s++ {
		q.Step(now.Add(time.Duration(s) * time.Second))
	}
	if q.Index() != 0 || !strings.Contains(q.Countdown.Text, "9:30") {
		t.Fatalf("paused screen moved to part %d; countdown %q", q.Index()+1, q.Countdown.Text)
	}
	// Next code moves one part and stays paused.
	test.Tap(q.Next)
	q.Step(now.Add(31 * time.Second))
	q.Step(now.Add(32 * time.Second))
	q.Step(now.Add(33 * time.Second))
	if q.Index() != 1 || !q.Paused() {
		t.Fatalf("after Next code: part %d, paused %v", q.Index()+1, q.Paused())
	}
	// Another tap resumes.
	test.Tap(q.Code)
	for s := 34; s <= 36; s++ {
		q.Step(now.Add(time.Duration(s) * time.Second))
	}
	if q.Paused() || q.Index() != 2 {
		t.Fatalf("after resuming: part %d, paused %v", q.Index()+1, q.Paused())
	}
	// Expired: no code, no cycling text.
	q.Step(now.Add(11 * time.Minute))
	if q.Image.Visible() || q.Cycling.Visible() {
		t.Error("an expired token still shows its code")
	}
}
