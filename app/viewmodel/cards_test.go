package viewmodel_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Each card lays the demo generator's records out as the document: the
// printed names in the printed order, coded values in words with their
// code, and every other claim under "Chi tiết", none lost or shown twice.
func TestCardOf(t *testing.T) {
	cases := []struct {
		typ   string
		order []string // the document's lines, in order (optional ones may be absent)
		must  []string // lines every record of the type has
		check func(t *testing.T, r wallet.Record, c viewmodel.Card)
	}{{
		typ: "health.insurance_card",
		order: []string{"Mã thẻ", "Họ và tên", "Ngày sinh", "Giới tính", "Địa chỉ", "Đối tượng", "Mức hưởng",
			"Nơi đăng ký khám chữa bệnh ban đầu", "Giá trị sử dụng", "Thời điểm đủ 5 năm liên tục"},
		must: []string{"Mã thẻ", "Họ và tên", "Đối tượng", "Mức hưởng", "Nơi đăng ký khám chữa bệnh ban đầu", "Giá trị sử dụng"},
		check: func(t *testing.T, r wallet.Record, c viewmodel.Card) {
			if c.Title != "Thẻ bảo hiểm y tế" {
				t.Errorf("title %q", c.Title)
			}
			level := line(c, "Mức hưởng")
			n := int(r.Claims["benefit_level"].(float64))
			if level.Code != "mã "+string(rune('0'+n)) || !strings.Contains(level.Value, "Quỹ BHYT trả") || strings.Contains(level.Value, "Mức hưởng") {
				t.Errorf("level %d said as %+v", n, level)
			}
			if want := map[int]string{3: "95 %", 4: "80 %"}[n]; !strings.Contains(level.Value, want) {
				t.Errorf("level %d: %q lacks %q", n, level.Value, want)
			}
			group := line(c, "Đối tượng")
			if g := r.Claims["beneficiary_group"].(string); group.Code != "mã "+g || group.Value == g {
				t.Errorf("group %s said as %+v", g, group)
			}
			if v := line(c, "Giá trị sử dụng").Value; !strings.HasPrefix(v, "từ ngày ") || !strings.Contains(v, " đến ngày 31/12/") {
				t.Errorf("validity %q", v)
			}
			if l := line(c, "Mã thẻ"); l.Kind != viewmodel.Value || l.Value != r.Claims["card_number"] {
				t.Errorf("card number line %+v", l)
			}
		},
	}, {
		typ: "identity.citizen",
		order: []string{"Số định danh cá nhân", "Họ, chữ đệm và tên khai sinh", "Ngày, tháng, năm sinh", "Giới tính", "Quốc tịch",
			"Nơi cư trú", "Nơi đăng ký khai sinh", "Ngày, tháng, năm cấp", "Ngày, tháng, năm hết hạn", "Cơ quan cấp"},
		must: []string{"Số định danh cá nhân", "Họ, chữ đệm và tên khai sinh", "Ngày, tháng, năm sinh", "Giới tính", "Quốc tịch"},
		check: func(t *testing.T, r wallet.Record, c viewmodel.Card) {
			if c.Title != "Căn cước" {
				t.Errorf("title %q", c.Title)
			}
			if l := line(c, "Số định danh cá nhân"); l.Kind != viewmodel.Value || l.Value != r.Claims["citizen_id"] {
				t.Errorf("id line %+v", l)
			}
			if l := line(c, "Giới tính"); l.Value != "Nam" && l.Value != "Nữ" {
				t.Errorf("sex said as %q", l.Value)
			}
			// The place of residence printed on one line, from the four
			// members of the permanent address.
			rt, _ := wallet.LookupType(r.Type)
			o, _ := rt.ObjectOf("permanent_province")
			if l := line(c, "Nơi cư trú"); l.Value != o.Line(r.Claims) || !strings.HasPrefix(l.Value, "Số ") || !strings.HasSuffix(l.Value, ", tỉnh Đồng Nai") {
				t.Errorf("place of residence %q from %v", l.Value, r.Claims)
			}
			// The current address, among the details, on one row too.
			cur, _ := rt.ObjectOf("current_province")
			i := slices.IndexFunc(c.Details, func(d viewmodel.FieldRow) bool { return d.Label == "Nơi ở hiện tại" })
			if i < 0 || c.Details[i].Value != cur.Line(r.Claims) || !strings.HasSuffix(c.Details[i].Value, ", tỉnh Đồng Nai") {
				t.Errorf("current address among %+v", c.Details)
			}
		},
	}, {
		typ:   viewmodel.DrivingLicenceType,
		order: []string{"Số", "Họ tên", "Ngày sinh", "Quốc tịch", "Nơi cư trú", "Hạng", "Ngày trúng tuyển", "Có giá trị đến", "Ngày cấp", "Cơ quan cấp"},
		must:  []string{"Số", "Họ tên", "Ngày sinh", "Quốc tịch", "Nơi cư trú", "Hạng", "Ngày trúng tuyển", "Ngày cấp", "Cơ quan cấp"},
		check: func(t *testing.T, r wallet.Record, c viewmodel.Card) {
			if c.Title != "Giấy phép lái xe" {
				t.Errorf("title %q", c.Title)
			}
			class := r.Claims["class"].(string)
			if l := line(c, "Hạng"); l.Code != "mã "+class || !strings.HasPrefix(l.Value, class+": ") || len(l.Value) < len(class)+10 {
				t.Errorf("class %s said as %+v", class, l)
			}
			if l := line(c, "Số"); l.Kind != viewmodel.Value || l.Value != r.Claims["licence_number"] {
				t.Errorf("number line %+v", l)
			}
			// A licence of a class without a term has no expiry line.
			if _, has := r.Claims["expires_on"]; has != (line(c, "Có giá trị đến").Label != "") {
				t.Errorf("expiry %v, line %+v", r.Claims["expires_on"], line(c, "Có giá trị đến"))
			}
		},
	}, {
		typ: "education.diploma",
		order: []string{"Ngành đào tạo", "Cấp cho", "Ngày sinh", "Xếp loại tốt nghiệp", "Hình thức đào tạo", "Năm tốt nghiệp",
			"Cơ sở cấp bằng", "Ngày cấp", "Số hiệu", "Số vào sổ cấp văn bằng"},
		must: []string{"Cấp cho", "Năm tốt nghiệp", "Cơ sở cấp bằng", "Số hiệu"},
		check: func(t *testing.T, r wallet.Record, c viewmodel.Card) {
			if c.Title != r.Claims["kind"] {
				t.Errorf("title %q, kind %v", c.Title, r.Claims["kind"])
			}
			if y := line(c, "Năm tốt nghiệp").Value; len(y) != 4 {
				t.Errorf("year %q", y)
			}
		},
	}}
	for _, tc := range cases {
		rt, ok := wallet.LookupType(tc.typ)
		if !ok {
			t.Fatalf("%s is not registered", tc.typ)
		}
		for i := range 40 {
			r := sample.Record(rt, i)
			c, ok := viewmodel.CardOf(r)
			if !ok {
				t.Fatalf("%s has no card", tc.typ)
			}
			var names []string
			for _, l := range c.Lines {
				names = append(names, l.Label)
			}
			if !inOrder(names, tc.order) {
				t.Errorf("%s %d: lines %q, not in the document's order %q", tc.typ, i, names, tc.order)
			}
			for _, m := range tc.must {
				if !slices.Contains(names, m) {
					t.Errorf("%s %d: no %q among %q", tc.typ, i, m, names)
				}
			}
			checkNothingLost(t, rt, r, c)
			tc.check(t, r, c)
		}
	}
}

