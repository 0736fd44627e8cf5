package app_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

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
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	prov, _ := demo.New(50, 1)
	srv, ts := warehousetest.Start(t, warehouse.Config{Source: prov, Seed: prov.Seed})
	first := prov.Profile(0)
	a := test.NewTempApp(t)
	w := viewmodel.NewWallet(filepath.Join(t.TempDir(), "p"), badgerstore.Options{KDF: kdf.Test()})
	w.SetWarehouse(viewmodel.Warehouse{BaseURL: ts.URL, RootKey: srv.RootKey(), DemoCode: srv.EnrolmentCode, DemoCitizen: &first})
	ui := app.New(a, w)
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
	test.Tap(h.Enrol)
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
	if total != len(latest) || !strings.Contains(h.Status.Text, "hồ sơ mới") || !strings.Contains(h.Status.Text, "Đồng bộ lần cuối") {
		t.Errorf("after sync: %d records on home, want %d; status %q", total, len(latest), h.Status.Text)
	}
	if !h.Progress.Hidden || h.Sync.Disabled() {
		t.Error("progress bar still shown or sync disabled after the sync")
	}

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
}
