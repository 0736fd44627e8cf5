package app_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

// statusDemo is newDemo on a warehouse that gives every credential a
// status (Token Status Lists, published over https on loopback) and the
// residence record a technical lifetime of one hour (the least the
// warehouse allows), so a clock two hours ahead sees it expired.
type statusDemo struct {
	demoSetup
	lists *httptest.Server // the https server of the status lists
}

func newStatusDemo(t *testing.T) statusDemo {
	t.Helper()
	d := newDemo(t) // the language, the app, the wallet; its warehouse is replaced
	var lists *httptest.Server
	d.srv, d.ts, lists = warehousetest.StartPublic(t, warehouse.Config{StatusListCapacity: 1 << 10,
		CredentialLifetimes: map[string]time.Duration{"identity.residence": time.Hour}}, d.prov)
	d.w.SetWarehouse(viewmodel.Warehouse{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), DemoCode: d.srv.EnrolmentCode, DemoCitizen: d.demoCitizen})
	return statusDemo{demoSetup: d, lists: lists}
}

// counter opens a counter of the hospital on clock now (nil: the real
// one) that reaches the status lists when reach is true.
func (d statusDemo) counter(t *testing.T, name string, now func() time.Time, reach bool) (*viewmodel.Counter, *app.CounterUI) {
	t.Helper()
	cfg := viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: hospital, CounterID: name,
		Dir: filepath.Join(t.TempDir(), name), Now: now}
	if reach {
		cfg.StatusTransport = d.lists.Client().Transport
	}
	c, err := viewmodel.NewCounter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, app.NewCounter(d.app, c)
}

// feedAll types every part into the counter's scan field, as a scanner.
func feedAll(v *views.Counter, q *viewmodel.SharedQR) {
	for _, p := range q.Parts {
		test.Type(v.Scan, p)
		v.Scan.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	}
}

// shareByHand shares, by hand, every field the wallet holds of record
// type typ.
func shareByHand(t *testing.T, w *viewmodel.Wallet, typ string) (*viewmodel.SharedQR, error) {
	t.Helper()
	dr, err := w.ProposeByHand()
	if err != nil {
		t.Fatal(err)
	}
	dr.SetPurpose("Kiểm tra")
	n := 0
	for _, it := range dr.Items() {
		if it.Type == typ && it.Available {
			dr.Set(it.Type, it.Claim, true)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("the demo citizen holds no %s", typ)
	}
	return w.Share(dr, hospital, 48*time.Hour, false)
}

// visible reports whether a visible label on the window's screen says
// want (a hidden one does not count).
func visible(w fyne.Window, want string) *widget.Label {
	for _, o := range objects(w.Content()) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && strings.Contains(l.Text, want) {
			return l
		}
	}
	return nil
}

