package warehouse_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

const publicURL = "https://dulieu.dongnai.example"

// fetchList GETs a published list through the server and verifies it
// as a counter does, with the trust list's key for that URI.
func fetchList(t *testing.T, f *fixture, l *trust.List, uri string) (*statuslist.Token, string) {
	t.Helper()
	st, b, h := f.do("GET", strings.TrimPrefix(uri, publicURL), nil, "")
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d %s", uri, st, b)
	}
	tok, err := statuslist.Verify(string(b), statuslist.VerifyOptions{Subject: uri, Now: f.clock.now(),
		KeysAt: func(kid string, iat time.Time) (*keys.PublicKey, error) { return l.StatusListKey(uri, kid, iat) }})
	if err != nil {
		t.Fatalf("the list at %s does not verify: %v", uri, err)
	}
	return tok, h.Get("ETag")
}

// Every credential the feed issues carries its own entry of its agency's
// list, under the agency's status_lists prefix in the trust list; the
// lists are published by the builder (never by a GET), and a re-issue
// makes the credential it replaces INVALID.
func TestStatusListsIssueAndPublish(t *testing.T) {
	f := newFixture(t, warehouse.Config{PublicURL: publicURL, StatusListCapacity: 1 << 12, StatusBuildEvery: -1,
		CredentialLifetimes: map[string]time.Duration{"health.insurance_card": 72 * time.Hour}})
	ctx := context.Background()
	dev, citizen := f.enrol(1)
	page := changes(t, f, dev, "", 100)
	l, err := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		uri string
		idx int64
	}
	seen := map[entry]bool{}
	var card entry
	uris := map[string]bool{}
	for _, ch := range page.Changes {
		cred, _ := ch.SDJWT()
		v, err := credential.VerifyFull(cred, credential.VerifyOptions{Trust: l, Holder: dev.Public(), CitizenID: citizen, Now: f.clock.now()})
		if err != nil {
			t.Fatal(err)
		}
		if v.Status == nil {
			t.Fatalf("record %s: no status", ch.RecordID)
		}
		if err := l.CheckStatusURI(v.Record.Issuer, v.Status.URI); err != nil {
			t.Fatalf("record %s: %v", ch.RecordID, err)
		}
		if want := publicURL + "/status/v1/" + v.Record.Issuer + "/0"; v.Status.URI != want {
			t.Fatalf("record %s: status uri %s, want %s", ch.RecordID, v.Status.URI, want)
		}
		e := entry{v.Status.URI, v.Status.Index}
		if seen[e] {
			t.Fatalf("entry %+v given twice", e)
		}
		seen[e], uris[e.uri] = true, true
		if v.Record.Type == "health.insurance_card" {
			card = e
		}
	}
	if card.uri == "" {
		t.Fatal("no insurance card in the sample feed")
	}
	// Nothing is published before the builder runs, and a GET builds nothing.
	if st, _, _ := f.do("GET", strings.TrimPrefix(card.uri, publicURL), nil, ""); st != http.StatusNotFound {
		t.Fatalf("GET before any build: %d, want 404", st)
	}
	n, err := f.srv.PublishStatusLists(ctx, false)
	if err != nil || n != len(uris) {
		t.Fatalf("PublishStatusLists: %d, %v; want %d lists", n, err, len(uris))
	}
	for e := range seen {
		tok, _ := fetchList(t, f, l, e.uri)
		if st, err := tok.Status(statuslist.Reference{URI: e.uri, Index: int(e.idx)}); err != nil || st != statuslist.Valid {
			t.Fatalf("%+v: %v %v, want VALID", e, st, err)
		}
		if tok.List.Len() != 1<<12 {
			t.Fatalf("list of %d entries, want the capacity %d", tok.List.Len(), 1<<12)
		}
	}
	if n, _ := f.srv.PublishStatusLists(ctx, false); n != 0 {
		t.Fatalf("unchanged, fresh lists rebuilt: %d", n)
	}
	_, etag := fetchList(t, f, l, card.uri)

	// 37 h later the card is re-issued at the next fetch: the old
	// credential's entry becomes INVALID, but only in the next build.
	f.clock.add(37 * time.Hour)
	changes(t, f, dev, "", 100)
	if tok, et := fetchList(t, f, l, card.uri); et != etag {
		t.Fatal("a GET rebuilt the list")
	} else if st, _ := tok.Status(statuslist.Reference{URI: card.uri, Index: int(card.idx)}); st != statuslist.Valid {
		t.Fatal("the served list changed without a build")
	}
	if _, err := f.srv.PublishStatusLists(ctx, false); err != nil {
		t.Fatal(err)
	}
	tok, _ := fetchList(t, f, l, card.uri)
	if st, _ := tok.Status(statuslist.Reference{URI: card.uri, Index: int(card.idx)}); st != statuslist.Invalid {
		t.Fatalf("the replaced card's entry is %v, want INVALID", st)
	}
}

// A changed list is not rebuilt before StatusMinInterval unless forced.
func TestStatusListsMinInterval(t *testing.T) {
	f := newFixture(t, warehouse.Config{PublicURL: publicURL, StatusListCapacity: 1 << 12, StatusBuildEvery: -1, StatusMinInterval: 10 * time.Minute})
	ctx := context.Background()
	dev, _ := f.enrol(1)
	changes(t, f, dev, "", 100)
	if n, err := f.srv.PublishStatusLists(ctx, false); err != nil || n == 0 {
		t.Fatalf("first build: %d %v", n, err)
	}
	if err := f.store.InvalidateStatus(ctx, []warehouse.StatusIndex{{Agency: "vn.bhxh.dongnai", List: 0, Index: 0}}); err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Minute)
	if n, _ := f.srv.PublishStatusLists(ctx, false); n != 0 {
		t.Fatalf("rebuilt %d lists within the minimum interval", n)
	}
	if n, _ := f.srv.PublishStatusLists(ctx, true); n != 1 {
		t.Fatalf("forced: %d lists rebuilt, want 1", n)
	}
	for _, bad := range []warehouse.Config{{PublicURL: "http://x.example"}, {PublicURL: "https://x.example?a=1"}, {PublicURL: publicURL, StatusListCapacity: 1000}} {
		bad.Store, bad.Keys = f.store, f.keys
		if _, err := warehouse.Open(bad); err == nil {
			t.Errorf("Open accepted %+v", bad)
		}
	}
}
