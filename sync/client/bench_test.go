package client_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/linksim"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
)

// linkClient is a sync client whose connections go through a simulated
// link; it counts requests.
func linkClient(b *testing.B, url string, root *keys.PublicKey, p linksim.Profile, pageSize int) (*client.Client, *linksim.Dialer) {
	d, err := linksim.NewDialer(p)
	if err != nil {
		b.Fatal(err)
	}
	c, err := client.New(client.Config{BaseURL: url, RootKey: root, PageSize: pageSize,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}})
	if err != nil {
		b.Fatal(err)
	}
	return c, d
}

type counting struct {
	h http.Handler
	n atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.h.ServeHTTP(w, r)
}

// countedWarehouse serves a warehouse of src on loopback, counting its
// requests; both are closed when the benchmark ends.
func countedWarehouse(b *testing.B, src warehouse.Dataset) (*warehouse.Server, *httptest.Server, *counting) {
	srv := warehousetest.Open(b, warehouse.Config{}, src)
	cnt := &counting{h: srv.Handler()}
	ts := httptest.NewServer(cnt)
	b.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, ts, cnt
}

// BenchmarkFirstSync200Over2G: a citizen with 200 records syncs for the
// first time over the 2G profile (64 kbit/s down, 32 up, 600 ms RTT),
// pages of 100. Target ≤ 20 s. Reports bytes on the wire each way.
func BenchmarkFirstSync200Over2G(b *testing.B) {
	benchFirstSync(b, linksim.Profile2G)
}

// BenchmarkFirstSync200Over3G: the same over 3G.
func BenchmarkFirstSync200Over3G(b *testing.B) {
	benchFirstSync(b, linksim.Profile3G)
}

func benchFirstSync(b *testing.B, p linksim.Profile) {
	src := warehousetest.Source{N: 2, Extra: 200 - 20}
	if _, recs := src.Citizen(0); len(recs) != 200 {
		b.Fatalf("citizen has %d records", len(recs))
	}
	srv, ts, cnt := countedWarehouse(b, src)
	plain := newClient(b, ts.URL, srv.RootKey(), nil)
	var up, down, reqs int64
	for b.Loop() {
		b.StopTimer()
		st, _ := newWallet(b, 0)
		enrol(b, srv, plain, st, 0) // enrolment is not part of the sync
		c, d := linkClient(b, ts.URL, srv.RootKey(), p, 100)
		n0 := cnt.n.Load()
		b.StartTimer()
		res, err := c.Sync(ctx, st, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Stored != 200 {
			b.Fatalf("stored %d", res.Stored)
		}
		s := d.Stats()
		up, down, reqs = s.Up, s.Down, cnt.n.Load()-n0
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(down), "bytes-down")
	b.ReportMetric(float64(up), "bytes-up")
	b.ReportMetric(float64(reqs), "requests")
}

// BenchmarkSyncNothingNew: a sync when nothing changed, over 2G. Target:
// one round trip, ≤ 1 KiB on the wire.
func BenchmarkSyncNothingNew(b *testing.B) {
	srv, ts, cnt := countedWarehouse(b, warehousetest.Source{N: 2})
	st, _ := newWallet(b, 1)
	plain := newClient(b, ts.URL, srv.RootKey(), nil)
	enrol(b, srv, plain, st, 1)
	if _, err := plain.Sync(ctx, st, nil); err != nil {
		b.Fatal(err)
	}
	c, d := linkClient(b, ts.URL, srv.RootKey(), linksim.Profile2G, 100)
	n0 := cnt.n.Load()
	for b.Loop() {
		res, err := c.Sync(ctx, st, nil)
		if err != nil || res.Stored != 0 {
			b.Fatal(res, err)
		}
	}
	s := d.Stats()
	n := float64(b.N)
	b.ReportMetric(float64(cnt.n.Load()-n0)/n, "requests/op")
	b.ReportMetric(float64(s.Up+s.Down)/n, "wire-bytes/op")
	b.ReportMetric(float64(s.Down)/n, "bytes-down/op")
}
