package app_test

import (
	"net/http/httptest"
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
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// selectWith finds the visible select that offers option.
func selectWith(t *testing.T, w fyne.Window, option string) *widget.Select {
	t.Helper()
	return find(t, w, func(s *widget.Select) bool {
		for _, o := range s.Options {
			if o == option {
				return s.Visible()
			}
		}
		return false
	})
}

// passwordEntries are the screen's PIN fields, in order.
func passwordEntries(w fyne.Window) []*views.PINEntry {
	var out []*views.PINEntry
	for _, o := range objects(w.Content()) {
		if e, ok := o.(*views.PINEntry); ok {
			out = append(out, e)
		}
	}
	return out
}

// Settings from the home screen: language (the screen redraws in
// English and back), auto-lock time (kept, and used), PIN change (wrong
// old PIN, mismatch, then the new PIN is the one that unlocks).
func TestSettingsLanguageAutoLockPIN(t *testing.T) {
	d := newDemo(t)
	w, ui := d.w, d.ui
	defer w.Lock()
	defer assets.UseLanguage("vi")
	d.ready(t)
	ui.Home()
	test.Tap(button(t, ui.Window, "Cài đặt"))
	for _, want := range []string{"Ngôn ngữ", "Hồ sơ trên điện thoại này", "Kho dữ liệu dùng chung của tỉnh"} {
		if !screenHas(t, ui.Window, want) {
			t.Errorf("settings lack %q: %q", want, labels(ui.Window.Content()))
		}
	}

	// Language.
	selectWith(t, ui.Window, "English").SetSelected("English")
	if !screenHas(t, ui.Window, "Profiles on this phone") || ui.App.Preferences().String(app.PrefLanguage) != "en" {
		t.Fatalf("after choosing English: %q", labels(ui.Window.Content()))
	}
	test.Tap(button(t, ui.Window, "Back"))
	if !screenHas(t, ui.Window, "Health (") {
		t.Errorf("home is not in English: %q", labels(ui.Window.Content()))
	}
	test.Tap(button(t, ui.Window, "Settings"))
	selectWith(t, ui.Window, "Tiếng Việt").SetSelected("Tiếng Việt")
	if !screenHas(t, ui.Window, "Hồ sơ trên điện thoại này") || app.Language(ui.App) != "vi" {
		t.Fatalf("after choosing Tiếng Việt: %q", labels(ui.Window.Content()))
	}

	// Auto-lock.
	selectWith(t, ui.Window, "1 phút").SetSelected("1 phút")
	if ui.AutoLock != time.Minute || ui.App.Preferences().Int(app.PrefAutoLockMinutes) != 1 {
		t.Fatalf("auto-lock %v, kept %d", ui.AutoLock, ui.App.Preferences().Int(app.PrefAutoLockMinutes))
	}
	if again := app.New(ui.App, w); again.AutoLock != time.Minute {
		t.Errorf("a new window locks after %v; want the kept 1 minute", again.AutoLock)
	}

	// PIN change.
	change := func(old, new, confirm string) string {
		pins := passwordEntries(ui.Window)
		if len(pins) != 3 {
			t.Fatalf("%d PIN fields on the settings screen", len(pins))
		}
		test.Type(pins[0], old)
		test.Type(pins[1], new)
		test.Type(pins[2], confirm)
		test.Tap(button(t, ui.Window, "Đổi mã PIN"))
		for _, p := range pins {
			if p.Text != "" {
				t.Error("a PIN stays on the screen after the attempt")
			}
		}
		return strings.Join(labels(ui.Window.Content()), "\n")
	}
	if got := change("000000", "135790", "135790"); !strings.Contains(got, "Sai mã PIN") {
		t.Errorf("wrong old PIN: %q", got)
	}
	if got := change("246810", "135790", "135791"); !strings.Contains(got, "Hai mã PIN không giống nhau") {
		t.Errorf("mismatch: %q", got)
	}
	if got := change("246810", "1357", "1357"); !strings.Contains(got, "ít nhất 6") {
		t.Errorf("short PIN: %q", got)
	}
	if got := change("246810", "135790", "135790"); !strings.Contains(got, "Đã đổi mã PIN") {
		t.Fatalf("change: %q", got)
	}
	ui.Lock()
	if err := w.Unlock("246810"); err == nil {
		t.Fatal("the old PIN still unlocks")
	}
	if err := w.Unlock("135790"); err != nil {
		t.Fatalf("the new PIN: %v", err)
	}

	// Idle for the chosen minute: locked.
	clock := time.Now()
	ui.Now = func() time.Time { return clock }
	ui.Touch()
	clock = clock.Add(time.Minute + time.Second)
	ui.CheckIdle()
	if w.Unlocked() {
		t.Error("not locked after the chosen minute")
	}
}

// The warehouse address: another address of the same warehouse is
// checked against the root key and used (sync works with the old one
// gone); a foreign warehouse, a closed port and plain HTTP to another
// machine are refused and change nothing.
func TestSettingsWarehouseAddress(t *testing.T) {
	d := newDemo(t)
	w, ui := d.w, d.ui
	defer w.Lock()
	d.ready(t)
	checked := make(chan struct{}, 1)
	ui.OnAddressChecked = func() { checked <- struct{}{} }
	ui.Settings()
	addr := find(t, ui.Window, func(e *widget.Entry) bool { return e.Text == d.ts.URL })

	try := func(to string) string {
		addr.SetText(to)
		test.Tap(button(t, ui.Window, "Kiểm tra và dùng địa chỉ này"))
		waitSynced(t, checked, "the address check")
		return strings.Join(labels(ui.Window.Content()), "\n")
	}
	otherProv, _ := demo.New(5, 2)
	_, foreign := warehousetest.Start(t, warehouse.Config{}, otherProv)
	closed := httptest.NewServer(nil)
	closed.Close()
	for _, c := range []struct{ to, want string }{
		{foreign.URL, "không có danh sách tin cậy được ký của tỉnh"},
		{closed.URL, "Không kết nối được"},
		{"http://example.com/wallet", "HTTPS"},
		{"kho dữ liệu", "https://"},
	} {
		if got := try(c.to); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q; want %q", c.to, got, c.want)
		}
		if w.WarehouseInfo().BaseURL != d.ts.URL || addr.Text != d.ts.URL {
			t.Fatalf("%s changed the address to %q", c.to, w.WarehouseInfo().BaseURL)
		}
	}

	mirror := httptest.NewServer(d.srv.Handler())
	defer mirror.Close()
	if got := try(mirror.URL + "/"); !strings.Contains(got, "Từ nay đồng bộ dùng địa chỉ này") {
		t.Fatalf("mirror: %q", got)
	}
	if w.WarehouseInfo().BaseURL != mirror.URL {
		t.Fatalf("address %q; want %q", w.WarehouseInfo().BaseURL, mirror.URL)
	}
	if kept := ui.App.Preferences().String(app.PrefWarehouseAddress); kept != "" {
		t.Errorf("demo mode kept the address %q (its port changes every run)", kept)
	}
	d.ts.Close()
	if _, err := w.Sync(nil); err != nil {
		t.Fatalf("sync through the new address: %v", err)
	}
}

