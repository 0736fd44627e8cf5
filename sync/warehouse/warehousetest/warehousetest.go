// Package warehousetest runs the reference warehouse for tests: a small
// Dataset built from wallet/sample's citizens and records, and helpers
// that open a warehouse on an embedded store, load a dataset and serve it
// on loopback.
package warehousetest

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Source is a warehouse.Dataset of N sample citizens; citizen i has one
// record of every type (sample.Record(type, i)), plus Extra more
// health checkups for citizen 0 (to size a first sync).
type Source struct {
	N     int
	Extra int
}

func (s Source) Province() string { return "vn.dongnai" }
func (s Source) Citizens() int    { return s.N }
func (s Source) Version() string  { return "storetest-samples/1" }

// Profile returns sample citizen i.
func (s Source) Profile(i int) wallet.Profile { return sample.Profile(i) }

// Citizen returns sample citizen i and their records.
func (s Source) Citizen(i int) (wallet.Profile, []wallet.Record) {
	p := sample.Profile(i)
	var recs []wallet.Record
	for _, t := range wallet.Types() {
		recs = append(recs, sample.Record(t, i))
	}
	if i == 0 {
		checkup, _ := wallet.LookupType("health.checkup")
		for k := 0; k < s.Extra; k++ {
			r := sample.Record(checkup, 1000+k)
			r.ID = r.ID + "-c0"
			r.Claims = sample.Record(checkup, 0).Claims
			r.IssuedAt = r.IssuedAt.Add(time.Duration(k) * time.Hour)
			recs = append(recs, r)
		}
	}
	return p, recs
}

// Agencies lists the issuers of the sample records.
func (s Source) Agencies() []warehouse.Agency {
	var out []warehouse.Agency
	for _, t := range wallet.Types() {
		id := sample.Record(t, 0).Issuer
		if !slices.ContainsFunc(out, func(a warehouse.Agency) bool { return a.ID == id }) {
			out = append(out, warehouse.Agency{ID: id, Name: wallet.Label{VI: "Cơ quan " + id, EN: "Agency " + id}})
		}
	}
	return out
}

// Alternate gives the agencies' signing keys both algorithms, ES256 and
// EdDSA in turn, so every test warehouse exercises both.
func Alternate(i int, _ string) keys.Alg {
	if i%2 == 1 {
		return keys.EdDSA
	}
	return keys.ES256
}

// Open opens a warehouse on cfg (an in-memory embedded store and a
// temporary key directory unless cfg names them) and loads data into it
// (Source{N: 5} if nil). Both are closed when the test ends.
func Open(t testing.TB, cfg warehouse.Config, data warehouse.Dataset) *warehouse.Server {
	t.Helper()
	if data == nil {
		data = Source{N: 5}
	}
	if cfg.Store == nil {
		st, err := embedded.Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.Store = st
	}
	if cfg.Keys == nil {
		cfg.Keys = warehouse.FileKeys(t.TempDir())
	}
	if cfg.Province == "" {
		cfg.Province = data.Province()
	}
	s, err := warehouse.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Load(context.Background(), data, warehouse.LoadOptions{Alg: Alternate}); err != nil {
		t.Fatal(err)
	}
	return s
}

// Start is Open, serving the warehouse's protocol on a loopback httptest
// server that is closed when the test ends.
func Start(t testing.TB, cfg warehouse.Config, data warehouse.Dataset) (*warehouse.Server, *httptest.Server) {
	t.Helper()
	s := Open(t, cfg, data)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// StartPublic is Start for a warehouse that publishes status lists: its
// public URL (cfg.PublicURL) is an https server on loopback, with
// httptest's certificate (public.Client() trusts it), and the protocol is
// served over plain http too (plain), as `warehouse serve -https-addr`
// does. The https server does not log refused handshakes (a client that
// does not trust it is what some tests show). Both close when the test
// ends.
func StartPublic(t testing.TB, cfg warehouse.Config, data warehouse.Dataset) (srv *warehouse.Server, plain, public *httptest.Server) {
	t.Helper()
	// The public URL must be known before the warehouse opens, so both
	// servers start first and reach the warehouse's handler once it is
	// there.
	var mu sync.RWMutex
	var h http.Handler = http.NotFoundHandler()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.RLock()
		hh := h
		mu.RUnlock()
		hh.ServeHTTP(w, r)
	})
	public = httptest.NewUnstartedServer(handler)
	public.Config.ErrorLog = log.New(io.Discard, "", 0)
	public.StartTLS()
	t.Cleanup(public.Close)
	cfg.PublicURL = public.URL
	srv = Open(t, cfg, data)
	mu.Lock()
	h = srv.Handler()
	mu.Unlock()
	plain = httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	return srv, plain, public
}
