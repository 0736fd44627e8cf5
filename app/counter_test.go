package app_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
)

// The counter: a citizen shares (offline, then online); the counter reads
// the parts in any order from the scanner, shows VALID in large type with
// each field's agency, exports CSV; the same token again, a code for
// another office, and parts of two shares are refused with plain reasons;
// a QR from a photo works through "open image".
// hospital is the demo province's counter agency in the counter tests.
const hospital = "vn.dongnai.bvdk-dongnai"

// shareTreatment shares the health-insurance treatment procedure's
// proposal with to, for life (online: as an online token).
func shareTreatment(t *testing.T, w *viewmodel.Wallet, to string, life time.Duration, online bool) *viewmodel.SharedQR {
	t.Helper()
	dr, err := w.Propose("health.insured_treatment")
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.Share(dr, to, life, online)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestCounterMode(t *testing.T) {
	d := newDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	share := func(to string, online bool) *viewmodel.SharedQR {
		return shareTreatment(t, w, to, 15*time.Minute, online)
	}
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, CounterID: "q2", Dir: filepath.Join(t.TempDir(), "counter")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ui := app.NewCounter(d.app, c)
	v := ui.Screen
	if ui.Window.Canvas().Focused() != v.Scan {
		t.Error("the scan field has no focus for the scanner")
	}
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
	// Every verdict says how revocation was checked: a list just fetched.
	if !strings.HasPrefix(v.Revocations.Text, "Danh sách thu hồi cập nhật lúc") || v.Result.RevocationsStale || v.Revocations.Importance == widget.WarningImportance {
		t.Errorf("revocation note of a fresh list: %q (stale %v)", v.Revocations.Text, v.Result.RevocationsStale)
	}
	// Named from the catalogue; fields in the order of the procedure's
	// form (card number, name, birth date, level, valid to, facility;
	// then the citizen id from the identity record).
	for _, want := range []string{"Khám chữa bệnh bảo hiểm y tế", "Mục đích: Đăng ký khám chữa bệnh BHYT", "Lưu trong hồ sơ bệnh án", "Cơ quan xác nhận: Bảo hiểm xã hội tỉnh Đồng Nai"} {
		if !screenHas(t, ui.Window, want) {
			t.Errorf("result lacks %q: %q", want, labels(ui.Window.Content()))
		}
	}
	var order []string
	var level viewmodel.CounterField
	for _, g := range v.Result.Groups {
		for _, f := range g.Fields {
			order = append(order, f.Label)
			if f.Label == "Mức hưởng" {
				level = f
			}
		}
	}
	// The benefit level in words, as the card says it, with its code in
	// small text (the card code's third character); never the bare code.
	card := v.Result.Groups[0].Fields[0].Value
	if !strings.HasPrefix(level.Value, "Quỹ BHYT trả 80 %") || level.Code != "mã 4" || len(card) != 15 || card[2:3] != "4" {
		t.Errorf("benefit level at the counter: %+v (card %s)", level, card)
	}
	if !screenHas(t, ui.Window, level.Value) || !screenHas(t, ui.Window, "mã 4") {
		t.Errorf("the screen does not say the level in words with its code: %q", labels(ui.Window.Content()))
	}
	for _, l := range labels(ui.Window.Content()) {
		if l == "4" || strings.HasPrefix(l, "Mức hưởng 4") {
			t.Errorf("a raw benefit level on the counter screen: %q", l)
		}
	}
	wantOrder := []string{"Mã thẻ BHYT", "Họ và tên", "Ngày sinh", "Mức hưởng", "Giá trị sử dụng đến ngày", "Nơi đăng ký khám chữa bệnh ban đầu", "Số định danh cá nhân"}
	if len(v.Result.Groups) != 2 || v.Result.Groups[0].Title != "Thẻ bảo hiểm y tế" || strings.Join(order, "|") != strings.Join(wantOrder, "|") {
		t.Errorf("groups %+v; field order %q, want %q", v.Result.Groups, order, wantOrder)
	}
	csv := string(v.Result.CSV())
	if !strings.HasPrefix(csv, "\ufeff") {
		t.Error("the CSV has no UTF-8 BOM (Excel garbles Vietnamese without it)")
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(csv, "\ufeff")), "\n")
	if len(lines) != 8 || lines[0] != "record_type,record,record_id,claim,label,value,issuer" || !strings.HasPrefix(lines[1], "health.insurance_card,") ||
		!strings.Contains(lines[1], ",card_number,Mã thẻ BHYT,") || !strings.Contains(lines[7], d.first.CitizenID) {
		t.Errorf("CSV:\n%s", csv)
	}
	// The verdict band names the citizen; copy-all is "label: value" lines
	// in the form's order; each value has its own copy button.
	if v.Who.Text != d.first.FullName+" · sinh "+d.first.BirthDate.Format("02/01/2006") {
		t.Errorf("verdict band: %q", v.Who.Text)
	}
	test.Tap(v.Copy)
	clip := d.app.Clipboard().Content()
	if got := strings.Split(strings.TrimSpace(clip), "\n"); len(got) != 7 || got[0] != "Mã thẻ BHYT: "+card || got[6] != "Số định danh cá nhân: "+d.first.CitizenID ||
		got[3] != "Mức hưởng: "+level.Value+" (mã 4)" {
		t.Errorf("copy all:\n%s", clip)
	}
	if len(v.FieldCopies) != 7 {
		t.Fatalf("%d copy buttons for 7 fields", len(v.FieldCopies))
	}
	ui.Window.Canvas().Unfocus()
	test.Tap(v.FieldCopies[6])
	if clip := d.app.Clipboard().Content(); clip != d.first.CitizenID || ui.Window.Canvas().Focused() != v.Scan {
		t.Errorf("copying one value: %q (scan field focused: %v)", clip, ui.Window.Canvas().Focused() == v.Scan)
	}
	if j, err := v.Result.JSON(); err != nil || !strings.Contains(string(j), `"procedure": "health.insured_treatment"`) {
		t.Errorf("JSON export: %s %v", j, err)
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
	if !v.Result.Valid || v.Revocations.Text != "Đã kiểm tra việc thu hồi trực tuyến tại kho dữ liệu." {
		t.Errorf("online token: %q; revocations %q", v.Result.Reason, v.Revocations.Text)
	}
	feed(on.Parts...)
	if v.Result.Valid {
		t.Error("an online token verified twice")
	}

	// The counter's log: every verification, newest first, refusals
	// with their plain reason.
	test.Tap(v.LogButton)
	if !screenHas(t, ui.Window, "Đã xác minh tại quầy này") || len(v.LogRows) != 7 {
		t.Fatalf("log: %d rows: %+v", len(v.LogRows), v.LogRows)
	}
	if r := v.LogRows[0]; r.Valid || !strings.Contains(r.Reason, "đã được dùng") {
		t.Errorf("newest log row: %+v", r)
	}
	if r := v.LogRows[1]; !r.Valid || r.Procedure != "Khám chữa bệnh bảo hiểm y tế" || r.Fields != 7 {
		t.Errorf("second log row: %+v", r)
	}
	test.Tap(button(t, ui.Window, "Quay lại"))
	if ui.Window.Canvas().Focused() != v.Scan {
		t.Error("back from the log: the scan field has no focus for the scanner")
	}

	// A counter whose revocation list is over a day old says so on every
	// verdict, with its age, as a warning (its clock is 25 h ahead of the
	// warehouse's list).
	late, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, CounterID: "q3",
		Dir: filepath.Join(t.TempDir(), "late"), Now: func() time.Time { return time.Now().Add(25 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	long := shareTreatment(t, w, hospital, 48*time.Hour, false)
	for _, p := range long.Parts {
		late.Scan(p)
	}
	if r := late.Result(); r == nil || !r.Valid || !r.RevocationsStale || !strings.Contains(r.Revocations, "đã 25 giờ chưa được cập nhật") {
		t.Errorf("verdict with a 25-hour-old list: %+v", r)
	}
}
