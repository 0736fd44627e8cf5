package trust

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

func testOffices() []Office {
	return []Office{
		{ID: "vn.dongnai.ubnd.tran-bien", Name: Name{VI: "UBND phường Trấn Biên", EN: "Tran Bien Ward People's Committee"}, Kind: KindCommune},
		{ID: "vn.dongnai.ca.tran-bien", Name: Name{VI: "Công an phường Trấn Biên", EN: "Tran Bien Ward Police"}, Kind: KindCommunePolice},
		{ID: "vn.dongnai.ubnd.dai-phuoc", Name: Name{VI: "UBND xã Đại Phước", EN: "Dai Phuoc Commune People's Committee"}, Kind: KindCommune},
		{ID: "vn.dongnai.ubnd.bien-hoa", Name: Name{VI: "UBND phường Biên Hòa"}, Kind: KindCommune},
		// An office with the id of an issuer: BHXH issues and receives.
		{ID: "vn.bhxh.dongnai", Name: Name{VI: "Bảo hiểm xã hội tỉnh Đồng Nai (bộ phận một cửa)"}, Kind: KindSocialInsurance},
	}
}

func TestOfficesRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.list.Offices = testOffices()
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Offices, f.list.Offices) {
		t.Fatalf("offices: %+v\nwant %+v", got.Offices, f.list.Offices)
	}
	if !strings.Contains(payloadOf(t, signed), `"offices":[{"id":"vn.dongnai.ubnd.tran-bien","name":{"vi":"UBND phường Trấn Biên","en":"Tran Bien Ward People's Committee"},"kind":"commune"}`) {
		t.Errorf("wire format: %s", payloadOf(t, signed))
	}

	if o, ok := got.Office("vn.dongnai.ca.tran-bien"); !ok || o.Kind != KindCommunePolice {
		t.Errorf("Office: %+v %v", o, ok)
	}
	if _, ok := got.Office("vn.dongnai.soyte"); ok {
		t.Error("Office found an issuer that is no office")
	}
	// Name: the office's name first, then the issuer's.
	for id, want := range map[string]string{
		"vn.dongnai.ubnd.tran-bien": "UBND phường Trấn Biên",
		"vn.bhxh.dongnai":           "Bảo hiểm xã hội tỉnh Đồng Nai (bộ phận một cửa)",
		"vn.dongnai.soyte":          "Sở Y tế Đồng Nai",
	} {
		if n, ok := got.Name(id); !ok || n.VI != want {
			t.Errorf("Name(%s) = %q %v; want %q", id, n.VI, ok, want)
		}
	}
	if n, ok := got.Name("vn.nowhere"); ok || n != (Name{}) {
		t.Errorf("Name of an unknown id: %+v %v", n, ok)
	}

	// By kind, sorted in Vietnamese order: B < Đ (after D) < T.
	var names []string
	for _, o := range got.OfficesOfKind(KindCommune) {
		names = append(names, o.Name.VI)
	}
	if want := []string{"UBND phường Biên Hòa", "UBND phường Trấn Biên", "UBND xã Đại Phước"}; !slices.Equal(names, want) {
		t.Errorf("OfficesOfKind(commune) = %q; want %q", names, want)
	}
	if n := len(got.OfficesOfKind(KindCommune, KindCommunePolice)); n != 4 {
		t.Errorf("two kinds: %d offices; want 4", n)
	}
	if n := len(got.OfficesOfKind()); n != len(f.list.Offices) {
		t.Errorf("no kind: %d offices; want all %d", n, len(f.list.Offices))
	}
	if n := len(got.OfficesOfKind(KindEmployer)); n != 0 {
		t.Errorf("employers: %d", n)
	}
	// The result is a copy.
	got.OfficesOfKind(KindCommune)[0].Name.VI = "changed"
	if o, _ := got.Office("vn.dongnai.ubnd.bien-hoa"); o.Name.VI != "UBND phường Biên Hòa" {
		t.Error("OfficesOfKind returned the list's own offices")
	}
}

// A list without offices (as made before the directory existed) has no
// "offices" member and verifies as before.
func TestListWithoutOffices(t *testing.T) {
	f := newFixture(t)
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(payloadOf(t, signed), "offices") {
		t.Errorf("an empty directory is on the wire: %s", payloadOf(t, signed))
	}
	old := `{"province":"vn.dongnai","version":1,"iat":1767225600,"next_update":1767830400,"issuers":[{"id":"a","name":{"vi":"Sở"},"keys":[{"jwk":` +
		jwkOf(t, f.health.Public()) + `,"nbf":1735689600}]}]}`
	l, err := Verify(signRaw(t, f.root, old), f.root.Public())
	if err != nil || len(l.Offices) != 0 || len(l.OfficesOfKind()) != 0 {
		t.Fatalf("an old list: %+v, %v", l, err)
	}
	if n, ok := l.Name("a"); !ok || n.VI != "Sở" {
		t.Errorf("Name of an issuer in an old list: %+v %v", n, ok)
	}
}

