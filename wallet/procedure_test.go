package wallet_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

const catHead = `{"format":"citizenwallet.procedures/v1","procedures":[`

func proc(fields string) string {
	return `{"code":"p.one","national_code":"","name":{"vi":"Thủ tục","en":"Procedure"},"recipient":{"vi":"UBND","en":"Committee"},"recipient_kinds":["commune"],` +
		`"purpose":{"code":"test","text":{"vi":"Thử","en":"Test"}},"legal_basis":{"vi":"Luật","en":"Law"},"retention":{"vi":"30 ngày","en":"30 days"},` +
		`"fields":[` + fields + `]}`
}

const goodField = `{"type":"identity.citizen","claim":"full_name","required":true,"why":{"vi":"Họ tên","en":"Name"}}`

func TestParseCatalogueRefuses(t *testing.T) {
	if _, err := wallet.ParseCatalogue([]byte(catHead + proc(goodField) + `]}`)); err != nil {
		t.Fatalf("a good catalogue: %v", err)
	}
	for name, doc := range map[string]string{
		"format":                 `{"format":"other/v1","procedures":[]}`,
		"unknown member":         catHead + proc(goodField) + `],"extra":1}`,
		"unknown type":           catHead + proc(strings.Replace(goodField, "identity.citizen", "identity.nope", 1)) + `]}`,
		"unknown claim":          catHead + proc(strings.Replace(goodField, "full_name", "shoe_size", 1)) + `]}`,
		"field twice":            catHead + proc(goodField+","+goodField) + `]}`,
		"code twice":             catHead + proc(goodField) + "," + proc(goodField) + `]}`,
		"no english":             catHead + proc(strings.Replace(goodField, `"en":"Name"`, `"en":""`, 1)) + `]}`,
		"none required":          catHead + proc(strings.Replace(goodField, `"required":true`, `"required":false`, 1)) + `]}`,
		"bad code":               catHead + strings.Replace(proc(goodField), `"p.one"`, `"p one\n"`, 1) + `]}`,
		"no recipient kind":      catHead + strings.Replace(proc(goodField), `"recipient_kinds":["commune"],`, ``, 1) + `]}`,
		"unknown recipient kind": catHead + strings.Replace(proc(goodField), `["commune"]`, `["ministry"]`, 1) + `]}`,
		"not JSON":               `{`,
	} {
		if _, err := wallet.ParseCatalogue([]byte(doc)); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A proposal selects exactly the procedure's minimum that the wallet
// holds; removing a field shows what the procedure then lacks.
func TestPropose(t *testing.T) {
	cat, err := wallet.ParseCatalogue([]byte(catHead + proc(goodField+
		`,{"type":"identity.citizen","claim":"ethnicity","required":false,"why":{"vi":"Dân tộc","en":"Ethnicity"}}`+
		`,{"type":"civil.marital_status","claim":"marital_status","required":true,"why":{"vi":"Tình trạng","en":"Status"}}`) + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Lookup("p.one")
	idt, _ := wallet.LookupType("identity.citizen")
	old := sample.Record(idt, 1)
	newer := sample.Nth(idt, 1, 1)
	newer.IssuedAt = old.IssuedAt.Add(24 * time.Hour)
	withdrawn := sample.Nth(idt, 1, 2)
	withdrawn.IssuedAt = old.IssuedAt.Add(48 * time.Hour)
	withdrawn.Status = wallet.StatusWithdrawn
	pr := wallet.Propose(p, []wallet.Record{old, newer, withdrawn})

	sel := pr.Selected()
	if len(sel) != 1 || sel[0] != (wallet.FieldRef{RecordID: newer.ID, Type: "identity.citizen", Claim: "full_name"}) {
		t.Fatalf("selected %+v; want only full_name from the newest active record", sel)
	}
	if !pr.Items[1].Available() || pr.Items[1].Selected {
		t.Errorf("optional ethnicity: %+v (available, not pre-selected)", pr.Items[1])
	}
	if !pr.Items[1].Sensitive() {
		t.Error("ethnicity is sensitive")
	}
	lack := pr.Lacking()
	if len(lack) != 1 || lack[0].Claim != "marital_status" || lack[0].Available() {
		t.Errorf("lacking %+v; want the marital status the wallet does not hold", lack)
	}
	if pr.Set("civil.marital_status", "marital_status", true) {
		t.Error("selected a field the wallet cannot supply")
	}
	if !pr.Set("identity.citizen", "full_name", false) || len(pr.Selected()) != 0 || len(pr.Lacking()) != 2 {
		t.Errorf("after removing full_name: selected %v, lacking %d", pr.Selected(), len(pr.Lacking()))
	}
	if !pr.Set("identity.citizen", "ethnicity", true) || len(pr.Selected()) != 1 {
		t.Errorf("adding ethnicity: %v", pr.Selected())
	}
}

// By hand: every claim of each type held (newest active record), none
// selected, nothing lacking; a type held only as withdrawn is not offered.
func TestProposeByHand(t *testing.T) {
	idt, _ := wallet.LookupType("identity.citizen")
	card, _ := wallet.LookupType("health.insurance_card")
	rx, _ := wallet.LookupType("health.prescription")
	id, insurance, prescription := sample.Record(idt, 1), sample.Record(card, 1), sample.Record(rx, 1)
	prescription.Status = wallet.StatusWithdrawn
	pr := wallet.ProposeByHand([]wallet.Record{insurance, id, prescription})
	if pr.Procedure.Code != wallet.OtherProcedure || len(pr.Selected()) != 0 || len(pr.Lacking()) != 0 {
		t.Fatalf("by hand: code %q, selected %v, lacking %v", pr.Procedure.Code, pr.Selected(), pr.Lacking())
	}
	want := len(id.Claims) + len(insurance.Claims)
	types := map[string]bool{}
	for _, it := range pr.Items {
		types[it.Type] = true
		if !it.Available() || it.Required {
			t.Errorf("%s.%s: available %v, required %v", it.Type, it.Claim, it.Available(), it.Required)
		}
	}
	if len(pr.Items) != want || len(types) != 2 || types["health.prescription"] || pr.Items[0].Type != "identity.citizen" {
		t.Errorf("%d items over %v; want %d over identity then insurance", len(pr.Items), types, want)
	}
}
