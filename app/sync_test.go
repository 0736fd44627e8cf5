package app_test

import (
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
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// demoSetup is the app in demo mode against a real warehouse on loopback.
type demoSetup struct {
	prov  demo.Province
	srv   *warehouse.Server
	ts    *httptest.Server
	first wallet.Profile
	app   fyne.App
	w     *viewmodel.Wallet
	ui    *app.UI
}

func newDemo(t *testing.T) demoSetup {
	t.Helper()
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	d := demoSetup{}
	d.prov, _ = demo.New(50, 1)
	d.srv, d.ts = warehousetest.Start(t, warehouse.Config{}, d.prov)
	d.first = d.prov.Profile(0)
	d.app = test.NewTempApp(t)
	d.w = viewmodel.NewWallet(filepath.Join(t.TempDir(), "p"), badgerstore.Options{KDF: kdf.Test()})
	d.w.SetWarehouse(viewmodel.Warehouse{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), DemoCode: d.srv.EnrolmentCode, DemoCitizen: d.demoCitizen})
	d.ui = app.New(d.app, d.w)
	return d
}

// demoCitizen is the i-th citizen of the demo province.
func (d demoSetup) demoCitizen(i int) (wallet.Profile, bool) {
	if i >= d.prov.Citizens() {
		return wallet.Profile{}, false
	}
	return d.prov.Profile(i), true
}

