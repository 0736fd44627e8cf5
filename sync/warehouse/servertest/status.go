package servertest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/counter"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// testWithdrawnOffline: end to end on the store. A citizen's wallet
// syncs once; the BHXH withdraws the citizen's health-insurance card
// through the ingestion API; the warehouse publishes the agency's status
// list over HTTPS. The wallet never syncs again and presents the card
// offline: a counter that refreshed its lists after the withdrawal
// refuses it (consent.ErrWithdrawn); one that refreshed before accepts
// it and says how old its list is; another record of the same citizen
// still verifies at the first counter. The list is served with its
// media type, max-age, ETag (304) and gzip.
func testWithdrawnOffline(t *testing.T, f *Fixture) {
	ctx := context.Background()
	// The same warehouse on the same store, with status lists: served
	// over HTTPS (the lists' URIs) and plain HTTP (wallets, counters, the
	// agencies' ingestion), both on loopback.
	srv, plain, tlsTS := warehousetest.StartPublic(t, warehouse.Config{Store: f.Store, Keys: f.Keys, StatusListCapacity: 1 << 20}, nil)

	st, c := f.newWalletOn(t, 0, srv, plain.URL, nil)
	if _, err := c.Sync(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	checkIndicesPermuted(t, st)
	card, other := storedOfType(t, st, "health.insurance_card"), storedOfType(t, st, "identity.citizen")
	ref, err := statuslist.ReferenceFromClaims(claimsOf(t, card.Credential))
	if err != nil {
		t.Fatalf("the card's credential has no status: %v", err)
	}
	if _, err := srv.PublishStatusLists(ctx, true); err != nil {
		t.Fatal(err)
	}
	checkServed(t, tlsTS, ref.URI)

	open := func(name string, now func() time.Time) *counter.Counter {
		ctr, err := counter.Open(counter.Config{BaseURL: plain.URL, RootKey: srv.RootKey(), Agency: card.Issuer, Dir: filepath.Join(t.TempDir(), name),
			Now: now, StatusTransport: tlsTS.Client().Transport})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ctr.Close() })
		if s := ctr.Refresh(ctx); s != counter.Fresh {
			t.Fatalf("counter %s: refresh %v", name, s)
		}
		return ctr
	}
	// This counter's clock runs an hour ahead: its list is an hour old
	// when the card is shown.
	before := open("before", func() time.Time { return time.Now().Add(time.Hour) })

	code, resp, perr := f.Push(t, card.Issuer, nil, protocol.IngestRequest{Operations: []protocol.Operation{
		{Op: protocol.OpWithdraw, CitizenID: sample.Profile(0).CitizenID, RecordID: card.ID},
	}})
	if code != http.StatusOK || resp.Results[0].Status != protocol.IngestStored {
		t.Fatalf("withdraw: %d %+v %+v", code, resp, perr)
	}
	if _, err := srv.PublishStatusLists(ctx, true); err != nil {
		t.Fatal(err)
	}
	after := open("after", nil)

	// Offline from here on: the wallet never syncs again.
	plain.Close()
	tlsTS.Close()
	tok := presentOffline(t, st, card, card.Issuer)
	if _, err := after.Verify(ctx, tok); !errors.Is(err, consent.ErrWithdrawn) {
		t.Fatalf("withdrawn card at a counter with the new list: %v, want consent.ErrWithdrawn", err)
	}
	res, err := before.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("counter whose list is from before the withdrawal: %v", err)
	}
	if len(res.Statuses) != 1 || !res.Statuses[0].Checked || res.Statuses[0].Age < time.Hour {
		t.Fatalf("statuses %+v: want VALID, the list an hour old", res.Statuses)
	}
	if res, err := after.Verify(ctx, presentOffline(t, st, other, card.Issuer)); err != nil || !res.Statuses[0].Checked {
		t.Fatalf("another record of the same citizen: %+v %v", res, err)
	}
}

// checkIndicesPermuted: the entries one sync gave a citizen's records in
// a list are not neighbours (the warehouse places entries at a keyed
// permutation of their order, statusorder.go).
func checkIndicesPermuted(t *testing.T, st *badgerstore.Store) {
	t.Helper()
	recs, err := st.Records(context.Background(), wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	byList := map[string][]int{}
	for _, r := range recs {
		if ref, err := statuslist.ReferenceFromClaims(claimsOf(t, r.Credential)); err == nil {
			byList[ref.URI] = append(byList[ref.URI], ref.Index)
		}
	}
	checked := 0
	for uri, idx := range byList {
		if len(idx) < 3 {
			continue
		}
		checked++
		slices.Sort(idx)
		if idx[len(idx)-1]-idx[0] == len(idx)-1 {
			t.Errorf("list %s: one sync's entries are neighbours: %v", uri, idx)
		}
	}
	if checked == 0 {
		t.Fatalf("no list holds three of the citizen's credentials: %v", byList)
	}
}

// checkServed fetches a list as a counter would, and again with its
// ETag and with gzip.
func checkServed(t *testing.T, ts *httptest.Server, uri string) {
	t.Helper()
	get := func(hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, uri, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		tr := ts.Client().Transport.(*http.Transport).Clone()
		tr.DisableCompression = true
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	r := get(nil)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != statuslist.MediaType || r.Header.Get("Cache-Control") != "public, max-age=3600" || r.Header.Get("ETag") == "" {
		t.Fatalf("GET %s: %d %v", uri, r.StatusCode, r.Header)
	}
	if r2 := get(map[string]string{"If-None-Match": r.Header.Get("ETag")}); r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r2.StatusCode)
	}
	if r3 := get(map[string]string{"Accept-Encoding": "gzip"}); r3.Header.Get("Content-Encoding") != "gzip" || r3.ContentLength >= r.ContentLength {
		t.Errorf("gzip: %v, %d bytes against %d", r3.Header.Get("Content-Encoding"), r3.ContentLength, r.ContentLength)
	}
}

func storedOfType(t *testing.T, st *badgerstore.Store, typ string) wallet.Record {
	t.Helper()
	recs, err := st.Records(context.Background(), wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Type == typ && r.Credential != "" {
			return r
		}
	}
	t.Fatalf("the wallet holds no %s", typ)
	return wallet.Record{}
}

func claimsOf(t *testing.T, cred string) map[string]any {
	t.Helper()
	jwt, _, _ := strings.Cut(cred, "~")
	u, err := keys.ParseUnverified(jwt, sdjwt.TypCredential)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := keys.DecodeClaims(u.UnverifiedPayload())
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// presentOffline makes an offline consent token of one stored record,
// disclosing its first claim, for audience.
func presentOffline(t *testing.T, st *badgerstore.Store, r wallet.Record, audience string) string {
	t.Helper()
	dev, err := client.DeviceKey(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	var claim string
	for name := range r.Claims {
		claim = name
		break
	}
	now := time.Now().UTC().Truncate(time.Second)
	tok, _, err := consent.Build(consent.Request{Holder: dev, Audience: audience, Purpose: "kiem_thu", IssuedAt: now, Expires: now.Add(24 * time.Hour),
		Selections: []sdjwt.Selection{{Credential: r.Credential, Disclose: []string{claim}}}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
