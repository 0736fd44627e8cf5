package app_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/wallet"
)

// A BHYT card opens as the card: printed names, the benefit level in
// words with its code in small text, the other claims behind a closed
// "Chi tiết"; no record screen shows two "Ngày cấp", and the date the
// agency signed the electronic copy is said as such.
func TestRecordCard(t *testing.T) {
	d := newDemo(t)
	d.ready(t)
	ui, w := d.ui, d.w
	defer w.Lock()
	card := recordOfType(t, w, wallet.DomainHealth, "Thẻ bảo hiểm y tế")
	ui.Record(wallet.DomainHealth, card.ID)
	on := visibleLabels(ui.Window.Content())
	for _, want := range []string{"THẺ BẢO HIỂM Y TẾ", "Mã thẻ", "Mức hưởng", "Đối tượng", "Giá trị sử dụng", "Chi tiết", "Ngày ký bản điện tử"} {
		if !contains(on, want) {
			t.Errorf("card lacks %q: %q", want, on)
		}
	}
	words := false
	for _, l := range on {
		words = words || strings.HasPrefix(l, "Quỹ BHYT trả ")
		if strings.HasPrefix(l, "Mức hưởng ") || l == "4" {
			t.Errorf("a raw level on the card: %q", l)
		}
	}
	if !words || !contains(on, "mã 4") && !contains(on, "mã 3") {
		t.Errorf("the benefit level is not said in words with its code: %q", on)
	}
	if contains(on, "Mã số BHXH") {
		t.Error("Chi tiết is open at first")
	}
	acc := find(t, ui.Window, func(a *widget.Accordion) bool { return len(a.Items) == 1 && a.Items[0].Title == "Chi tiết" })
	acc.Open(0)
	if on := visibleLabels(ui.Window.Content()); !contains(on, "Mã số BHXH") {
		t.Errorf("Chi tiết does not show the other claims: %q", on)
	}

	// Every record of the citizen: at most one "Ngày cấp" (the
	// document's own), and the signing date under its own name.
	cards := 0
	for _, dom := range wallet.Domains {
		rows, err := w.Records(dom)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			ui.Record(dom, r.ID)
			all := labels(ui.Window.Content())
			n := 0
			for _, l := range all {
				if strings.HasPrefix(l, "Ngày cấp") {
					n++
				}
			}
			if n > 1 || !contains(all, "Ngày ký bản điện tử") {
				t.Errorf("%s: %d labels start with Ngày cấp: %q", r.Title, n, all)
			}
			if d, err := w.Record(r.ID); err == nil && d.Card != nil {
				cards++
			}
		}
	}
	if cards < 3 {
		t.Errorf("only %d records of the demo citizen open as cards", cards)
	}

	// The demo citizen's driving licence (the provincial police's record)
	// opens as the licence: its class in words with the code beside.
	lic := recordOfType(t, w, wallet.DomainIdentity, "Giấy phép lái xe")
	ui.Record(wallet.DomainIdentity, lic.ID)
	on = visibleLabels(ui.Window.Content())
	for _, want := range []string{"GIẤY PHÉP LÁI XE", "Số", "Họ tên", "Hạng", "Ngày trúng tuyển", "Cơ quan cấp", "mã A1", "A1: Xe mô tô hai bánh đến 125 cm³ hoặc động cơ điện đến 11 kW"} {
		if !contains(on, want) {
			t.Errorf("licence card lacks %q: %q", want, on)
		}
	}
}

// The enrolment screen says where a citizen gets the code.
func TestEnrolSaysWhereTheCodeComes(t *testing.T) {
	d := newDemo(t)
	if err := d.w.Create(viewmodel.CreateForm{CitizenID: d.first.CitizenID, FullName: d.first.FullName, BirthDate: d.first.BirthDate.Format("02/01/2006"), PIN: "246810", PINConfirm: "246810"}); err != nil {
		t.Fatal(err)
	}
	defer d.w.Lock()
	d.ui.Home()
	said := strings.Join(visibleLabels(d.ui.Window.Content()), "\n")
	for _, want := range []string{"VNeID mức 2", "Ủy ban nhân dân xã, phường", "tổ công nghệ số cộng đồng", "in mã"} {
		if !strings.Contains(said, want) {
			t.Errorf("the enrolment screen does not say %q:\n%s", want, said)
		}
	}
}