// The counter says what the agencies' status lists and the credentials'
// lifecycle found, through the whole app against a real warehouse: a
// valid verdict says how old its withdrawal check is, or warns, without
// refusing, that a record could not be checked (the counter cannot reach
// the lists); a record whose electronic copy expired (the phone did not
// sync) is refused with what the citizen must do; the citizen's app says
// "Cần đồng bộ lại" on that record, in its list and when sharing it, and
// makes no QR with it, while other records still share; a record the
// agency withdrew and one signed with a compromised agency key are
// refused, naming the agency.
func TestCounterRecordStatus(t *testing.T) {
	d := newStatusDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	ctx := context.Background()
	if _, err := d.srv.PublishStatusLists(ctx, true); err != nil {
		t.Fatal(err)
	}
	card := recordOfType(t, w, wallet.DomainHealth, "Thẻ bảo hiểm y tế")
	bhxh := card.Issuer // the agency's name in the trust list

	// A counter whose clock is two hours ahead of the warehouse: its
	// lists, fetched at its start, are two hours old by its clock.
	ahead := func() time.Time { return time.Now().Add(2 * time.Hour) }
	_, ui := d.counter(t, "ahead", ahead, true)
	v := ui.Screen
	feedAll(v, shareTreatment(t, w, hospital, 48*time.Hour, false))
	if v.Result == nil || !v.Result.Valid {
		t.Fatalf("treatment at a counter with the lists: %+v", v.Result)
	}
	if v.Withdrawals.Text != "Đã kiểm tra thu hồi theo danh sách cập nhật 2 giờ trước." || v.Result.WithdrawalsUnchecked ||
		v.Withdrawals.Importance == widget.WarningImportance || !v.Withdrawals.Visible() {
		t.Errorf("withdrawal note of a checked token: %q (warning %v)", v.Withdrawals.Text, v.Withdrawals.Importance == widget.WarningImportance)
	}

	// The residence record's credential lived an hour: two hours on, the
	// counter refuses it and says what the citizen must do.
	res, err := shareByHand(t, w, "identity.residence")
	if err != nil {
		t.Fatal(err)
	}
	feedAll(v, res)
	if v.Result == nil || v.Result.Valid || v.Verdict.Text != "KHÔNG HỢP LỆ" ||
		!strings.Contains(v.Result.Reason, "đã hết hạn vì ứng dụng lâu chưa đồng bộ") || !strings.Contains(v.Result.Reason, "nơi có sóng, bấm \"Đồng bộ\"") {
		t.Errorf("an expired credential: %q %+v", v.Verdict.Text, v.Result)
	}

	// A counter that cannot reach the lists accepts on the signatures and
	// says, as a warning, which record was not checked and whose list it
	// lacks.
	_, blind := d.counter(t, "blind", nil, false)
	feedAll(blind.Screen, shareTreatment(t, w, hospital, 15*time.Minute, false))
	bv := blind.Screen
	want := "Chưa kiểm tra được Thẻ bảo hiểm y tế có bị thu hồi hay không (máy chưa có danh sách của " + bhxh + "). Bấm Làm mới khi có mạng."
	if bv.Result == nil || !bv.Result.Valid || !bv.Result.WithdrawalsUnchecked || !strings.Contains(bv.Withdrawals.Text, want) ||
		bv.Withdrawals.Importance != widget.WarningImportance || visible(blind.Window, want) == nil {
		t.Errorf("a counter without the lists: %+v; note %q, want %q", bv.Result, bv.Withdrawals.Text, want)
	}

	// The citizen's side, on a phone two hours on: the residence record
	// needs a sync, on its screen and in the list; the others do not.
	w.SetClock(ahead)
	rows, err := w.Records(wallet.DomainIdentity)
	if err != nil {
		t.Fatal(err)
	}
	_, recs := d.prov.Citizen(0)
	idOf := func(typ string) wallet.Record {
		i := slices.IndexFunc(recs, func(r wallet.Record) bool { return r.Type == typ })
		if i < 0 {
			t.Fatalf("the demo citizen has no %s", typ)
		}
		return recs[i]
	}
	var residence, citizen viewmodel.RecordRow
	for _, r := range rows {
		if r.NeedsSync != (r.ID == idOf("identity.residence").ID) {
			t.Errorf("%s: needs a sync %v", r.Title, r.NeedsSync)
		}
		switch r.ID {
		case idOf("identity.residence").ID:
			residence = r
		case idOf("identity.citizen").ID:
			citizen = r
		}
	}
	if residence.ID == "" || citizen.ID == "" {
		t.Fatalf("the wallet's identity records: %+v", rows)
	}
	const sync = "Cần đồng bộ lại trước khi đưa cho cơ quan"
	d.ui.Domain(wallet.DomainIdentity)
	if visible(d.ui.Window, sync) == nil {
		t.Errorf("the record list does not say %q: %q", sync, labels(d.ui.Window.Content()))
	}
	d.ui.Record(wallet.DomainIdentity, residence.ID)
	if visible(d.ui.Window, sync) == nil {
		t.Errorf("the residence record's screen does not say %q: %q", sync, labels(d.ui.Window.Content()))
	}
	for _, r := range rows {
		if !r.NeedsSync {
			d.ui.Record(wallet.DomainIdentity, r.ID)
			if visible(d.ui.Window, sync) != nil {
				t.Errorf("%s says it needs a sync", r.Title)
			}
		}
	}
	// Sharing it says so before any QR; the other records still share.
	if q, err := shareByHand(t, w, "identity.residence"); err == nil || !strings.Contains(err.Error(), "cần đồng bộ lại trước khi đưa cho cơ quan") {
		t.Errorf("sharing an expired record: %v %v", q, err)
	}
	if _, err := shareByHand(t, w, "identity.citizen"); err != nil {
		t.Errorf("sharing another record: %v", err)
	}
	procs, _ := w.Procedures()
	i := slices.IndexFunc(procs, func(p viewmodel.ProcedureChoice) bool { return p.Code == "residence.permanent_registration" })
	shared := false
	s := views.NewShare(w, d.ui.Home, func(*viewmodel.SharedQR) { shared = true })
	d.ui.Window.SetContent(s.Root)
	s.Procedure.SetSelected(procs[i].Name)
	s.Recipient.SetText(hospital)
	if visible(d.ui.Window, sync) == nil {
		t.Errorf("the share screen does not say %q before the citizen agrees: %q", sync, labels(d.ui.Window.Content()))
	}
	test.Tap(s.Confirm)
	if shared || !strings.Contains(s.Error.Text, "cần đồng bộ lại") {
		t.Errorf("confirming a share with an expired record: shared %v, %q", shared, s.Error.Text)
	}
	// Due for renewal soon (45 minutes on, within the renewal window) is
	// nothing to tell the citizen.
	w.SetClock(func() time.Time { return time.Now().Add(45 * time.Minute) })
	if rows, _ := w.Records(wallet.DomainIdentity); slices.ContainsFunc(rows, func(r viewmodel.RecordRow) bool { return r.NeedsSync }) {
		t.Errorf("a record due for renewal says it needs a sync: %+v", rows)
	}
	w.SetClock(nil)

	// The BHXH withdraws the card; the wallet does not sync. A counter
	// that refreshed since refuses it offline, naming the agency.
	if _, err := d.srv.Withdraw(d.first.CitizenID, card.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.srv.PublishStatusLists(ctx, true); err != nil {
		t.Fatal(err)
	}
	_, after := d.counter(t, "after", nil, true)
	feedAll(after.Screen, shareTreatment(t, w, hospital, 15*time.Minute, false))
	if r := after.Screen.Result; r == nil || r.Valid || r.Reason != "Giấy tờ này đã bị "+bhxh+" thu hồi, không còn giá trị sử dụng. Không chấp nhận." {
		t.Errorf("a withdrawn card: %+v", r)
	}

	// The police's signing key is declared compromised: its credentials
	// (the wallet still holds them) are refused, naming the agency.
	police, policeName := idOf("identity.citizen").Issuer, citizen.Issuer
	if _, err := d.srv.CompromiseAgencyKey(ctx, police, "", keys.ES256); err != nil {
		t.Fatal(err)
	}
	_, leaked := d.counter(t, "leaked", nil, true)
	id, err := shareByHand(t, w, "identity.citizen")
	if err != nil {
		t.Fatal(err)
	}
	feedAll(leaked.Screen, id)
	if r := leaked.Screen.Result; r == nil || r.Valid || !strings.Contains(r.Reason, "được ký bằng khóa đã bị lộ của "+policeName) {
		t.Errorf("a credential signed with a compromised key (%s): %+v", policeName, r)
	}
}
