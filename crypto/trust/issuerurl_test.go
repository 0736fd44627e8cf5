package trust

import (
	"errors"
	"testing"
)

// An issuer's https identifier travels in the signed list, is its
// credentials' iss, and finds the issuer and its keys as its id does;
// malformed or shared identifiers are refused.
func TestIssuerURL(t *testing.T) {
	f := newFixture(t)
	const iss = "https://dulieu.dongnai.gov.vn/issuers/vn.dongnai.soyte"
	f.list.Issuers[0].URL = iss
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	is, ok := l.Issuer(iss)
	if !ok || is.ID != "vn.dongnai.soyte" || is.Iss() != iss {
		t.Fatalf("by URL: %+v, %v", is, ok)
	}
	if byID, _ := l.Issuer("vn.dongnai.soyte"); byID != is {
		t.Fatal("the id finds another issuer")
	}
	if bhxh, _ := l.Issuer("vn.bhxh.dongnai"); bhxh.Iss() != "vn.bhxh.dongnai" {
		t.Fatalf("an issuer without URL signs with its id: %q", bhxh.Iss())
	}
	if k, err := l.Key(iss, f.health.KID(), t2026); err != nil || !k.Equal(f.health.Public()) {
		t.Fatalf("Key by URL: %v", err)
	}
	if u, err := MetadataURL(iss); err != nil || u != "https://dulieu.dongnai.gov.vn/.well-known/jwt-vc-issuer/issuers/vn.dongnai.soyte" {
		t.Fatalf("MetadataURL = %q, %v", u, err)
	}

	for _, bad := range []string{
		"http://dulieu.dongnai.gov.vn/issuers/x", "https:///issuers/x", "https://u@dulieu.dongnai.gov.vn/x",
		"https://dulieu.dongnai.gov.vn/x?y=1", "https://dulieu.dongnai.gov.vn/x#y", "https://dulieu.dongnai.gov.vn/x/",
		"https://dulieu.dongnai.gov.vn/a//b", "https://dulieu.dongnai.gov.vn/a/../b", "https://dulieu.dongnai.gov.vn/%61",
		"vn.dongnai.soyte",
	} {
		f.list.Issuers[0].URL = bad
		if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	f.list.Issuers[0].URL = iss
	f.list.Issuers[1].URL = iss
	if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
		t.Errorf("two issuers with one identifier: %v", err)
	}
	f.list.Issuers[1].URL = ""
	if err := CheckIssuerURL("https://soyte.dongnai.gov.vn"); err != nil {
		t.Errorf("a bare origin: %v", err)
	}
}
