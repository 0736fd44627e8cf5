package app_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// stalled is a warehouse that takes every request and never answers
// (a link that died), until the client gives up.
func stalled(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release: // the test is over: no handler may outlive it
		}
	}))
	t.Cleanup(func() {
		close(release)
		ts.Close()
	})
	return ts.URL
}

// Enrolment and sync wait on the network off the UI goroutine: the
// screen keeps answering, shows it is waiting, and Cancel stops the wait
// with a plain message and nothing changed.
func TestStalledWarehouse(t *testing.T) {
	d := newDemo(t)
	url := stalled(t)
	w := viewmodel.NewWallet(filepath.Join(t.TempDir(), "p"), badgerstore.Options{KDF: kdf.Test()})
	defer w.Lock()
	if err := w.Create(viewmodel.CreateForm{CitizenID: d.first.CitizenID, FullName: d.first.FullName, BirthDate: d.first.BirthDate.Format("02/01/2006"), PIN: "246810", PINConfirm: "246810"}); err != nil {
		t.Fatal(err)
	}
	w.SetWarehouse(viewmodel.Warehouse{BaseURL: url, RootKey: d.srv.RootKey()})
	win := d.app.NewWindow("stalled")
	h := views.NewHome(w, nil, func() {})
	win.SetContent(h.Root)

	test.Type(h.Code, "AAAAA-BBBBB")
	test.Tap(h.Enrol) // returns at once: the request runs in the background
	done := h.Done
	if done == nil || !h.Busy.Visible() || !h.Cancel.Visible() || !h.Enrol.Disabled() || !strings.Contains(h.Status.Text, "Đang đăng ký") {
		t.Fatalf("while enrolling: busy %v, cancel %v, status %q", h.Busy.Visible(), h.Cancel.Visible(), h.Status.Text)
	}
	// The screen still answers: typing works while the request waits.
	test.Type(h.Code, "C")
	if !strings.HasSuffix(h.Code.Text, "C") {
		t.Errorf("typing during the enrolment: %q", h.Code.Text)
	}
	test.Tap(h.Cancel)
	<-done
	if !strings.Contains(h.Status.Text, "Đã hủy") || h.Busy.Visible() || h.Cancel.Visible() || h.Enrol.Disabled() || w.Enrolled() {
		t.Errorf("after cancel: status %q, busy %v, enrolled %v", h.Status.Text, h.Busy.Visible(), w.Enrolled())
	}

	// An enrolled phone whose warehouse stalls mid-sync: the same.
	d.ready(t)
	d.w.SetWarehouse(viewmodel.Warehouse{BaseURL: url, RootKey: d.srv.RootKey()})
	before, _ := d.w.Domains()
	home := views.NewHome(d.w, nil, func() {})
	win.SetContent(home.Root)
	test.Tap(home.Sync)
	done = home.Done
	if done == nil || !home.Busy.Visible() || !home.Cancel.Visible() || !home.Sync.Disabled() {
		t.Fatalf("while syncing: busy %v, cancel %v", home.Busy.Visible(), home.Cancel.Visible())
	}
	test.Tap(home.Cancel)
	<-done
	after, _ := d.w.Domains()
	if !strings.Contains(home.Status.Text, "Đã dừng đồng bộ") || home.Sync.Disabled() || len(after) != len(before) {
		t.Errorf("after cancelling the sync: %q", home.Status.Text)
	}
	for i := range before {
		if before[i].Count != after[i].Count {
			t.Errorf("records changed by a cancelled sync: %+v → %+v", before, after)
		}
	}
}
