package client_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// After a key compromise the wallet's sync fetches the new trust list
// (the feed says its version), finds the credentials of the leaked key
// and renews them. A re-issue answer that carries another record (other
// claims, genuinely signed) is refused and the old credential kept; a
// sync with nothing due asks nothing.
func TestRenewAfterCompromise(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 3})
	var tamper atomic.Bool
	var reissues atomic.Int32
	var devPub atomic.Pointer[keys.PublicKey]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == protocol.PathReissue {
			reissues.Add(1)
		}
		if !tamper.Load() || r.URL.Path != protocol.PathReissue {
			srv.Handler().ServeHTTP(w, r)
			return
		}
		// A warehouse that answers with a genuinely signed credential of
		// the same record version, with another name in it.
		rec := httptest.NewRecorder()
		r.Header.Del("Accept-Encoding")
		srv.Handler().ServeHTTP(rec, r)
		var resp protocol.ReissueResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Error(err)
			return
		}
		_, latest, _ := srv.Latest(sample.Profile(1).CitizenID)
		for i, res := range resp.Results {
			for _, l := range latest {
				if l.ID == res.RecordID && l.Claims["full_name"] != nil {
					l.Claims = wallet.Claims(cloneClaims(l.Claims))
					l.Claims["full_name"] = "Người Khác"
					cred, err := srv.IssueCredential(l, sample.Profile(1).CitizenID, devPub.Load())
					if err != nil {
						t.Error(err)
						return
					}
					resp.Results[i].Compact, resp.Results[i].Credential = nil, cred
				}
			}
		}
		b, _ := json.Marshal(resp)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	defer ts.Close()
	st, _ := newWallet(t, 1)
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	enrol(t, srv, c, st, 1)
	dev, err := client.DeviceKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	devPub.Store(dev.Public())
	if _, err := c.Sync(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if n := reissues.Load(); n != 0 {
		t.Fatalf("a first sync asked for %d re-issues", n)
	}
	before := map[string]wallet.Record{}
	recs, _ := st.Records(ctx, wallet.Query{})
	var ident wallet.Record
	for _, r := range recs {
		before[r.ID] = r
		if r.Claims["full_name"] != nil {
			ident = r
		}
	}
	fa, _ := credential.ReadFacts(ident.Credential)
	if _, err := srv.CompromiseAgencyKey(ctx, ident.Issuer, fa.KID, keys.ES256); err != nil {
		t.Fatal(err)
	}
	affected := 0
	for _, r := range before {
		if f, _ := credential.ReadFacts(r.Credential); f.KID == fa.KID {
			affected++
		}
	}

	tamper.Store(true)
	res, err := c.Sync(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	rejected := len(res.Renewal.Rejected)
	if !res.TrustList || res.Renewal.Due != affected || rejected == 0 || res.Renewal.Renewed != affected-rejected {
		t.Fatalf("tampered renewal: list %v, %+v; want %d due, some rejected, the others renewed", res.TrustList, res.Renewal, affected)
	}
	for _, rj := range res.Renewal.Rejected {
		if !errors.Is(rj.Err, client.ErrBadResponse) {
			t.Errorf("%s: %v; want ErrBadResponse", rj.RecordID, rj.Err)
		}
		if got, _ := st.Record(ctx, rj.RecordID); got.Credential != before[rj.RecordID].Credential || got.Claims["full_name"] != before[rj.RecordID].Claims["full_name"] {
			t.Errorf("%s: the refused answer changed the record", rj.RecordID)
		}
	}
	tamper.Store(false)
	res, err = c.Sync(ctx, st, nil)
	if err != nil || res.Renewal.Due != rejected || res.Renewal.Renewed != rejected {
		t.Fatalf("renewal of the refused ones: %+v %v; want %d", res.Renewal, err, rejected)
	}
	l, err := trust.Verify(srv.TrustList(), srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	recs, _ = st.Records(ctx, wallet.Query{})
	for _, r := range recs {
		if _, err := credential.Verify(r.Credential, credential.VerifyOptions{Trust: l, Holder: dev.Public(), CitizenID: sample.Profile(1).CitizenID}); err != nil {
			t.Errorf("%s after the renewal: %v", r.ID, err)
		}
	}
	n := reissues.Load()
	if res, err := c.Sync(ctx, st, nil); err != nil || res.Renewal.Due != 0 || reissues.Load() != n {
		t.Errorf("a sync with nothing due: %+v %v, %d more re-issue requests", res.Renewal, err, reissues.Load()-n)
	}
}

func cloneClaims(c wallet.Claims) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	return out
}
