package wallet

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

func TestRegistryIsWellFormed(t *testing.T) {
	types := Types()
	if len(types) < 19 {
		t.Fatalf("Types() has %d types, want at least 19", len(types))
	}
	if len(types) != len(registry) {
		t.Fatalf("Types() has %d types, registry %d", len(types), len(registry))
	}
	perDomain := map[Domain]int{}
	lastDomain := -1
	for _, rt := range types {
		di := slices.Index(Domains, rt.Domain)
		if di < lastDomain {
			t.Errorf("Types(): %s (domain %s) comes after a later domain", rt.Code, rt.Domain)
		}
		lastDomain = di
		perDomain[rt.Domain]++
		if got, ok := LookupType(rt.Code); !ok || got != rt {
			t.Errorf("LookupType(%q) does not return the listed type", rt.Code)
		}
		if !regexp.MustCompile(`^[a-z]+\.[a-z_]+$`).MatchString(rt.Code) {
			t.Errorf("type code %q is not domain-ish.snake_case", rt.Code)
		}
		checkLabel(t, rt.Code, rt.Label)
		required := 0
		for _, f := range rt.Fields {
			where := rt.Code + "." + f.Name
			if !snakeCase.MatchString(f.Name) {
				t.Errorf("%s: field name is not snake_case", where)
			}
			switch f.Kind {
			case KindText, KindDate, KindNumber, KindBool, KindList:
			default:
				t.Errorf("%s: unknown kind %q", where, f.Kind)
			}
			checkLabel(t, where, f.Label)
			for _, o := range f.Options {
				checkLabel(t, where+"="+o.Value, o.Label)
			}
			if f.Required {
				required++
			}
			got, ok := rt.Field(f.Name)
			if !ok || got.Name != f.Name || got.Kind != f.Kind {
				t.Errorf("%s: Field() does not find it", where)
			}
		}
		if required == 0 {
			t.Errorf("%s has no required field", rt.Code)
		}
		if _, ok := rt.Field("no_such_field"); ok {
			t.Errorf("%s: Field(no_such_field) found something", rt.Code)
		}
	}
	for _, d := range Domains {
		if perDomain[d] == 0 {
			t.Errorf("domain %s has no record type", d)
		}
	}
	for _, code := range []string{
		"identity.citizen", "identity.residence", "civil.birth", "civil.marriage", "civil.death",
		"justice.criminal_record", "health.insurance_card", "health.checkup", "health.immunization",
		"health.prescription", "education.transcript", "education.diploma", "education.certificate",
		"labour.social_insurance_book", "labour.employment", "labour.contribution", "labour.allowance",
	} {
		if _, ok := LookupType(code); !ok {
			t.Errorf("record type %s is not registered", code)
		}
	}
}

func checkLabel(t *testing.T, where string, l Label) {
	t.Helper()
	if strings.TrimSpace(l.VI) == "" || strings.TrimSpace(l.EN) == "" {
		t.Errorf("%s: label %+v lacks Vietnamese or English", where, l)
	}
	if !utf8.ValidString(l.VI) || !utf8.ValidString(l.EN) {
		t.Errorf("%s: label is not UTF-8", where)
	}
	for _, r := range l.EN {
		if r > 0x7f && r != '’' {
			t.Errorf("%s: English label %q has a non-ASCII letter (Vietnamese in the wrong place?)", where, l.EN)
			break
		}
	}
}

// Sensitive data under Law 91/2025/QH15: health records and criminal
// records must be flagged so that the share screen can warn.
func TestSensitiveFlags(t *testing.T) {
	for _, code := range []string{"health.checkup", "health.prescription", "health.immunization"} {
		rt, _ := LookupType(code)
		for _, f := range rt.Fields {
			if !f.Sensitive {
				t.Errorf("%s.%s is health data but not sensitive", code, f.Name)
			}
		}
	}
	for _, name := range []string{
		"justice.criminal_record.has_conviction", "justice.criminal_record.convictions",
		"justice.criminal_record.position_ban", "civil.death.cause_of_death",
		"identity.citizen.religion", "identity.citizen.ethnicity", "health.disability.disability_type",
	} {
		i := strings.LastIndex(name, ".")
		rt, ok := LookupType(name[:i])
		if !ok {
			t.Fatalf("no type %s", name[:i])
		}
		f, ok := rt.Field(name[i+1:])
		if !ok || !f.Sensitive {
			t.Errorf("%s is not marked sensitive", name)
		}
	}
	// Ordinary identity data is not.
	rt, _ := LookupType("identity.citizen")
	if f, _ := rt.Field("full_name"); f.Sensitive {
		t.Error("identity.citizen.full_name is marked sensitive")
	}
}

