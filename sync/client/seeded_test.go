package client_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

// recorder keeps the bodies of the change-feed pages a client receives.
type recorder struct {
	mu    sync.Mutex
	pages []protocol.ChangesResponse
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, protocol.PathChanges) || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var page protocol.ChangesResponse
	if json.Unmarshal(body, &page) == nil {
		r.mu.Lock()
		r.pages = append(r.pages, page)
		r.mu.Unlock()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// The warehouse issues every credential seeded and sends the seed in
// place of the salts and decoys; the wallet rebuilds, verifies and
// stores every record, and no seed ends up in what the wallet keeps (and
// so in anything it could present).
func TestFeedTravelsSeeded(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{PublicURL: "https://dulieu.dongnai.gov.vn"}, nil)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	rec := &recorder{}
	st, _ := newWallet(t, 0)
	c := newClient(t, ts.URL, srv.RootKey(), &http.Client{Transport: rec})
	enrol(t, srv, c, st, 0)
	res, err := c.Sync(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seeds []string
	changes := 0
	for _, p := range rec.pages {
		for _, ch := range p.Changes {
			changes++
			if ch.Compact == nil || ch.Compact.Seed == "" {
				t.Errorf("change %d (%s) travels without a seed", ch.Seq, ch.RecordID)
				continue
			}
			for _, d := range ch.Compact.Disclosures {
				if !strings.HasPrefix(d, `["",`) {
					t.Errorf("change %d carries a salt: %.40s", ch.Seq, d)
				}
			}
			seeds = append(seeds, ch.Compact.Seed)
		}
	}
	if changes == 0 || res.Stored != changes || count(t, st) != res.Records {
		t.Fatalf("%d changes, result %+v, %d records stored", changes, res, count(t, st))
	}
	all, err := st.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		// The credential's iss is the agency's https identifier; the
		// record names the agency by its id.
		if strings.HasPrefix(r.Issuer, "https:") {
			t.Errorf("record %s: issuer %q", r.ID, r.Issuer)
		}
		for _, s := range seeds {
			if strings.Contains(r.Credential, s) {
				t.Fatalf("record %s keeps a seed in its credential", r.ID)
			}
		}
	}
}
