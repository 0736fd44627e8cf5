package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// testReplaceCredentials: a credential is replaced only where the one
// stored is the old one named; nothing is created, another device's is
// untouched, and the answer is what is stored.
func testReplaceCredentials(t *testing.T, s warehouse.Store) {
	refs := []warehouse.RecordRef{{RecordID: "r1", Version: 1}, {RecordID: "r1", Version: 2}, {RecordID: "r2", Version: 1}}
	if _, err := s.PutCredentials(ctx, "dev", refs[:2], []string{"c11", "c12"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutCredentials(ctx, "dev2", refs[:1], []string{"d11"}); err != nil {
		t.Fatal(err)
	}
	// r1v1: the old one matches, replaced; r1v2: another "old", kept;
	// r2v1: nothing stored, nothing created.
	got, err := s.ReplaceCredentials(ctx, "dev", refs, []string{"c11", "stale", "x"}, []string{"n11", "n12", "n21"})
	if err != nil || !slices.Equal(got, []string{"n11", "c12", ""}) {
		t.Fatalf("ReplaceCredentials = %q, %v; want [n11 c12 \"\"]", got, err)
	}
	if got, _ := s.Credentials(ctx, "dev", refs); !slices.Equal(got, []string{"n11", "c12", ""}) {
		t.Errorf("Credentials after = %q", got)
	}
	if got, _ := s.Credentials(ctx, "dev2", refs[:1]); got[0] != "d11" {
		t.Errorf("another device's credential became %q", got[0])
	}
	// An empty old or new credential changes nothing.
	got, err = s.ReplaceCredentials(ctx, "dev", refs[:2], []string{"", "c12"}, []string{"z", ""})
	if err != nil || !slices.Equal(got, []string{"n11", "c12"}) {
		t.Errorf("ReplaceCredentials with empty ones = %q, %v", got, err)
	}
	// Lengths must agree.
	if _, err := s.ReplaceCredentials(ctx, "dev", refs, []string{"a"}, []string{"b"}); err == nil {
		t.Error("ReplaceCredentials with mismatched lengths succeeded")
	}
}

// testReplaceCredentialsConcurrent: N re-issuers of one credential at
// once: exactly one replacement wins and every caller is told the
// winner.
func testReplaceCredentialsConcurrent(t *testing.T, s warehouse.Store) {
	ref := []warehouse.RecordRef{{RecordID: "r7", Version: 3}}
	if _, err := s.PutCredentials(ctx, "dev", ref, []string{"old"}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	out := make([]string, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := s.ReplaceCredentials(ctx, "dev", ref, []string{"old"}, []string{fmt.Sprint("new-", k)})
			if err != nil {
				t.Error(err)
				return
			}
			out[k] = st[0]
		}()
	}
	wg.Wait()
	for _, c := range out {
		if c != out[0] || c == "old" {
			t.Fatalf("concurrent ReplaceCredentials answered %q; want one winner for all", out)
		}
	}
	if got, _ := s.Credentials(ctx, "dev", ref); got[0] != out[0] {
		t.Errorf("stored %q, callers were told %q", got[0], out[0])
	}
}
