package app_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/test"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// Dates as people write them are read, and what was understood is said
// back; impossible dates are refused with a reason.
func TestForgivingDates(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	want := time.Date(1973, 12, 26, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"26/12/1973", "26-12-1973", "26.12.1973", "26121973", "1973-12-26", " 26 / 12 / 1973 "} {
		got, err := viewmodel.ParseDate(s, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v", s, got, err)
		}
	}
	if got, err := viewmodel.ParseDate("6/3/1973", now); err != nil || !got.Equal(time.Date(1973, 3, 6, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("6/3/1973: %v, %v", got, err)
	}
	for s, why := range map[string]string{
		"31/02/1990": "Không có ngày này", "26/13/1973": "Không có ngày này", "ngày 26": "ngày/tháng/năm",
		"1/1/1800": "từ 1900", "1/1/2030": "từ 1900", "12/1973": "ngày/tháng/năm",
	} {
		if _, err := viewmodel.ParseDate(s, now); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v; want %q", s, err, why)
		}
	}
	if got := viewmodel.DateUnderstood("6/3/1973", now); got != "Ứng dụng hiểu là ngày 6 tháng 3 năm 1973." {
		t.Errorf("understood: %q", got)
	}
	for pin, ok := range map[string]bool{"246810": true, "90817263": true, "123456": false, "987654": false, "111111": false, "24681": false, "24681a": false} {
		if err := viewmodel.ValidPIN(pin); (err == nil) != ok {
			t.Errorf("PIN %q: %v", pin, err)
		}
	}
	if got := viewmodel.PlainWait(28 * time.Second); got != "28 giây" {
		t.Errorf("wait: %q", got)
	}
	if got := viewmodel.PlainWait(2*time.Minute + 10*time.Second); got != "2 phút 10 giây" {
		t.Errorf("wait: %q", got)
	}
}

// The PIN screen as a banking app's: focused at once, a number pad, the
// tries left before a wait, the wait in words, and what to do without
// the PIN. The create screen reads the birth date back.
func TestPINScreen(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	ui := app.New(a, viewmodel.NewWallet(filepath.Join(t.TempDir(), "p"), badgerstore.Options{KDF: kdf.Test()}))
	create := views.NewCreate(ui.Wallet, ui.Home)
	ui.Window.SetContent(create.Root)
	test.Type(create.BirthDate, "6/3/1973")
	if create.Understood.Text != "Ứng dụng hiểu là ngày 6 tháng 3 năm 1973." {
		t.Errorf("birth date read back: %q", create.Understood.Text)
	}
	test.Type(create.CitizenID, "075173924991")
	test.Type(create.FullName, "Huỳnh Bảo Linh")
	test.Type(create.PIN, "123456")
	test.Type(create.PINConfirm, "123456")
	test.Tap(create.Button)
	if ui.Wallet.HasProfile() || !strings.Contains(create.Error.Text, "quá dễ đoán") {
		t.Fatalf("an easy PIN: %q", create.Error.Text)
	}
	create.PIN.SetText("")
	create.PINConfirm.SetText("")
	test.Type(create.PIN, "246810")
	test.Type(create.PINConfirm, "246810")
	test.Tap(create.Button)
	if !ui.Wallet.HasProfile() {
		t.Fatalf("not created: %q", create.Error.Text)
	}

	ui.Lock()
	pin := find(t, ui.Window, func(*views.PINEntry) bool { return true })
	if ui.Window.Canvas().Focused() != pin {
		t.Error("the PIN field has no focus")
	}
	if pin.Keyboard() != mobile.NumberKeyboard {
		t.Error("the PIN field does not ask for the number pad")
	}
	unlock := button(t, ui.Window, "Mở khóa")
	for i, want := range []string{"Còn 4 lần thử", "Còn 3 lần thử", "Còn 2 lần thử", "Còn 1 lần thử", "Hãy chờ 30 giây rồi thử lại"} {
		test.Type(pin, "000000")
		test.Tap(unlock)
		if !screenHas(t, ui.Window, want) {
			t.Fatalf("wrong PIN %d: %q; want %q", i+1, labels(ui.Window.Content()), want)
		}
	}
	test.Type(pin, "246810") // the right one, too soon
	test.Tap(unlock)
	if ui.Wallet.Unlocked() || !screenHas(t, ui.Window, "Hãy thử lại sau") || !screenHas(t, ui.Window, "giây") || screenHas(t, ui.Window, "30s") {
		t.Fatalf("during the wait: %q", labels(ui.Window.Content()))
	}
	test.Tap(button(t, ui.Window, "Quên mã PIN?"))
	if d := labels(ui.Window.Canvas().Overlays().Top()); !strings.Contains(strings.Join(d, " "), "UBND xã, phường") {
		t.Errorf("forgot PIN: %q", d)
	}
}