// ready creates the demo citizen's profile, enrols it and syncs.
func (d demoSetup) ready(t *testing.T) {
	t.Helper()
	if err := d.w.Create(viewmodel.CreateForm{CitizenID: d.first.CitizenID, FullName: d.first.FullName, BirthDate: d.first.BirthDate.Format("02/01/2006"), PIN: "246810", PINConfirm: "246810"}); err != nil {
		t.Fatal(err)
	}
	if err := d.w.DemoEnrol(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.w.Sync(nil); err != nil {
		t.Fatal(err)
	}
}

// waitSynced waits for the home screen's background sync to end.
func waitSynced(t *testing.T, done chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// First run in demo mode against a real warehouse on loopback: fill in
// the demo citizen, create the profile, enrol with a demo code, and the
// records arrive; with the warehouse gone, a sync says so plainly and
// keeps the records.
func TestDemoEnrolAndSync(t *testing.T) {
	d := newDemo(t)
	prov, ts, first, a, w, ui := d.prov, d.ts, d.first, d.app, d.w, d.ui
	defer ui.Wallet.Lock()

	c := views.NewCreate(w, ui.Home) // the same screen, with handles on its widgets
	ui.Window.SetContent(c.Root)
	test.Tap(c.DemoFill)
	if c.CitizenID.Text != first.CitizenID || c.FullName.Text != first.FullName {
		t.Fatalf("demo fill: %q %q", c.CitizenID.Text, c.FullName.Text)
	}
	test.Type(c.PIN, "246810")
	test.Type(c.PINConfirm, "246810")
	test.Tap(c.Button)
	if !screenHas(t, ui.Window, "Hãy đăng ký điện thoại") {
		t.Fatalf("home before enrolment: %q", labels(ui.Window.Content()))
	}

	h := views.NewHome(w, ui.Domain, ui.Lock)
	done := make(chan struct{}, 1)
	h.OnSynced = func() { done <- struct{}{} }
	ui.Window.SetContent(h.Root)
	if !h.Sync.Disabled() {
		t.Error("sync is possible before enrolment")
	}
	test.Type(h.Code, "AAAAA-AAAAA")
	test.Tap(h.Enrol) // in the background
	<-h.Done
	if !strings.Contains(h.Status.Text, "Mã đăng ký sai") {
		t.Errorf("wrong code: %q", h.Status.Text)
	}
	test.Tap(h.DemoEnrol)
	waitSynced(t, done, "the first sync")
	total := 0
	for _, r := range h.Rows {
		total += r.Count
	}
	_, recs := prov.Citizen(0)
	latest := map[string]bool{}
	for _, r := range recs {
		latest[r.ID] = true
	}
	if total != len(latest) || !strings.Contains(h.Status.Text, "giấy tờ mới") || !strings.Contains(h.Status.Text, "Đồng bộ lần cuối") {
		t.Errorf("after sync: %d records on home, want %d; status %q", total, len(latest), h.Status.Text)
	}
	if !h.Progress.Hidden || h.Sync.Disabled() {
		t.Error("progress bar still shown or sync disabled after the sync")
	}

	// A record's detail names the agency from the trust list, its claims
	// in the order of the form, and its versions.
	ui.Domain(wallet.DomainIdentity)
	list := views.NewRecordList(w, wallet.DomainIdentity, ui.Home, func(id string) { ui.Record(wallet.DomainIdentity, id) })
	ui.Window.SetContent(list.Root)
	idx := slices.IndexFunc(list.Rows, func(r viewmodel.RecordRow) bool { return strings.HasPrefix(r.ID, "identity.citizen") })
	if got := list.Rows[idx].Issuer; got != "Cục Cảnh sát quản lý hành chính về trật tự xã hội, Bộ Công an" {
		t.Errorf("record list names the agency %q", got)
	}
	list.Records.Select(idx)
	for _, want := range []string{"Cục Cảnh sát quản lý hành chính về trật tự xã hội, Bộ Công an", first.FullName, first.CitizenID, "dữ liệu cá nhân nhạy cảm", "Bản thứ 1, ký ngày", "đã kiểm tra khi đồng bộ", "Cập nhật lúc"} {
		if !screenHas(t, ui.Window, want) {
			t.Errorf("record detail lacks %q: %q", want, labels(ui.Window.Content()))
		}
	}
	ui.Home()
	ui.Window.SetContent(h.Root)

	// The warehouse goes away: a plain message, the records stay.
	ts.Close()
	test.Tap(h.Sync)
	waitSynced(t, done, "the failed sync")
	if !strings.Contains(h.Status.Text, "Không kết nối được") {
		t.Errorf("offline sync: %q", h.Status.Text)
	}
	again := 0
	for _, r := range h.Rows {
		again += r.Count
	}
	if again != total {
		t.Errorf("records after a failed sync: %d, want %d", again, total)
	}

	// Idle for the auto-lock time: locked, back at the PIN screen.
	clock := time.Now()
	ui.Now = func() time.Time { return clock }
	ui.Touch()
	clock = clock.Add(ui.AutoLock - time.Second)
	ui.CheckIdle()
	if !w.Unlocked() {
		t.Fatal("locked before the auto-lock time")
	}
	clock = clock.Add(2 * time.Second)
	ui.CheckIdle()
	if w.Unlocked() || !screenHas(t, ui.Window, "Nhập mã PIN để mở hồ sơ của bạn.") {
		t.Fatal("not locked after the auto-lock time")
	}
	// Sent to the background (on a phone): locked.
	if err := w.Unlock("246810"); err != nil {
		t.Fatal(err)
	}
	ui.LockOnBackground = true
	a.Lifecycle().(interface{ OnExitedForeground() func() }).OnExitedForeground()()
	if w.Unlocked() {
		t.Fatal("not locked when sent to the background")
	}
}

// Home syncs by itself when the last sync is older than AutoSyncAfter;
// offline it says so plainly and keeps the records; a recent sync is
// not repeated, and two syncs never run at once.
func TestAutoSyncWhenHomeOpens(t *testing.T) {
	d := newDemo(t)
	w, ui := d.w, d.ui
	defer w.Lock()
	d.ready(t)
	done := make(chan struct{}, 1)
	ui.OnSynced = func() { done <- struct{}{} }

	now := time.Now()
	ui.Now = func() time.Time { return now }
	if w.SyncDue(now, ui.AutoSyncAfter) {
		t.Fatal("a sync is due right after one")
	}
	before, _ := w.Domains()
	now = now.Add(ui.AutoSyncAfter + time.Minute)
	if !w.SyncDue(now, ui.AutoSyncAfter) {
		t.Fatal("no sync due after AutoSyncAfter")
	}
	d.ts.Close()
	ui.Home()
	waitSynced(t, done, "the automatic sync")
	if !screenHas(t, ui.Window, "Không kết nối được") {
		t.Errorf("offline automatic sync: %q", labels(ui.Window.Content()))
	}
	after, _ := w.Domains()
	if !slices.Equal(before, after) {
		t.Errorf("records changed by a failed sync: %v → %v", before, after)
	}

	// Back online (the same warehouse at a new address): home tries
	// again only after AutoSyncRetry, then syncs.
	mirror := httptest.NewServer(d.srv.Handler())
	defer mirror.Close()
	if _, err := w.ChangeWarehouseAddress(t.Context(), mirror.URL); err != nil {
		t.Fatal(err)
	}
	now = now.Add(app.AutoSyncRetry - time.Second)
	ui.Home()
	if h := find(t, ui.Window, func(p *widget.ProgressBar) bool { return true }); h.Visible() {
		t.Fatal("an automatic sync started again within AutoSyncRetry")
	}
	select { // a sync that started and ended at once would still report
	case <-done:
		t.Fatal("an automatic sync ran again within AutoSyncRetry")
	case <-time.After(300 * time.Millisecond):
	}
	now = now.Add(time.Second)
	ui.Home()
	waitSynced(t, done, "the automatic sync online")
	if !screenHas(t, ui.Window, "Đồng bộ lần cuối") || w.SyncDue(time.Now(), ui.AutoSyncAfter) {
		t.Errorf("online automatic sync: %q", labels(ui.Window.Content()))
	}

	// One sync at a time.
	started := make(chan struct{})
	release := make(chan struct{})
	go func() {
		w.Sync(func(viewmodel.SyncProgress) {
			select {
			case <-started:
			default:
				close(started)
				<-release
			}
		})
	}()
	select {
	case <-started:
		if _, err := w.Sync(nil); err == nil || !strings.Contains(err.Error(), "Đang đồng bộ") {
			t.Errorf("a second sync meanwhile: %v", err)
		}
		if w.SyncDue(time.Now().Add(time.Hour), ui.AutoSyncAfter) {
			t.Error("a sync is due while one runs")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first sync never reported progress")
	}
	close(release)
}

// A lost phone disabled at the warehouse: its sync says so plainly and
// keeps the records readable; an online code it made earlier is refused
// at the counter with the reason.
func TestLostPhoneDisabled(t *testing.T) {
	d := newDemo(t)
	w := d.w
	defer w.Lock()
	d.ready(t)
	dr, err := w.Propose("health.insured_treatment")
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.Share(dr, "vn.dongnai.bvdk-dongnai", 15*time.Minute, true)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := w.Domains()
	devs, err := d.srv.Devices(d.first.CitizenID)
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices: %+v %v", devs, err)
	}
	if _, err := d.srv.RevokeDevice(d.first.CitizenID, devs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(nil); err == nil || !strings.Contains(err.Error(), "đã bị vô hiệu hóa tại kho dữ liệu") {
		t.Errorf("sync of a disabled phone: %v", err)
	}
	if after, _ := w.Domains(); !slices.Equal(before, after) {
		t.Errorf("records changed: %v → %v", before, after)
	}
	c, err := viewmodel.NewCounter(viewmodel.CounterConfig{BaseURL: d.ts.URL, RootKey: d.srv.RootKey(), Agency: "vn.dongnai.bvdk-dongnai", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range q.Parts {
		c.Scan(p)
	}
	if r := c.Result(); r == nil || r.Valid || !strings.Contains(r.Reason, "điện thoại đã báo mất") {
		t.Errorf("online code of the lost phone: %+v", r)
	}
}
