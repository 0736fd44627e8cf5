package wallet

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestProvinceList(t *testing.T) {
	if len(provinces) != 63 {
		t.Fatalf("province list has %d codes, want the 63 of Circular 07/2016/TT-BCA", len(provinces))
	}
	for code, want := range map[string]string{"001": "Hà Nội", "075": "Đồng Nai", "051": "Quảng Ngãi", "054": "Phú Yên", "014": "Sơn La", "079": "Hồ Chí Minh", "096": "Cà Mau"} {
		if got, ok := CitizenIDProvince(code + "090000000"); !ok || got != want {
			t.Errorf("CitizenIDProvince(%s...) = %q, %v; want %q", code, got, ok, want)
		}
	}
	for _, code := range []string{"000", "003", "005", "097", "099", "100"} {
		if _, ok := CitizenIDProvince(code + "090000000"); ok {
			t.Errorf("code %s accepted as a province", code)
		}
	}
	if _, ok := CitizenIDProvince("07"); ok {
		t.Error("CitizenIDProvince accepted a 2-character id")
	}
}

func TestValidateCitizenID(t *testing.T) {
	for _, id := range []string{
		"075090001234", // Đồng Nai, male, 1990
		"075195012345", // Đồng Nai, female, 1995
		"001203000001", // Hà Nội, male, 2003
		"096310999999", // Cà Mau, female, 2010
		"051499000000", // Quảng Ngãi, male, 2199
		"014987654321", // Sơn La, female, 2387
	} {
		if err := ValidateCitizenID(id); err != nil {
			t.Errorf("ValidateCitizenID(%s): %v", id, err)
		}
	}
	for _, tc := range []struct{ id, want string }{
		{"", "empty"},
		{"07509000123", "12 digits"},
		{"0750900012345", "12 digits"},
		{"07509000123a", "digits"},
		{"075 90001234", "digits"},
		{"０７５090001234", "digits"}, // full-width digits
		{"-75090001234", "digits"},
		{"000090001234", "province"},
		{"003090001234", "province"},
		{"097090001234", "province"},
		{"999090001234", "province"},
	} {
		err := ValidateCitizenID(tc.id)
		if err == nil {
			t.Errorf("ValidateCitizenID(%q) accepted", tc.id)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateCitizenID(%q) = %v; want ErrInvalid mentioning %q", tc.id, err, tc.want)
		}
	}
}

