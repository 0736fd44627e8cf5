package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Share from the app: pick a procedure, see exactly the minimum
// selected, remove a field (the screen says what the procedure then
// lacks), confirm; the QR screen shows the codes one after another with
// the time left, and what is on the screen — read back from the pixels —
// verifies at a counter with exactly the fields left selected.
func TestShareShowsVerifiableQR(t *testing.T) {
	d := newDemo(t)
	srv, w, ui, first := d.srv, d.w, d.ui, d.first
	defer w.Lock()
	if err := w.Create(viewmodel.CreateForm{CitizenID: first.CitizenID, FullName: first.FullName, BirthDate: first.BirthDate.Format("02/01/2006"), PIN: "246810", PINConfirm: "246810"}); err != nil {
		t.Fatal(err)
	}
	if err := w.DemoEnrol(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(nil); err != nil {
		t.Fatal(err)
	}
	// A larger window than a phone's points, so the test reads the QR at
	// several pixels per module, as a phone's high-density screen shows it.
	ui.Window.Resize(fyne.NewSize(900, 1300))

	var shown *viewmodel.SharedQR
	s := views.NewShare(w, ui.Home, func(q *viewmodel.SharedQR) { shown = q })
	ui.Window.SetContent(s.Root)
	if !s.Confirm.Disabled() {
		t.Error("confirm possible before choosing a procedure")
	}
	s.Procedure.SetSelected("Khám chữa bệnh bảo hiểm y tế")
	items := s.Draft.Items()
	selected := 0
	for i, it := range items {
		if s.Checks[i].Checked != (it.Required && it.Available) {
			t.Errorf("%s: checked %v, required %v", it.Label, s.Checks[i].Checked, it.Required)
		}
		if s.Checks[i].Checked {
			selected++
		}
	}
	if selected == 0 || s.Lacking.Text != "" {
		t.Fatalf("proposal: %d selected, lacking %q", selected, s.Lacking.Text)
	}
	// Remove the benefit level: the procedure now lacks it.
	for i, it := range items {
		if it.Claim == "benefit_level" {
			test.Tap(s.Checks[i])
		}
	}
	if !strings.Contains(s.Lacking.Text, "Mức hưởng") {
		t.Errorf("lacking after removing the benefit level: %q", s.Lacking.Text)
	}
	test.Tap(s.Confirm)
	if !strings.Contains(s.Error.Text, "cơ quan nhận") {
		t.Errorf("no recipient: %q", s.Error.Text)
	}
	test.Type(s.Recipient, "vn.dongnai.bvdk-dongnai")
	test.Tap(s.Confirm)
	if shown == nil {
		t.Fatalf("not shared: %q", s.Error.Text)
	}

	q := views.NewQR(shown, ui.Home)
	ui.Window.SetContent(q.Root)

	if !strings.Contains(q.Countdown.Text, "Còn hiệu lực") || !strings.Contains(q.Part.Text, "Mã 1 /") {
		t.Errorf("QR screen: %q, %q", q.Part.Text, q.Countdown.Text)
	}
	var parts []string
	for range shown.Parts {
		text, err := qrtext.ReadImage(ui.Window.Canvas().Capture())
		if err != nil {
			t.Fatalf("reading code %d from the screen: %v", q.Index()+1, err)
		}
		parts = append(parts, text)
		test.Tap(q.Next)
	}
	tl, err := trust.Verify(srv.TrustList(), srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	v := &consent.Verifier{Trust: tl, Audience: "vn.dongnai.bvdk-dongnai", Replay: &consent.MemoryReplay{}}
	res, err := v.VerifyParts(parts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fields) != selected-1 {
		t.Errorf("counter sees %d fields; %d were left selected", len(res.Fields), selected-1)
	}
	for _, f := range res.Fields {
		if f.Claim == "benefit_level" {
			t.Error("a removed field left the phone")
		}
	}
	// The history shows the consent, its office by name; its QR can be
	// shown again: the same consent, no new one.
	var again *viewmodel.SharedQR
	hist := views.NewHistory(w, ui.Window, ui.Home, func(q *viewmodel.SharedQR) { again = q })
	ui.Window.SetContent(hist.Root)
	if len(hist.Rows) != 1 || hist.Rows[0].State != "còn hiệu lực" || len(hist.Rows[0].Fields) != selected-1 || hist.Rows[0].Title != "Khám chữa bệnh bảo hiểm y tế" ||
		hist.Rows[0].Recipient != "Bệnh viện Đa khoa Đồng Nai" {
		t.Fatalf("history: %+v", hist.Rows)
	}
	test.Tap(hist.ShowAgain[shown.ConsentID])
	if again == nil || again.ConsentID != shown.ConsentID || !slices.Equal(again.Parts, shown.Parts) {
		t.Fatalf("shown again: %+v", again)
	}
	if rows, _ := w.Consents(); len(rows) != 1 {
		t.Errorf("showing the QR again made %d consents", len(rows))
	}
	// Revoking asks first, naming the office and the fields; "keep it"
	// changes nothing.
	test.Tap(hist.Revokes[shown.ConsentID])
	if !strings.Contains(strings.Join(labels(ui.Window.Canvas().Overlays().Top()), " "), "Bệnh viện Đa khoa Đồng Nai sẽ không còn dùng được") {
		t.Errorf("the confirmation: %q", labels(ui.Window.Canvas().Overlays().Top()))
	}
	test.Tap(dialogButton(t, ui.Window, "Giữ lại"))
	if hist.Rows[0].State != "còn hiệu lực" {
		t.Fatalf("kept, yet: %+v", hist.Rows[0])
	}
	// Confirmed: revoked here and sent at once, no sync needed.
	test.Tap(hist.Revokes[shown.ConsentID])
	test.Tap(dialogButton(t, ui.Window, "Thu hồi"))
	if hist.Rows[0].State != "đã thu hồi" || hist.Revokes[shown.ConsentID] != nil || hist.ShowAgain[shown.ConsentID] != nil {
		t.Errorf("after revoke: %+v", hist.Rows[0])
	}
	<-hist.Sent
	if !strings.Contains(hist.Status.Text, "đã gửi tới kho dữ liệu") {
		t.Errorf("after sending: %q", hist.Status.Text)
	}
	if ok, _ := srv.Revoked(context.Background(), res.Holder, shown.ConsentID); !ok {
		t.Error("the warehouse does not know the consent is revoked")
	}
	if _, err := w.ShowAgain(shown.ConsentID); err == nil {
		t.Error("a revoked consent's QR shown again")
	}

	q.Tick(shown.Expires.Add(time.Second))
	if !strings.Contains(q.Countdown.Text, "Đã hết hạn") || q.Image.Visible() {
		t.Errorf("after expiry: %q, image visible %v", q.Countdown.Text, q.Image.Visible())
	}
}

// A procedure the catalogue lacks: the citizen picks the office by name,
// states the purpose, ticks fields by hand (nothing is pre-selected);
// without a purpose or a field nothing is shared; the token verifies at
// that office with exactly the ticked fields.
func TestShareByHand(t *testing.T) {
	d := newDemo(t)
	w, ui := d.w, d.ui
	defer w.Lock()
	d.ready(t)
	var shown *viewmodel.SharedQR
	s := views.NewShare(w, ui.Home, func(q *viewmodel.SharedQR) { shown = q })
	ui.Window.SetContent(s.Root)
	if s.Purpose.Visible() {
		t.Error("purpose asked before choosing 'another procedure'")
	}
	s.Procedure.SetSelected("Thủ tục khác (tự chọn thông tin cần gửi)")
	if !s.Purpose.Visible() || len(s.Checks) < 20 {
		t.Fatalf("by hand: purpose shown %v, %d fields offered", s.Purpose.Visible(), len(s.Checks))
	}
	for i, c := range s.Checks {
		if c.Checked {
			t.Errorf("field %s pre-selected", s.Draft.Items()[i].Label)
		}
	}
	// The picker and the code field follow each other.
	test.Type(s.Recipient, "vn.dongnai.soyte")
	if s.Agency.Selected != "Sở Y tế tỉnh Đồng Nai" {
		t.Errorf("typed code: picker shows %q", s.Agency.Selected)
	}
	s.Agency.SetSelected("Sở Tư pháp tỉnh Đồng Nai")
	if s.Recipient.Text != "vn.dongnai.sotuphap" {
		t.Fatalf("agency picker set %q", s.Recipient.Text)
	}
	test.Tap(s.Confirm)
	if shown != nil || !strings.Contains(s.Error.Text, "Hãy nêu dữ liệu dùng để làm gì") {
		t.Fatalf("no purpose: %q", s.Error.Text)
	}
	test.Type(s.Purpose, "Xin cấp giấy xác nhận tình trạng hôn nhân")
	test.Tap(s.Confirm)
	if shown != nil || !strings.Contains(s.Error.Text, "Hãy chọn ít nhất một thông tin") {
		t.Fatalf("no field: %q", s.Error.Text)
	}
	// Fields of three records, none of them on a catalogue form.
	want := map[string]int{}
	for i, it := range s.Draft.Items() {
		pick := it.Type == "identity.citizen" && (it.Claim == "full_name" || it.Claim == "citizen_id") ||
			(it.Type == "health.insurance_card" || it.Type == "civil.birth") && want[it.Type] < 2
		if pick && it.Available {
			test.Tap(s.Checks[i])
			want[it.Type]++
		}
	}
	if len(want) != 3 {
		t.Fatalf("picked %v", want)
	}
	test.Tap(s.Confirm)
	if shown == nil {
		t.Fatalf("share: %q", s.Error.Text)
	}
	hist, _ := w.Consents()
	if len(hist) != 1 || hist[0].Title != "Xin cấp giấy xác nhận tình trạng hôn nhân" {
		t.Errorf("history: %+v", hist)
	}

	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: "vn.dongnai.sotuphap", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range shown.Parts {
		c.Scan(p)
	}
	r := c.Result()
	if r == nil || !r.Valid || !strings.Contains(r.Procedure, "công dân tự chọn") {
		t.Fatalf("at the counter: %+v", r)
	}
	// One group per record (never interleaved), with exactly its fields.
	if len(r.Groups) != 3 {
		t.Fatalf("groups: %+v", r.Groups)
	}
	for _, g := range r.Groups {
		n := 0
		for typ, k := range want {
			if rt, _ := wallet.LookupType(typ); viewmodel.Localized(rt.Label) == g.Title {
				n = k
			}
		}
		if n == 0 || len(g.Fields) != n {
			t.Errorf("group %s: %d fields, want %d", g.Title, len(g.Fields), n)
		}
	}
}
