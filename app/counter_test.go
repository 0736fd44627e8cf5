package app_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// The counter: a citizen shares (offline, then online); the counter reads
// the parts in any order from the scanner, shows VALID in large type with
// each field's agency, exports CSV; the same token again, a code for
// another office, and parts of two shares are refused with plain reasons;
// a QR from a photo works through "open image".
func TestCounterMode(t *testing.T) {
	d := newDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	share := func(to string, online bool) *viewmodel.SharedQR {
		dr, err := w.Propose("health.insured_treatment")
		if err != nil {
			t.Fatal(err)
		}
		q, err := w.Share(dr, to, 15*time.Minute, online)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	const hospital = "vn.dongnai.bvdk-dongnai"
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, CounterID: "q2", Dir: filepath.Join(t.TempDir(), "counter")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ui := app.NewCounter(d.app, c, hospital)
	v := ui.Screen
	if !strings.Contains(v.Status.Text, "Trực tuyến") {
		t.Errorf("status: %q", v.Status.Text)
	}
	feed := func(parts ...string) {
		for _, p := range parts {
			test.Type(v.Scan, p)
			v.Scan.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}
	}

	q := share(hospital, false)
	if len(q.Parts) < 2 {
		t.Fatalf("want a multi-part token, got %d", len(q.Parts))
	}
	// Any order: last part first.
	feed(q.Parts[len(q.Parts)-1])
	if v.Progress.Text != fmt.Sprintf("Đã đọc 1 / %d mã", len(q.Parts)) || v.Result != nil {
		t.Errorf("after one part: %q", v.Progress.Text)
	}
	feed(q.Parts[:len(q.Parts)-1]...)
	if v.Result == nil || !v.Result.Valid || v.Verdict.Text != "HỢP LỆ" {
		t.Fatalf("verdict %q: %+v", v.Verdict.Text, v.Result)
	}
	if len(v.Result.Groups) != 2 || v.Result.Groups[0].Issuer == "" {
		t.Errorf("groups: %+v", v.Result.Groups)
	}
	csv := string(v.Result.CSV())
	if !strings.Contains(csv, d.first.CitizenID) || !strings.Contains(csv, "vn.bhxh.dongnai") {
		t.Errorf("CSV:\n%s", csv)
	}
	test.Tap(v.Copy)
	if clip := d.app.Clipboard().Content(); !strings.Contains(clip, d.first.CitizenID) {
		t.Errorf("clipboard: %q", clip)
	}

	// The same token again: refused.
	feed(q.Parts...)
	if v.Result.Valid || !strings.Contains(v.Result.Reason, "đã được dùng") || v.Verdict.Text != "KHÔNG HỢP LỆ" {
		t.Errorf("replay: %q %q", v.Verdict.Text, v.Result.Reason)
	}
	// A code for another office.
	other := share("vn.dongnai.sotuphap", false)
	feed(other.Parts...)
	if v.Result.Valid || !strings.Contains(v.Result.Reason, "cơ quan khác") {
		t.Errorf("other office: %q", v.Result.Reason)
	}
	// Parts of two shares.
	a1, a2 := share(hospital, false), share(hospital, false)
	feed(a1.Parts[0], a2.Parts[1])
	if v.Result.Valid || !strings.Contains(v.Result.Reason, "hai lần chia sẻ") {
		t.Errorf("mixed: %q", v.Result.Reason)
	}
	// From a photo: every part through "open image".
	b := share(hospital, false)
	for _, p := range b.Parts {
		img, _ := qrtext.Render(p, 'M', 6)
		v.ScanImage(c, img)
	}
	if v.Result == nil || !v.Result.Valid {
		t.Errorf("from images: %+v", v.Result)
	}
	// An online token: redeemed at the warehouse.
	on := share(hospital, true)
	feed(on.Parts...)
	if !v.Result.Valid {
		t.Errorf("online token: %q", v.Result.Reason)
	}
	feed(on.Parts...)
	if v.Result.Valid {
		t.Error("an online token verified twice")
	}
}