func TestCitizenIDBirthYear(t *testing.T) {
	for _, tc := range []struct {
		id     string
		year   int
		female bool
	}{
		{"075090001234", 1990, false},
		{"075190001234", 1990, true},
		{"075200001234", 2000, false},
		{"075324001234", 2024, true},
		{"075400001234", 2100, false},
		{"075501001234", 2101, true},
		{"075650001234", 2250, false},
		{"075799001234", 2299, true},
		{"075800001234", 2300, false},
		{"075999001234", 2399, true},
		{"075000001234", 1900, false},
	} {
		y, f, err := CitizenIDBirthYear(tc.id)
		if err != nil || y != tc.year || f != tc.female {
			t.Errorf("CitizenIDBirthYear(%s) = %d, %v, %v; want %d, %v", tc.id, y, f, err, tc.year, tc.female)
		}
	}
	if _, _, err := CitizenIDBirthYear("12"); !errors.Is(err, ErrInvalid) {
		t.Errorf("CitizenIDBirthYear(12) = %v", err)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestProfileValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ok := Profile{CitizenID: "075090001234", FullName: "Nguyễn Văn An", BirthDate: date(1990, 5, 17)}
	if err := ok.validateAt(now); err != nil {
		t.Fatalf("valid profile: %v", err)
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid profile with the real clock: %v", err)
	}
	good := []Profile{
		{CitizenID: "075324000001", FullName: "Trần Thị Bảo Ngọc", BirthDate: date(2024, 2, 29)},
		{CitizenID: "066185000002", FullName: "H'Hen Niê", BirthDate: date(1985, 1, 1)},
		{CitizenID: "066200000003", FullName: "Y-Moan Êban", BirthDate: date(2000, 12, 31)},
		// Decomposed (NFD) diacritics are letters plus combining marks.
		{CitizenID: "075090001234", FullName: "Nguye\u0302\u0303n Va\u0306n An", BirthDate: date(1990, 1, 1)},
		{CitizenID: "075326000001", FullName: "Lê Minh", BirthDate: date(2026, 3, 1)}, // born today
	}
	for _, p := range good {
		if err := p.validateAt(now); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	with := func(f func(*Profile)) Profile { p := ok; f(&p); return p }
	bad := []struct {
		name string
		p    Profile
		want string
	}{
		{"bad id", with(func(p *Profile) { p.CitizenID = "07509000123" }), "12 digits"},
		{"bad province", with(func(p *Profile) { p.CitizenID = "098090001234" }), "province"},
		{"empty name", with(func(p *Profile) { p.FullName = "" }), "empty"},
		{"blank name", with(func(p *Profile) { p.FullName = " \t " }), "empty"},
		{"untrimmed name", with(func(p *Profile) { p.FullName = " Nguyễn Văn An" }), "spaces"},
		{"double space", with(func(p *Profile) { p.FullName = "Nguyễn  Văn An" }), "spaces"},
		{"digit in name", with(func(p *Profile) { p.FullName = "Nguyễn Văn An 2" }), "letter"},
		{"control in name", with(func(p *Profile) { p.FullName = "Nguyễn\nAn" }), "letter"},
		{"emoji", with(func(p *Profile) { p.FullName = "An 🙂" }), "letter"},
		{"invalid UTF-8", with(func(p *Profile) { p.FullName = "Nguy\xe1n" }), "UTF-8"},
		{"long name", with(func(p *Profile) { p.FullName = strings.Repeat("ễ", MaxNameRunes+1) }), "characters"},
		{"no birth date", with(func(p *Profile) { p.BirthDate = time.Time{} }), "no birth date"},
		{"birth with time", with(func(p *Profile) { p.BirthDate = p.BirthDate.Add(time.Hour) }), "midnight"},
		{"birth not UTC", with(func(p *Profile) {
			p.BirthDate = time.Date(1990, 5, 17, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))
		}), "midnight UTC"},
		{"future birth", Profile{CitizenID: "075226001234", FullName: "Lê An", BirthDate: date(2026, 3, 2)}, "future"},
		{"year digits disagree", with(func(p *Profile) { p.BirthDate = date(1991, 5, 17) }), "1990"},
		{"century disagrees", with(func(p *Profile) { p.CitizenID = "075290001234" }), "2090"},
		{"20th-century digit for a 2005 birth", Profile{CitizenID: "075005001234", FullName: "Lê An", BirthDate: date(2005, 6, 1)}, "1905"},
	}
	for _, tc := range bad {
		err := tc.p.validateAt(now)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrInvalid mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestValidatePIN(t *testing.T) {
	for _, pin := range []string{"123456", "mật khẩu dài", "000000", strings.Repeat("9", MaxPINBytes)} {
		if err := ValidatePIN([]byte(pin)); err != nil {
			t.Errorf("ValidatePIN(%q): %v", pin, err)
		}
	}
	for _, tc := range []struct{ pin, want string }{
		{"", "at least 6"},
		{"12345", "at least 6"},
		{"ễễễễễ", "at least 6"}, // 5 characters, 15 bytes
		{"123456\x00", "control"},
		{"1234567\n", "control"},
		{"\xff\xfe123456", "UTF-8"},
		{strings.Repeat("9", MaxPINBytes+1), "longer"},
	} {
		err := ValidatePIN([]byte(tc.pin))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidatePIN(%q) = %v; want ErrInvalid mentioning %q", tc.pin, err, tc.want)
		}
		if err != nil && len(tc.pin) >= 6 && strings.Contains(err.Error(), tc.pin) {
			t.Errorf("error %q contains the PIN", err)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, d := range Domains {
		if l := DomainLabel(d); l.VI == string(d) || l.EN == "" {
			t.Errorf("DomainLabel(%s) = %+v", d, l)
		}
	}
	for _, s := range []Status{StatusActive, StatusSuperseded, StatusWithdrawn} {
		if l := StatusLabel(s); l.VI == string(s) || l.EN != string(s) {
			t.Errorf("StatusLabel(%s) = %+v", s, l)
		}
	}
	if l := DomainLabel("x"); l.VI != "x" {
		t.Errorf("DomainLabel(x) = %+v", l)
	}
}