func validPrescription() Claims {
	return Claims{
		"prescriber":    "BS. Trần Văn Hùng",
		"facility":      "Bệnh viện Đa khoa Đồng Nai",
		"prescribed_on": "2025-03-14",
		"diagnosis":     "Viêm họng cấp",
		"icd10_codes":   []any{"J02.9"},
		"medicines":     []any{"Amoxicillin 500mg, 21 viên, uống 3 lần/ngày"},
		"days_supply":   7,
	}
}

func TestValidateClaims(t *testing.T) {
	presc, _ := LookupType("health.prescription")
	residence, _ := LookupType("identity.residence")
	criminal, _ := LookupType("justice.criminal_record")
	with := func(k string, v any) Claims {
		c := validPrescription()
		c[k] = v
		return c
	}
	without := func(k string) Claims {
		c := validPrescription()
		delete(c, k)
		return c
	}
	many := make([]any, MaxListItems+1)
	for i := range many {
		many[i] = "x"
	}
	manyStrings := make([]string, MaxListItems+1)
	for i := range manyStrings {
		manyStrings[i] = "x"
	}

	good := []struct {
		name string
		rt   *RecordType
		c    Claims
	}{
		{"full", presc, validPrescription()},
		{"optional left out", presc, without("icd10_codes")},
		{"[]string list", presc, with("medicines", []string{"Paracetamol 500mg"})},
		{"json.Number", presc, with("days_supply", json.Number("7"))},
		{"float64", presc, with("days_supply", 7.5)},
		{"int64", presc, with("days_supply", int64(7))},
		{"uint8", presc, with("days_supply", uint8(7))},
		{"empty optional text", presc, with("advice", "")},
		{"empty optional list", presc, with("icd10_codes", []any{})},
		{"empty optional date", presc, with("follow_up_date", "")},
		{"newline and tab in text", presc, with("advice", "Uống nhiều nước.\n\tTái khám nếu sốt.")},
		{"text at the limit", presc, with("advice", strings.Repeat("a", MaxTextBytes))},
		{"list at the limit", presc, with("medicines", many[:MaxListItems])},
		{"leap day", presc, with("prescribed_on", "2024-02-29")},
		{"option", residence, Claims{
			"residence_kind": "temporary", "address": "Số 12, đường Võ Thị Sáu", "commune": "Phường Trấn Biên",
			"province": "Đồng Nai", "registered_on": "2023-08-01",
		}},
		{"bool false is present", criminal, Claims{
			"form": "1", "certificate_number": "1234/LLTP", "full_name": "Nguyễn Văn An", "birth_date": "1990-05-17",
			"citizen_id": "075090001234", "has_conviction": false, "issued_on": "2025-01-10", "issued_by": "Sở Tư pháp tỉnh Đồng Nai",
		}},
	}
	for _, tc := range good {
		if err := tc.rt.ValidateClaims(tc.c); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}

	bad := []struct {
		name  string
		rt    *RecordType
		c     Claims
		field string // must appear in the error
	}{
		{"nil claims", presc, nil, "prescriber"},
		{"missing required", presc, without("diagnosis"), "diagnosis"},
		{"empty required text", presc, with("prescriber", ""), "prescriber"},
		{"blank required text", presc, with("prescriber", "  \n"), "prescriber"},
		{"empty required list", presc, with("medicines", []any{}), "medicines"},
		{"empty required date", presc, with("prescribed_on", ""), "prescribed_on"},
		{"unknown field", presc, with("blood_type", "O"), "blood_type"},
		{"null", presc, with("advice", nil), "advice"},
		{"number as text", presc, with("prescriber", 12), "prescriber"},
		{"text as number", presc, with("days_supply", "7"), "days_supply"},
		{"bad json.Number", presc, with("days_supply", json.Number("7x")), "days_supply"},
		{"NaN", presc, with("days_supply", math.NaN()), "days_supply"},
		{"Inf", presc, with("days_supply", math.Inf(1)), "days_supply"},
		{"object", presc, with("advice", map[string]any{"a": "b"}), "advice"},
		{"date as number", presc, with("prescribed_on", 20250314), "prescribed_on"},
		{"date day out of range", presc, with("prescribed_on", "2025-02-30"), "prescribed_on"},
		{"date not padded", presc, with("prescribed_on", "2025-3-14"), "prescribed_on"},
		{"date with time", presc, with("prescribed_on", "2025-03-14T00:00:00Z"), "prescribed_on"},
		{"date DD/MM/YYYY", presc, with("prescribed_on", "14/03/2025"), "prescribed_on"},
		{"date year too early", presc, with("prescribed_on", "1700-01-01"), "prescribed_on"},
		{"list of numbers", presc, with("medicines", []any{"a", 3.0}), "medicines"},
		{"list as text", presc, with("medicines", "Paracetamol"), "medicines"},
		{"list too long", presc, with("medicines", many), "medicines"},
		{"[]string too long", presc, with("medicines", manyStrings), "medicines"},
		{"empty list item", presc, with("medicines", []any{"a", " "}), "medicines"},
		{"text too long", presc, with("advice", strings.Repeat("a", MaxTextBytes+1)), "advice"},
		{"invalid UTF-8", presc, with("advice", "B\xe1\xbb"), "advice"},
		{"NUL", presc, with("advice", "a\x00b"), "advice"},
		{"escape sequence", presc, with("advice", "\x1b[31mred"), "advice"},
		{"list item invalid UTF-8", presc, with("medicines", []any{"\xff"}), "medicines"},
		{"bool as text", criminal, Claims{
			"form": "1", "certificate_number": "1", "full_name": "A", "birth_date": "1990-05-17",
			"citizen_id": "075090001234", "has_conviction": "no", "issued_on": "2025-01-10", "issued_by": "S",
		}, "has_conviction"},
		{"option not allowed", residence, Claims{
			"residence_kind": "Thường trú", "address": "a", "commune": "b", "province": "c", "registered_on": "2023-08-01",
		}, "residence_kind"},
	}
	for _, tc := range bad {
		err := tc.rt.ValidateClaims(tc.c)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name field %s", tc.name, err, tc.field)
		}
		if !utf8.ValidString(err.Error()) {
			// Messages quote values with %q, so they stay printable.
			t.Errorf("%s: error message is not UTF-8: %q", tc.name, err)
		}
	}
}

