// Package warehousetest runs the reference warehouse for tests: a small,
// deterministic Source built from wallet/storetest's sample citizens and
// records, and a helper that serves a warehouse on loopback.
package warehousetest

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Source is a warehouse.Source of N sample citizens; citizen i has one
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

// Start opens a warehouse with cfg (Source defaults to Source{N: 5}) and
// serves its protocol on a loopback httptest server; both are closed when
// the test ends.
func Start(t testing.TB, cfg warehouse.Config) (*warehouse.Server, *httptest.Server) {
	t.Helper()
	if cfg.Source == nil {
		cfg.Source = Source{N: 5}
	}
	s, err := warehouse.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts
}
