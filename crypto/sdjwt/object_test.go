package sdjwt

import (
	"errors"
	"strings"
	"testing"
)

// An Object is disclosed with any subset of its members: the province
// alone travels with the object's disclosure and hides the street and
// the commune (only their digests travel, inside the object); naming the
// object discloses it whole; an absent member is a decoy.
func TestObjects(t *testing.T) {
	f := newFixture(t)
	req := f.request(map[string]any{"ho_ten": "Trần Văn Bình", "street": "Số 17, đường Võ Thị Sáu", "commune": "Phường Tam Hiệp", "province": "Đồng Nai"})
	req.Objects = map[string][]string{"dia_chi": {"street", "commune", "province", "country"}}
	req.ObjectDecoys = true
	cred, err := Issue(f.issuer, req)
	if err != nil {
		t.Fatal(err)
	}
	all, err := Verify(cred, f.issuedOpts())
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := all.Credentials[0].Claims["dia_chi"].(map[string]any)
	if len(addr) != 3 || addr["province"] != "Đồng Nai" || all.Credentials[0].Claims["province"] != nil {
		t.Fatalf("the holder's view: %v", all.Credentials[0].Claims)
	}
	for _, c := range []struct {
		disclose []string
		want     map[string]any
	}{
		{[]string{"province"}, map[string]any{"province": "Đồng Nai"}},
		{[]string{"ho_ten", "commune", "province"}, map[string]any{"commune": "Phường Tam Hiệp", "province": "Đồng Nai"}},
		{[]string{"dia_chi"}, map[string]any{"street": "Số 17, đường Võ Thị Sáu", "commune": "Phường Tam Hiệp", "province": "Đồng Nai"}},
	} {
		pres, err := Present(f.holder, f.binding(), Selection{Credential: cred, Disclose: c.disclose})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Verify(pres, f.verifyOpts())
		if err != nil {
			t.Fatalf("%v: %v", c.disclose, err)
		}
		if got, _ := p.Credentials[0].Claims["dia_chi"].(map[string]any); !jsonEqual(got, c.want) {
			t.Errorf("%v: address %v, want %v", c.disclose, got, c.want)
		}
		street := false
		for _, e := range parts(pres)[1 : len(parts(pres))-1] {
			if raw, _ := b64.DecodeString(e); strings.Contains(string(raw), "Võ Thị Sáu") {
				street = true
			}
		}
		if street != (c.want["street"] != nil) {
			t.Errorf("%v: the street travels: %v", c.disclose, street)
		}
		// The warehouse's form of the same choice, without key binding.
		d, err := Disclose(cred, c.disclose)
		if err != nil || d != strings.TrimSuffix(pres, parts(pres)[len(parts(pres))-1]) {
			t.Errorf("%v: Disclose %v", c.disclose, err)
		}
	}
	if _, err := Present(f.holder, f.binding(), Selection{Credential: cred, Disclose: []string{"country"}}); !errors.Is(err, ErrUnknownClaim) {
		t.Errorf("an absent member: %v", err)
	}
	// The member count is padded: one decoy for the absent country.
	for _, e := range parts(cred)[1 : len(parts(cred))-1] {
		raw, _ := b64.DecodeString(e)
		if strings.Contains(string(raw), `"dia_chi"`) && strings.Count(string(raw), `","`)+strings.Count(string(raw), `["`) < 4 {
			t.Errorf("the object's _sd is not padded to 4: %s", raw)
		}
	}
	for _, bad := range []map[string][]string{
		{"ho_ten": {"street"}},             // an object named as a claim
		{"a": {"street"}, "b": {"street"}}, // a member of two objects
		{"iss": {"street"}},                // a reserved name
	} {
		r := req
		r.Objects = bad
		if _, err := Issue(f.issuer, r); !errors.Is(err, ErrReservedName) {
			t.Errorf("objects %v: %v", bad, err)
		}
	}
}
