package app_test

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/views"
)

// The lock policy of a citizen waiting in a queue: taps are use; a QR
// still valid is never locked away by the idle timer; after an unlock
// the app comes back to the screen it was on.
func TestQueueLockPolicy(t *testing.T) {
	d := newDemo(t)
	d.ready(t)
	ui, w := d.ui, d.w
	clock := time.Now()
	ui.Now = func() time.Time { return clock }
	ui.AutoLock = time.Minute
	ui.ManualClock = true // the QR screen's clock would tick on its own goroutine
	ui.Home()
	defer ui.Home() // stops the QR screen's clock

	// Taps that do not change the screen still count as use.
	ui.Share()
	test.Tap(button(t, ui.Window, "Quay lại"))
	ui.Share()
	sel := find(t, ui.Window, func(s *widget.Select) bool { return s.PlaceHolder == "Chọn thủ tục" })
	sel.SetSelected("Khám chữa bệnh bảo hiểm y tế")
	for range 3 {
		clock = clock.Add(50 * time.Second)
		check := find(t, ui.Window, func(c *widget.Check) bool { return !c.Disabled() && c.Checked })
		test.Tap(check) // off, then on again the next round
		test.Tap(check)
		ui.CheckIdle()
		if !w.Unlocked() {
			t.Fatal("locked though a check box was tapped 50 s ago")
		}
	}
	// Idle: locked; the unlock comes back to the same share screen.
	clock = clock.Add(61 * time.Second)
	ui.CheckIdle()
	if w.Unlocked() {
		t.Fatal("not locked after a minute without use")
	}
	unlock(t, d)
	if sel := find(t, ui.Window, func(s *widget.Select) bool { return s.PlaceHolder == "Chọn thủ tục" }); sel.Selected != "Khám chữa bệnh bảo hiểm y tế" {
		t.Fatalf("after the unlock the share screen lost its procedure: %q", sel.Selected)
	}

	// A QR valid for 15 minutes stays up for 15 minutes: tapped Next code
	// for two minutes, then left alone.
	draft, err := w.Propose("health.insured_treatment")
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.Share(draft, "vn.dongnai.bvdk-dongnai", 15*time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	ui.ShowQR(q)
	for s := 0; clock.Add(time.Minute).Before(q.Expires); s++ {
		clock = clock.Add(15 * time.Second)
		if s < 8 {
			test.Tap(button(t, ui.Window, "Mã tiếp theo"))
		}
		ui.CheckIdle()
		if !w.Unlocked() {
			t.Fatalf("the QR was locked away with %s of validity left", q.Expires.Sub(clock))
		}
		if !ui.ScreenKeptOn() {
			t.Fatalf("the phone may dim the QR with %s of validity left", q.Expires.Sub(clock))
		}
	}
	// Sent to the background (a phone): locked; the unlock shows the same
	// QR, still protected from the idle lock.
	ui.LockOnBackground = true
	d.app.Lifecycle().(interface{ OnExitedForeground() func() }).OnExitedForeground()()
	if w.Unlocked() || ui.ScreenKeptOn() {
		t.Fatalf("not locked in the background (screen kept on: %v)", ui.ScreenKeptOn())
	}
	unlock(t, d)
	if !screenHas(t, ui.Window, "Còn hiệu lực") || !ui.ScreenKeptOn() {
		t.Fatalf("after the unlock the QR is not back, kept on: %v: %q", ui.ScreenKeptOn(), labels(ui.Window.Content()))
	}
	clock = clock.Add(50 * time.Second)
	ui.CheckIdle()
	if !w.Unlocked() {
		t.Fatal("the QR shown again was locked away while valid")
	}
	// Expired, then a minute idle: locked, and the phone may dim again.
	clock = q.Expires.Add(time.Minute + time.Second)
	ui.CheckIdle()
	if w.Unlocked() || ui.ScreenKeptOn() {
		t.Fatalf("not locked a minute after the QR expired (screen kept on: %v)", ui.ScreenKeptOn())
	}
	// Leaving a valid QR for another screen lets the phone dim too.
	unlock(t, d)
	clock = time.Now()
	q2, err := w.Share(draft, "vn.dongnai.bvdk-dongnai", 15*time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	ui.ShowQR(q2)
	if !ui.ScreenKeptOn() {
		t.Fatal("a new QR does not keep the screen on")
	}
	ui.Home()
	if ui.ScreenKeptOn() {
		t.Fatal("home keeps the screen on")
	}
}

// unlock types the demo PIN into the unlock screen.
func unlock(t *testing.T, d demoSetup) {
	t.Helper()
	pin := find(t, d.ui.Window, func(e *views.PINEntry) bool { return true })
	test.Type(pin, "246810")
	pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !d.w.Unlocked() {
		t.Fatalf("the PIN did not unlock: %q", labels(d.ui.Window.Content()))
	}
	if strings.Contains(strings.Join(labels(d.ui.Window.Content()), " "), "Nhập mã PIN") {
		t.Fatal("still on the unlock screen")
	}
}
