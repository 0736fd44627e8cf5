package viewmodel

import (
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/consent"
)

// TestCounterJoinsAddress: the members of an address a token discloses
// are one row of the counter's verdict, written as the document would
// (whichever members were asked for), while the fields kept for the
// export stay apart.
func TestCounterJoinsAddress(t *testing.T) {
	f := func(rec int, typ, claim string, v any) consent.Field {
		return consent.Field{Record: rec, Type: typ, Claim: claim, Value: v}
	}
	res := &consent.Result{Procedure: "civil.marriage_registration", Fields: []consent.Field{
		f(1, "identity.citizen", "full_name", "Nguyễn Thị Thu Hà"),
		f(1, "identity.citizen", "current_province", "Đồng Nai"),
		f(1, "identity.citizen", "current_commune", "Phường Trấn Biên"),
		f(1, "identity.citizen", "permanent_province", "Đồng Nai"),
		f(2, "identity.residence", "address", "Ấp 2"),
		f(2, "identity.residence", "commune", "Xã Long Hưng"),
		f(2, "identity.residence", "district", "Thành phố Biên Hòa"),
		f(2, "identity.residence", "province", "Đồng Nai"),
	}}
	out := newCounterResult(res)
	if len(out.fields) != len(res.Fields) {
		t.Errorf("the export keeps %d fields of %d", len(out.fields), len(res.Fields))
	}
	want := [][]CounterField{
		{{Label: "Họ, chữ đệm và tên khai sinh", Value: "Nguyễn Thị Thu Hà"}, {Label: "Nơi ở hiện tại", Value: "phường Trấn Biên, tỉnh Đồng Nai"},
			{Label: "Nơi thường trú", Value: "tỉnh Đồng Nai"}},
		{{Label: "Nơi cư trú", Value: "Ấp 2, xã Long Hưng, thành phố Biên Hòa, tỉnh Đồng Nai"}},
	}
	if len(out.Groups) != len(want) {
		t.Fatalf("groups %+v", out.Groups)
	}
	for i, g := range out.Groups {
		if len(g.Fields) != len(want[i]) {
			t.Errorf("group %d: %+v, want %+v", i, g.Fields, want[i])
			continue
		}
		for j, cf := range g.Fields {
			if cf != want[i][j] {
				t.Errorf("group %d row %d: %+v, want %+v", i, j, cf, want[i][j])
			}
		}
	}
}