func TestOfficesRefused(t *testing.T) {
	f := newFixture(t)
	with := func(fn func(os []Office) []Office) List {
		l := f.list
		l.Offices = fn(testOffices())
		return l
	}
	many := make([]Office, MaxOffices+1)
	for i := range many {
		many[i] = Office{ID: fmt.Sprint("o", i), Name: Name{VI: "x"}, Kind: KindSchool}
	}
	for name, tc := range map[string]struct {
		l    List
		want string
	}{
		"unknown kind":         {with(func(os []Office) []Office { os[0].Kind = "ministry"; return os }), `unknown kind "ministry"`},
		"empty kind":           {with(func(os []Office) []Office { os[0].Kind = ""; return os }), `unknown kind ""`},
		"empty id":             {with(func(os []Office) []Office { os[1].ID = ""; return os }), `office 2: id ""`},
		"bad id":               {with(func(os []Office) []Office { os[1].ID = "UBND Trấn Biên"; return os }), `office 2: id "UBND Trấn Biên"`},
		"long id":              {with(func(os []Office) []Office { os[1].ID = strings.Repeat("a", MaxIDLen+1); return os }), "office 2: id"},
		"duplicate id":         {with(func(os []Office) []Office { os[1].ID = os[0].ID; return os }), "office vn.dongnai.ubnd.tran-bien listed twice"},
		"no Vietnamese name":   {with(func(os []Office) []Office { os[2].Name.VI = ""; return os }), "office vn.dongnai.ubnd.dai-phuoc: Vietnamese name required"},
		"long English name":    {with(func(os []Office) []Office { os[2].Name.EN = strings.Repeat("x", MaxNameLen+1); return os }), "names at most"},
		"too many offices":     {with(func([]Office) []Office { return many }), fmt.Sprintf("%d offices, at most %d", MaxOffices+1, MaxOffices)},
		"second office copied": {with(func(os []Office) []Office { return append(os, os[4]) }), "office vn.bhxh.dongnai listed twice"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Sign(tc.l, f.root)
			if !errors.Is(err, ErrInvalidList) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Sign = %v; want ErrInvalidList saying %q", err, tc.want)
			}
			if err := ValidateOffices(tc.l.Offices); !errors.Is(err, ErrInvalidList) {
				t.Fatalf("ValidateOffices = %v", err)
			}
		})
	}
	if err := ValidateOffices(testOffices()); err != nil {
		t.Fatal(err)
	}
	if err := ValidateOffices(nil); err != nil {
		t.Fatal(err)
	}
}

// Verify refuses a well-signed list whose offices break the rules.
func TestVerifyRefusesBadOffices(t *testing.T) {
	f := newFixture(t)
	base := `{"province":"vn.dongnai","version":1,"iat":1767225600,"next_update":1767830400,"issuers":[{"id":"a","name":{"vi":"Sở"},"keys":[{"jwk":` +
		jwkOf(t, f.health.Public()) + `,"nbf":1735689600}]}],"offices":[%s]}`
	good := `{"id":"vn.x","name":{"vi":"UBND xã X"},"kind":"commune"}`
	if _, err := Verify(signRaw(t, f.root, fmt.Sprintf(base, good)), f.root.Public()); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	for name, offices := range map[string]string{
		"unknown kind":          `{"id":"vn.x","name":{"vi":"X"},"kind":"bank"}`,
		"no kind":               `{"id":"vn.x","name":{"vi":"X"}}`,
		"duplicate id":          good + "," + good,
		"no Vietnamese name":    `{"id":"vn.x","name":{"en":"X"},"kind":"commune"}`,
		"empty id":              `{"id":"","name":{"vi":"X"},"kind":"commune"}`,
		"unknown office member": `{"id":"vn.x","name":{"vi":"X"},"kind":"commune","keys":[]}`,
		"unknown name member":   `{"id":"vn.x","name":{"vi":"X","fr":"X"},"kind":"commune"}`,
		"duplicate member":      `{"id":"vn.x","id":"vn.y","name":{"vi":"X"},"kind":"commune"}`,
		"not an object":         `"vn.x"`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Verify(signRaw(t, f.root, fmt.Sprintf(base, offices)), f.root.Public()); !errors.Is(err, ErrInvalidList) {
				t.Fatalf("Verify = %v; want ErrInvalidList", err)
			}
		})
	}
}

func TestCompareVietnamese(t *testing.T) {
	// Sorted as a Vietnamese directory: ă, â after a; đ after d; ê after
	// e; ô, ơ after o; ư after u; case and tones second.
	sorted := []string{
		"1 Tháng 5", "An", "an", "Án", "Ăn", "Ấn", "Bình", "Bửu", "Dương", "Đà", "Đại", "Em", "Ê", "Hòa", "Hồ",
		"Hố", "Hơn", "Long", "Ông", "Ơn", "Tam", "Trấn", "Trị", "Út", "Ửng", "Xuân", "Yên", "Ω",
	}
	for i := range sorted {
		for j := range sorted {
			if got, want := CompareVietnamese(sorted[i], sorted[j]), cmpInt(i, j); got != want {
				t.Errorf("CompareVietnamese(%q, %q) = %d; want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func payloadOf(t *testing.T, signed string) string {
	t.Helper()
	p, err := base64.RawURLEncoding.DecodeString(strings.Split(signed, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

func jwkOf(t *testing.T, k *keys.PublicKey) string {
	t.Helper()
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
