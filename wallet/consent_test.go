package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

var ctx = context.Background()

func consentStore(t *testing.T) (wallet.Store, func() wallet.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "p")
	opts := badgerstore.Options{KDF: kdf.Test()}
	st, err := badgerstore.Create(dir, []byte("246810"), sample.Profile(1), opts)
	if err != nil {
		t.Fatal(err)
	}
	reopen := func() wallet.Store {
		st.Close()
		s, err := badgerstore.Open(dir, []byte("246810"), opts)
		if err != nil {
			t.Fatal(err)
		}
		st = s
		return s
	}
	t.Cleanup(func() { st.Close() })
	return st, reopen
}

var given = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func aConsent(id string, single bool) wallet.Consent {
	return wallet.Consent{
		ID: id, GivenAt: given, Method: "app: reviewed the preview and confirmed",
		Procedure: "civil.birth_registration",
		Purpose:   wallet.Purpose{Code: "civil_registration", Text: wallet.Label{VI: "Đăng ký khai sinh cho con", EN: "Birth registration"}},
		Recipient: wallet.Recipient{Agency: "vn.dongnai.ubnd-tamhiep", CounterID: "q3", Name: "UBND phường Tam Hiệp, quầy 3"},
		Fields: []wallet.ConsentField{{FieldRef: wallet.FieldRef{RecordID: "identity.citizen-1-0", Type: "identity.citizen", Claim: "full_name"}},
			{FieldRef: wallet.FieldRef{RecordID: "identity.citizen-1-0", Type: "identity.citizen", Claim: "ethnicity"}, Sensitive: true}},
		Expires: given.Add(wallet.DefaultConsentLifetime), SingleUse: single,
	}
}

func TestConsentHistory(t *testing.T) {
	st, reopen := consentStore(t)
	h, err := wallet.OpenConsentHistory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []wallet.Consent{aConsent("a", true), aConsent("b", false), aConsent("c", false)} {
		if err := h.Give(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Give(ctx, aConsent("a", true)); !errors.Is(err, wallet.ErrExists) {
		t.Errorf("same id twice: %v", err)
	}
	use := wallet.ConsentUse{At: given.Add(2 * time.Minute), Counter: wallet.Recipient{Agency: "vn.dongnai.ubnd-tamhiep", CounterID: "q3"}, Fields: []string{"full_name", "ethnicity"}}
	if ok, err := h.RecordUse(ctx, "a", use); !ok || err != nil {
		t.Fatal(ok, err)
	}
	use.Ref = "warehouse:1"
	if ok, err := h.RecordUse(ctx, "a", use); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := h.RecordUse(ctx, "a", use); ok || err != nil { // the same report again
		t.Fatalf("a use recorded twice: %v %v", ok, err)
	}
	if err := h.Revoke(ctx, "b", given.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := h.Revoke(ctx, "nope", given); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}

	// Kept across a restart, with states as of a time.
	st = reopen()
	h, err = wallet.OpenConsentHistory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	check := func(now time.Time, want map[string]wallet.ConsentState) {
		t.Helper()
		all, err := h.List(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0].Consent.ID != "c" {
			t.Fatalf("list: %d consents, first %s (want newest first)", len(all), all[0].Consent.ID)
		}
		for _, s := range all {
			if s.State != want[s.Consent.ID] {
				t.Errorf("at %s: %s is %s, want %s", now.Format(time.TimeOnly), s.Consent.ID, s.State, want[s.Consent.ID])
			}
		}
	}
	check(given.Add(5*time.Minute), map[string]wallet.ConsentState{"a": wallet.ConsentUsed, "b": wallet.ConsentRevoked, "c": wallet.ConsentActive})
	check(given.Add(time.Hour), map[string]wallet.ConsentState{"a": wallet.ConsentUsed, "b": wallet.ConsentRevoked, "c": wallet.ConsentExpired})

	// The export holds field names, never values.
	exp, err := h.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(exp), `"claim": "ethnicity"`) || strings.Contains(string(exp), sample.Profile(1).FullName) {
		t.Errorf("export:\n%s", exp)
	}
	var doc wallet.ConsentExport
	if err := json.Unmarshal(exp, &doc); err != nil || len(doc.Events) != 6 {
		t.Fatalf("export parses to %d events: %v", len(doc.Events), err)
	}
}

func TestConsentValidate(t *testing.T) {
	st, _ := consentStore(t)
	h, _ := wallet.OpenConsentHistory(ctx, st)
	for name, edit := range map[string]func(*wallet.Consent){
		"31 days":        func(c *wallet.Consent) { c.Expires = c.GivenAt.Add(31 * 24 * time.Hour) },
		"expired before": func(c *wallet.Consent) { c.Expires = c.GivenAt },
		"no fields":      func(c *wallet.Consent) { c.Fields = nil },
		"no method":      func(c *wallet.Consent) { c.Method = "" },
		"no purpose":     func(c *wallet.Consent) { c.Purpose = wallet.Purpose{} },
		"no recipient":   func(c *wallet.Consent) { c.Recipient = wallet.Recipient{} },
	} {
		c := aConsent("x", false)
		edit(&c)
		if err := h.Give(ctx, c); !errors.Is(err, wallet.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Editing, removing or rolling back history entries behind the API's back
// is detected.
func TestConsentHistoryTamper(t *testing.T) {
	for name, tamper := range map[string]func(st wallet.Store) error{
		"edited entry": func(st wallet.Store) error {
			b, _ := st.Meta(ctx, "consent/log/0000000000000002")
			b = []byte(strings.Replace(string(b), `"single_use":false`, `"single_use":true`, 1))
			return st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{"consent/log/0000000000000002": b}})
		},
		"removed entry": func(st wallet.Store) error {
			return st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{"consent/log/0000000000000002": nil}})
		},
		"rolled back head": func(st wallet.Store) error {
			b, _ := st.Meta(ctx, "consent/log/0000000000000002")
			var e wallet.ConsentEvent
			json.Unmarshal(b, &e)
			head, _ := json.Marshal(map[string]any{"seq": 2, "mac": e.MAC})
			return st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{"consent/head": head}})
		},
	} {
		st, _ := consentStore(t)
		h, _ := wallet.OpenConsentHistory(ctx, st)
		for _, id := range []string{"a", "b", "c"} {
			if err := h.Give(ctx, aConsent(id, false)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tamper(st); err != nil {
			t.Fatal(err)
		}
		if _, err := h.List(ctx, given); !errors.Is(err, wallet.ErrIntegrity) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
