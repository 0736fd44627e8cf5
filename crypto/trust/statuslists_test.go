package trust

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	healthLists = "https://dulieu.dongnai.gov.vn/status/v1/vn.dongnai.soyte/"
	bhxhLists   = "https://dulieu.dongnai.gov.vn/status/v1/vn.bhxh.dongnai/"
)

func statusFixture(t *testing.T) (*fixture, *List) {
	t.Helper()
	f := newFixture(t)
	f.list.Issuers[0].StatusLists = healthLists
	f.list.Issuers[1].StatusLists = bhxhLists
	signed, err := Sign(f.list, f.root)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Verify(signed, f.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if l.Issuers[0].StatusLists != healthLists || l.Issuers[1].StatusLists != bhxhLists {
		t.Fatalf("status_lists did not survive signing: %+v", l.Issuers)
	}
	return f, l
}

func TestStatusListKey(t *testing.T) {
	f, l := statusFixture(t)
	at := t2026.Add(time.Hour)
	if k, err := l.StatusListKey(healthLists+"0", f.health.KID(), at); err != nil || !k.Equal(f.health.Public()) {
		t.Fatalf("health key for a health list: %v", err)
	}
	if k, err := l.StatusListKey(bhxhLists+"3", f.bhxh.KID(), at); err != nil || !k.Equal(f.bhxh.Public()) {
		t.Fatalf("bhxh key for a bhxh list: %v", err)
	}
	for _, c := range []struct {
		name, uri, kid string
		at             time.Time
		want           error
	}{
		{"another issuer's key", healthLists + "0", f.bhxh.KID(), at, ErrUnknownKey},
		{"rotated key after its end", healthLists + "0", f.healthOld.KID(), at, ErrKeyNotValidAt},
		{"no issuer publishes there", "https://evil.example/status/v1/vn.dongnai.soyte/0", f.health.KID(), at, ErrNoStatusListIssuer},
		{"the prefix itself", healthLists, f.health.KID(), at, ErrNoStatusListIssuer},
		{"dot-dot out of the prefix", healthLists + "../vn.bhxh.dongnai/0", f.health.KID(), at, ErrNoStatusListIssuer},
		{"query", healthLists + "0?x=1", f.health.KID(), at, ErrNoStatusListIssuer},
		{"escape", healthLists + "%2e%2e/0", f.health.KID(), at, ErrNoStatusListIssuer},
		{"http", "http://dulieu.dongnai.gov.vn/status/v1/vn.dongnai.soyte/0", f.health.KID(), at, ErrNoStatusListIssuer},
	} {
		if _, err := l.StatusListKey(c.uri, c.kid, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A rotated key signed its lists before its end: they verify.
	if _, err := l.StatusListKey(healthLists+"0", f.healthOld.KID(), t2025.Add(time.Hour)); err != nil {
		t.Fatalf("rotated key before its end: %v", err)
	}
	// A compromised key signs no list, at any time.
	f.list.Issuers[0].Keys[1].Compromised = t2026.Add(2 * time.Hour)
	if _, err := f.list.StatusListKey(healthLists+"0", f.health.KID(), at); !errors.Is(err, ErrKeyCompromised) {
		t.Fatalf("compromised key: %v", err)
	}
}

func TestCheckStatusURI(t *testing.T) {
	_, l := statusFixture(t)
	if err := l.CheckStatusURI("vn.dongnai.soyte", healthLists+"12"); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckStatusURI("vn.dongnai.soyte", bhxhLists+"12"); !errors.Is(err, ErrStatusURI) {
		t.Fatalf("health credential naming a bhxh list: %v", err)
	}
	if err := l.CheckStatusURI("vn.unknown", healthLists+"12"); !errors.Is(err, ErrUnknownIssuer) {
		t.Fatalf("unknown issuer: %v", err)
	}
	l.Issuers[1].StatusLists = ""
	if err := l.CheckStatusURI("vn.bhxh.dongnai", bhxhLists+"12"); !errors.Is(err, ErrStatusURI) {
		t.Fatalf("issuer without lists: %v", err)
	}
}

func TestStatusPrefixValidation(t *testing.T) {
	for _, p := range []string{
		"http://dulieu.dongnai.gov.vn/status/",
		"https://dulieu.dongnai.gov.vn/status",
		"https:///status/",
		"https://u:p@dulieu.dongnai.gov.vn/status/",
		"https://dulieu.dongnai.gov.vn/status/?a=1/",
		"https://dulieu.dongnai.gov.vn/status/#x/",
		"https://dulieu.dongnai.gov.vn/a/../status/",
		"https://dulieu.dongnai.gov.vn/a//status/",
		"https://dulieu.dongnai.gov.vn/%61/",
		"https://dulieu.dongnai.gov.vn/st atus/",
	} {
		f := newFixture(t)
		f.list.Issuers[0].StatusLists = p
		if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
			t.Errorf("prefix %q: %v, want ErrInvalidList", p, err)
		}
	}
	f := newFixture(t)
	f.list.Issuers[0].StatusLists = "https://dulieu.dongnai.gov.vn/status/"
	f.list.Issuers[1].StatusLists = "https://dulieu.dongnai.gov.vn/status/bhxh/"
	if _, err := Sign(f.list, f.root); !errors.Is(err, ErrInvalidList) {
		t.Errorf("overlapping prefixes: %v, want ErrInvalidList", err)
	}
	f.list.Issuers[1].StatusLists = "https://dulieu.dongnai.gov.vn:8443/status/"
	if _, err := Sign(f.list, f.root); err != nil {
		t.Errorf("distinct hosts: %v", err)
	}
}

// FuzzStatusListIssuer: whatever the URI, it belongs to an issuer only
// if it starts with that issuer's prefix and adds no dot segment, query,
// fragment or escape after it.
func FuzzStatusListIssuer(f *testing.F) {
	for _, s := range []string{healthLists + "0", healthLists + "../x", bhxhLists + "3/4", healthLists + "%2e", "https://x/", healthLists + "0?a", healthLists + ".", healthLists + "a//b"} {
		f.Add(s)
	}
	l := List{Issuers: []Issuer{{ID: "vn.dongnai.soyte", StatusLists: healthLists}, {ID: "vn.bhxh.dongnai", StatusLists: bhxhLists}}}
	f.Fuzz(func(t *testing.T, uri string) {
		is, err := l.StatusListIssuer(uri)
		if err != nil {
			if !errors.Is(err, ErrNoStatusListIssuer) {
				t.Fatalf("error %v", err)
			}
			return
		}
		rest, ok := strings.CutPrefix(uri, is.StatusLists)
		if !ok || rest == "" || strings.ContainsAny(rest, "?#%\\") || strings.Contains("/"+rest+"/", "/../") || strings.Contains("/"+rest+"/", "/./") || strings.Contains(rest, "//") {
			t.Fatalf("%q given to %s", uri, is.ID)
		}
		if l.CheckStatusURI(is.ID, uri) != nil {
			t.Fatalf("%q: StatusListIssuer and CheckStatusURI disagree", uri)
		}
	})
}
