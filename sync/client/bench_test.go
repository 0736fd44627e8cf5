package client_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/linksim"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

// linkClient is a sync client whose connections go through a simulated
// link, first pages of pageSize (0: the default).
func linkClient(b *testing.B, url string, root *keys.PublicKey, p linksim.Profile, pageSize int) (*client.Client, *linksim.Dialer) {
	return linkClientConfig(b, url, root, p, client.Config{PageSize: pageSize})
}

// linkClientConfig is linkClient with a whole configuration.
func linkClientConfig(b *testing.B, url string, root *keys.PublicKey, p linksim.Profile, cfg client.Config) (*client.Client, *linksim.Dialer) {
	d, err := linksim.NewDialer(p)
	if err != nil {
		b.Fatal(err)
	}
	cfg.BaseURL, cfg.RootKey = url, root
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	c, err := client.New(cfg)
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
	// As a province runs it: credentials carry their status-list entry.
	srv := warehousetest.Open(b, warehouse.Config{PublicURL: "https://dulieu.dongnai.gov.vn"}, src)
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
// first page of 100 (then sized by the link). Target ≤ 20 s. Reports
// bytes on the wire each way.
func BenchmarkFirstSync200Over2G(b *testing.B) {
	benchFirstSync(b, linksim.Profile2G, client.Config{PageSize: 100})
}

// BenchmarkFirstSync200Over3G: the same over 3G.
func BenchmarkFirstSync200Over3G(b *testing.B) {
	benchFirstSync(b, linksim.Profile3G, client.Config{PageSize: 100})
}

// BenchmarkFirstSyncSlowLink: the first sync of 200 records over the weak
// signal of issue 14, 1 KB/s and 4 KB/s each way (600 ms RTT), with the
// client's defaults (pages from 10, sized by the link; 20 s idle
// timeout). The 2G profile with the defaults is there to compare with
// BenchmarkFirstSync200Over2G's first page of 100. Real time: run it
// with -benchtime 1x (the 1 KB/s case takes over two minutes).
func BenchmarkFirstSyncSlowLink(b *testing.B) {
	for _, p := range []linksim.Profile{weakSignal(1000), weakSignal(4000), linksim.Profile2G} {
		b.Run(p.Name, func(b *testing.B) { benchFirstSync(b, p, client.Config{}) })
	}
}

func benchFirstSync(b *testing.B, p linksim.Profile, cfg client.Config) {
	src := warehousetest.Source{N: 2, Extra: 200 - len(wallet.Types())}
	if _, recs := src.Citizen(0); len(recs) != 200 {
		b.Fatalf("citizen has %d records", len(recs))
	}
	srv, ts, cnt := countedWarehouse(b, src)
	plain := newClient(b, ts.URL, srv.RootKey(), nil)
	var up, down, reqs int64
	var last client.Result
	var reports int
	for b.Loop() {
		b.StopTimer()
		st, _ := newWallet(b, 0)
		enrol(b, srv, plain, st, 0) // enrolment is not part of the sync
		c, d := linkClientConfig(b, ts.URL, srv.RootKey(), p, cfg)
		n0 := cnt.n.Load()
		reports = 0
		b.StartTimer()
		res, err := c.Sync(ctx, st, wallet.ProgressFunc(func(wallet.SyncProgress) { reports++ }))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Stored != 200 || res.Records != 200 {
			b.Fatalf("stored %d entries, %d records", res.Stored, res.Records)
		}
		s := d.Stats()
		up, down, reqs, last = s.Up, s.Down, cnt.n.Load()-n0, res
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(down), "bytes-down")
	b.ReportMetric(float64(up), "bytes-up")
	b.ReportMetric(float64(reqs), "requests")
	b.ReportMetric(float64(last.Records), "records")
	b.ReportMetric(float64(reports), "progress-reports")
	b.ReportMetric(float64(slices.Max(last.PageSizes)), "max-page")
	b.Logf("%s: page sizes %v", p.Name, last.PageSizes)
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
