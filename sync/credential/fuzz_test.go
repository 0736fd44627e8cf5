package credential_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
)

// FuzzStatusOf: any payload gives a status reference, none, or
// ErrMalformed; never a panic, never a negative index or empty URI.
func FuzzStatusOf(f *testing.F) {
	b, err := os.ReadFile("testdata/status-claims.json")
	if err != nil {
		f.Fatal(err)
	}
	var seeds []json.RawMessage
	if err := json.Unmarshal(b, &seeds); err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var payload map[string]any
		if json.Unmarshal(raw, &payload) != nil {
			return
		}
		s, err := credential.StatusOf(payload)
		if err != nil && !errors.Is(err, credential.ErrMalformed) {
			t.Fatalf("error without ErrMalformed: %v", err)
		}
		if s != nil && (s.Index < 0 || s.URI == "") {
			t.Fatalf("accepted %+v", s)
		}
	})
}

// FuzzReadFacts: a stored credential's facts, or ErrMalformed.
func FuzzReadFacts(f *testing.F) {
	p := newProvince(f, nil)
	r, citizen := sampleOf(wallet.Types()[0], 1)
	cred := p.issue(f, r, citizen)
	f.Add(cred)
	f.Add(strings.SplitN(cred, "~", 2)[0])
	f.Add("a.b.c~")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		fa, err := credential.ReadFacts(s)
		if err != nil {
			if !errors.Is(err, credential.ErrMalformed) {
				t.Fatalf("error without ErrMalformed: %v", err)
			}
			return
		}
		if fa.SignedAt.IsZero() {
			t.Fatalf("facts without iat: %+v", fa)
		}
		_ = fa.Due(time.Now(), credential.DefaultRenewBefore, p.list)
	})
}