func TestValidateClaimsDeterministic(t *testing.T) {
	presc, _ := LookupType("health.prescription")
	c := validPrescription()
	c["zz_unknown"] = 1
	c["aa_unknown"] = 1
	first := presc.ValidateClaims(c).Error()
	for range 20 {
		if got := presc.ValidateClaims(c).Error(); got != first {
			t.Fatalf("error changed between runs: %q then %q", first, got)
		}
	}
	if !strings.Contains(first, "aa_unknown") {
		t.Errorf("error %q does not name the first unknown field in order", first)
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("1990-05-17")
	if err != nil || d.Year() != 1990 || d.Month() != 5 || d.Day() != 17 || d.Location().String() != "UTC" {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	for _, s := range []string{"", "1990-5-17", "1990-05-17 ", "+1990-05-17", "1990-13-01", "2401-01-01", "19900517"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

func TestFieldOption(t *testing.T) {
	rt, _ := LookupType("identity.citizen")
	f, _ := rt.Field("sex")
	if o, ok := f.Option("female"); !ok || o.Label.VI != "Nữ" {
		t.Errorf("Option(female) = %+v, %v", o, ok)
	}
	if _, ok := f.Option("nữ"); ok {
		t.Error("Option accepted a label instead of a code")
	}
}

// Record.Validate: identifiers are printable, and a tombstone's claims,
// while optional, are still checked.
func TestRecordValidateIdentsAndTombstones(t *testing.T) {
	base := Record{
		ID: "r1", Type: "health.prescription", Domain: DomainHealth, Issuer: "vn.dongnai.soyte",
		IssuedAt: time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC), Version: 1, Status: StatusActive,
		Claims: validPrescription(),
	}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	tomb := base
	tomb.Status, tomb.Version, tomb.Claims = StatusWithdrawn, 2, nil
	if err := tomb.Validate(); err != nil {
		t.Errorf("tombstone without claims: %v", err)
	}
	tomb.Claims = Claims{"diagnosis": "Viêm họng cấp"}
	if err := tomb.Validate(); err != nil {
		t.Errorf("tombstone with some claims: %v", err)
	}
	for name, edit := range map[string]func(*Record){
		"id with space":       func(r *Record) { r.ID = "r 1" },
		"id with escape":      func(r *Record) { r.ID = "r1\x1b[2J" },
		"id not UTF-8":        func(r *Record) { r.ID = "r\xff" },
		"issuer with newline": func(r *Record) { r.Issuer = "vn.soyte\n" },
		"issuer too long":     func(r *Record) { r.Issuer = strings.Repeat("a", 201) },
		"tombstone bad claim": func(r *Record) { r.Status, r.Claims = StatusWithdrawn, Claims{"days_supply": "7"} },
		"tombstone unknown":   func(r *Record) { r.Status, r.Claims = StatusWithdrawn, Claims{"blood_type": "O"} },
		"tombstone huge claim": func(r *Record) {
			r.Status, r.Claims = StatusWithdrawn, Claims{"advice": strings.Repeat("a", MaxTextBytes+1)}
		},
	} {
		r := base
		r.Claims = validPrescription()
		edit(&r)
		if err := r.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
	}
}