// checkNothingLost: every claim is on the card or among the details, once;
// no name is shown twice (two different "Ngày cấp" on one screen).
func checkNothingLost(t *testing.T, rt *wallet.RecordType, r wallet.Record, c viewmodel.Card) {
	t.Helper()
	seen := map[string]int{}
	for _, l := range c.Lines {
		seen[l.Label]++
	}
	for _, d := range c.Details {
		seen[d.Label]++
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("%s: %q shown %d times", r.Type, name, n)
		}
	}
	lines := len(c.Lines)
	if rt.Code == "health.insurance_card" && r.Claims["valid_from"] != nil && r.Claims["valid_to"] != nil {
		lines++ // from and to on one line
	}
	for _, o := range rt.Objects {
		n := 0
		for _, f := range o.Fields {
			if r.Claims[f] != nil {
				n++
			}
		}
		lines += max(n-1, 0) // an address on one line, or one row of the details
	}
	if got, want := lines+len(c.Details), len(r.Claims); got != want {
		t.Errorf("%s: %d lines + %d details for %d claims", r.Type, len(c.Lines), len(c.Details), want)
	}
}

// The demo's health-insurance cards carry the benefit level the law gives
// their beneficiary group (Quyết định 1351/QĐ-BHXH), which the card says
// in words.
func TestDemoBenefitLevelsMatchGroups(t *testing.T) {
	rt, _ := wallet.LookupType("health.insurance_card")
	levels := map[float64]int{}
	for i := range 400 {
		c := sample.Record(rt, i).Claims
		lvl, ok := viewmodel.BenefitLevel[int(c["benefit_level"].(float64))]
		group := c["beneficiary_group"].(string)
		if !ok || !slices.Contains(lvl.Groups, group) {
			t.Errorf("card %d: group %s with level %v", i, group, c["benefit_level"])
		}
		if _, named := viewmodel.Beneficiary[group]; !named {
			t.Errorf("group %s has no words", group)
		}
		levels[c["benefit_level"].(float64)]++
	}
	if len(levels) < 2 {
		t.Errorf("the demo has only levels %v", levels)
	}
	for n, l := range viewmodel.BenefitLevel {
		if n < 1 || n > 5 || l.Words.VI == "" || l.Words.EN == "" || len(l.Groups) == 0 {
			t.Errorf("level %d: %+v", n, l)
		}
	}
}