// Family profiles: add a child's profile from the settings (own PIN,
// own enrolment, own records), switch between profiles with each one's
// PIN, and after a restart choose whose wallet to open.
func TestFamilyProfiles(t *testing.T) {
	d := newDemo(t)
	w, ui := d.w, d.ui
	defer func() { w.Lock() }()
	d.ready(t)
	ui.Settings()
	test.Tap(button(t, ui.Window, "Thêm hồ sơ người thân"))
	if !screenHas(t, ui.Window, "Thêm hồ sơ người thân") {
		t.Fatalf("add profile screen: %q", labels(ui.Window.Content()))
	}
	// Cancel returns to the settings with the first profile still open.
	test.Tap(button(t, ui.Window, "Hủy"))
	if !screenHas(t, ui.Window, "Hồ sơ trên điện thoại này") || !w.Unlocked() {
		t.Fatalf("cancel: %q", labels(ui.Window.Content()))
	}
	test.Tap(button(t, ui.Window, "Thêm hồ sơ người thân"))
	test.Tap(button(t, ui.Window, "Điền thông tin một công dân mẫu"))
	second := d.prov.Profile(1)
	if find(t, ui.Window, func(e *widget.Entry) bool { return e.Text == second.CitizenID }) == nil {
		t.Fatal("demo fill did not give the next demo citizen")
	}
	selectWith(t, ui.Window, "con").SetSelected("con")
	pins := passwordEntries(ui.Window)
	test.Type(pins[0], "112233")
	test.Type(pins[1], "112233")
	test.Tap(button(t, ui.Window, "Tạo hồ sơ"))
	if !screenHas(t, ui.Window, second.FullName+" (con)") {
		t.Fatalf("home of the new profile: %q", labels(ui.Window.Content()))
	}
	if err := w.DemoEnrol(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(nil); err != nil {
		t.Fatal(err)
	}
	p, _ := w.Profile()
	recs, _ := w.Domains()
	if p.CitizenID != second.CitizenID || recs[0].Count == 0 {
		t.Fatalf("second profile: %s with %+v", p.CitizenID, recs)
	}

	// Settings list both; open the first: its PIN, not the child's.
	ui.Settings()
	given := strings.Fields(second.FullName)
	if !screenHas(t, ui.Window, given[len(given)-1]+" (con)") {
		t.Errorf("profiles: %q", labels(ui.Window.Content()))
	}
	test.Tap(button(t, ui.Window, "Mở"))
	if w.Unlocked() {
		t.Fatal("switching left the child's profile open")
	}
	pin := passwordEntries(ui.Window)[0]
	test.Type(pin, "112233")
	test.Tap(button(t, ui.Window, "Mở khóa"))
	if w.Unlocked() || !screenHas(t, ui.Window, "Sai mã PIN") {
		t.Fatalf("the child's PIN opened the first profile: %q", labels(ui.Window.Content()))
	}
	test.Type(pin, "246810")
	test.Tap(button(t, ui.Window, "Mở khóa"))
	if !screenHas(t, ui.Window, d.first.FullName) {
		t.Fatalf("first profile: %q", labels(ui.Window.Content()))
	}
	w.Lock()

	// A restart: the unlock screen asks whose wallet to open.
	w2 := viewmodel.NewWallet(w.Root(), badgerstore.Options{KDF: kdf.Test()})
	defer func() { w2.Lock() }()
	ui2 := app.New(test.NewTempApp(t), w2)
	who := selectWith(t, ui2.Window, given[len(given)-1]+" (con)")
	who.SetSelected(given[len(given)-1] + " (con)")
	test.Type(passwordEntries(ui2.Window)[0], "112233")
	test.Tap(button(t, ui2.Window, "Mở khóa"))
	if p, err := w2.Profile(); err != nil || p.CitizenID != second.CitizenID {
		t.Fatalf("after restart: %v %v", p.CitizenID, err)
	}
}
