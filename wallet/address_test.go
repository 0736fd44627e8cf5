package wallet

import "testing"

func TestAddressLine(t *testing.T) {
	for _, c := range []struct{ street, commune, district, province, want string }{
		{"Số 27, đường Nguyễn Ái Quốc, khu phố 3", "Phường Trấn Biên", "", "Đồng Nai",
			"Số 27, đường Nguyễn Ái Quốc, khu phố 3, phường Trấn Biên, tỉnh Đồng Nai"},
		{"Ấp 2", "Xã Long Hưng", "Thành phố Biên Hòa", "Đồng Nai", "Ấp 2, xã Long Hưng, thành phố Biên Hòa, tỉnh Đồng Nai"},
		{"Số 5, đường Lê Lợi", "Phường Sài Gòn", "", "Hồ Chí Minh", "Số 5, đường Lê Lợi, phường Sài Gòn, thành phố Hồ Chí Minh"},
		{"", "Đặc khu Côn Đảo", "", "Thành phố Hồ Chí Minh", "đặc khu Côn Đảo, thành phố Hồ Chí Minh"},
		{"", "", "", "Tỉnh Đồng Nai", "tỉnh Đồng Nai"},
		{" Tổ 4 ", "Phường Hố Nai", "Thị xã Long Khánh", "", "Tổ 4, phường Hố Nai, thị xã Long Khánh"},
		{"", "", "", "", ""},
	} {
		if got := AddressLine(c.street, c.commune, c.district, c.province); got != c.want {
			t.Errorf("AddressLine(%q, %q, %q, %q) = %q, want %q", c.street, c.commune, c.district, c.province, got, c.want)
		}
	}
}

func TestObjectLine(t *testing.T) {
	typ, _ := LookupType("identity.citizen")
	o, ok := typ.ObjectOf("current_province")
	if !ok || o.Name != "current_address" {
		t.Fatalf("identity.citizen: current_province is in %+v, %v; want the object current_address", o, ok)
	}
	for _, c := range []struct {
		claims Claims
		want   string
	}{
		{Claims{"current_street": "Ấp 2", "current_commune": "Xã Long Hưng", "current_district": "Thành phố Biên Hòa", "current_province": "Đồng Nai",
			"permanent_street": "Số 1, đường Đồng Khởi"}, "Ấp 2, xã Long Hưng, thành phố Biên Hòa, tỉnh Đồng Nai"},
		// A procedure that asked for the commune and province alone.
		{Claims{"current_commune": "Phường Trấn Biên", "current_province": "Đồng Nai"}, "phường Trấn Biên, tỉnh Đồng Nai"},
		{Claims{"permanent_street": "Số 1, đường Đồng Khởi", "current_province": 7}, ""},
	} {
		if got := o.Line(c.claims); got != c.want {
			t.Errorf("Line(%v) = %q, want %q", c.claims, got, c.want)
		}
	}
}

// TestRegisterRefusesMalformedObjects: an object that is not an address
// of the registry's shape, or holds a field twice or a field the type
// lacks, never reaches the registry.
func TestRegisterRefusesMalformedObjects(t *testing.T) {
	fields := []Field{{Name: "street", Kind: KindText}, {Name: "commune", Kind: KindText}, {Name: "district", Kind: KindText},
		{Name: "province", Kind: KindText}, {Name: "note", Kind: KindText}}
	for name, objs := range map[string][]Object{
		"three fields":    {{Name: "addr", Fields: []string{"street", "commune", "province"}}},
		"wrong order":     {{Name: "addr", Fields: []string{"street", "province", "district", "commune"}}},
		"unknown field":   {{Name: "addr", Fields: []string{"street", "commune", "district", "x_province"}}},
		"named as field":  {{Name: "note", Fields: []string{"street", "commune", "district", "province"}}},
		"a field twice":   {{Name: "a", Fields: []string{"street", "commune", "district", "province"}}, {Name: "b", Fields: []string{"note", "commune", "district", "province"}}},
		"without a field": {{Name: "addr"}},
	} {
		code := "test.malformed_object"
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: register accepted %+v", name, objs)
				}
			}()
			register(&RecordType{Code: code, Domain: DomainIdentity, Fields: fields, Objects: objs})
		}()
		if _, ok := LookupType(code); ok {
			t.Fatalf("%s: the type was registered", name)
		}
	}
}

// TestProposeAddressTravelsWhole: the optional district of an address
// starts selected with the address's required members, and no other
// optional field does; with no required member, nothing is selected.
func TestProposeAddressTravelsWhole(t *testing.T) {
	r := Record{ID: "cccd-1", Type: "identity.citizen", Status: StatusActive, Claims: Claims{
		"current_street": "Ấp 2", "current_commune": "Xã Long Hưng", "current_district": "Thành phố Biên Hòa",
		"current_province": "Đồng Nai", "ethnicity": "Kinh"}}
	field := func(claim string, required bool) ProcedureField {
		return ProcedureField{Type: "identity.citizen", Claim: claim, Required: required}
	}
	p := Procedure{Code: "test", Fields: []ProcedureField{field("current_street", true), field("current_commune", true),
		field("current_district", false), field("current_province", true), field("ethnicity", false)}}
	got := map[string]bool{}
	for _, f := range Propose(p, []Record{r}).Selected() {
		got[f.Claim] = true
	}
	if len(got) != 4 || !got["current_district"] || got["ethnicity"] {
		t.Errorf("selected %v; want the four members of the address", got)
	}
	p.Fields = []ProcedureField{field("current_commune", false), field("current_district", false), field("current_province", false)}
	if sel := Propose(p, []Record{r}).Selected(); len(sel) != 0 {
		t.Errorf("no field required, yet %v selected", sel)
	}
}