// The driving licence card of a licence as the warehouse sends it, and
// of one that lists two classes.
func TestDrivingLicenceCard(t *testing.T) {
	r := wallet.Record{Type: viewmodel.DrivingLicenceType, Claims: wallet.Claims{
		"licence_number":  "750123456789",
		"full_name":       "Nguyễn Văn An",
		"birth_date":      "1973-12-26",
		"nationality":     "Việt Nam",
		"residence":       "Phường Trấn Biên, tỉnh Đồng Nai",
		"class":           "A1, B",
		"first_issued_on": "2015-03-06",
		"expires_on":      "2035-03-06",
		"issued_on":       "2025-03-06",
		"issued_by":       "Phòng Cảnh sát giao thông, Công an tỉnh Đồng Nai",
		"citizen_id":      "075073001234",
	}}
	c, ok := viewmodel.CardOf(r)
	if !ok || c.Title != "Giấy phép lái xe" {
		t.Fatalf("card %+v, %v", c, ok)
	}
	var names []string
	for _, l := range c.Lines {
		names = append(names, l.Label)
	}
	want := []string{"Số", "Họ tên", "Ngày sinh", "Quốc tịch", "Nơi cư trú", "Hạng", "Ngày trúng tuyển", "Có giá trị đến", "Ngày cấp", "Cơ quan cấp"}
	if !slices.Equal(names, want) {
		t.Errorf("lines %q, want %q", names, want)
	}
	class := line(c, "Hạng")
	if class.Code != "mã A1, B" || !strings.Contains(class.Value, "A1: Xe mô tô hai bánh") || !strings.Contains(class.Value, "B: Ô tô chở người đến 8 chỗ") {
		t.Errorf("class said as %+v", class)
	}
	if d := line(c, "Ngày sinh"); d.Value != "26/12/1973" || d.Kind != viewmodel.Value {
		t.Errorf("birth date %+v", d)
	}
	if len(c.Details) != 1 || c.Details[0].Value != "075073001234" {
		t.Errorf("details %+v", c.Details)
	}
	// A class the law does not name stays as its code.
	r.Claims["class"] = "Z9"
	c, _ = viewmodel.CardOf(r)
	if l := line(c, "Hạng"); l.Value != "Z9" || l.Code != "" {
		t.Errorf("unknown class said as %+v", l)
	}
	// Other types have no card.
	if viewmodel.HasCard("health.checkup") || !viewmodel.HasCard("education.diploma") {
		t.Error("HasCard")
	}
}

func TestIsCode(t *testing.T) {
	for s, want := range map[string]bool{
		"HC4757573214192": true, "075173001234": true, "26/12/1973": true, "B2": true, " 12 ": true,
		"Nguyễn Văn An": false, "": false, "Số 12, đường Võ Thị Sáu": false, "Kinh": false,
	} {
		if got := viewmodel.IsCode(s); got != want {
			t.Errorf("IsCode(%q) = %v", s, got)
		}
	}
}

func line(c viewmodel.Card, label string) viewmodel.CardLine {
	for _, l := range c.Lines {
		if l.Label == label {
			return l
		}
	}
	return viewmodel.CardLine{}
}

// inOrder reports whether every name is in order, in that order.
func inOrder(names, order []string) bool {
	at := 0
	for _, n := range names {
		i := slices.Index(order[at:], n)
		if i < 0 {
			return false
		}
		at += i + 1
	}
	return true
}
