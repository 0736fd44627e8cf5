package warehouse_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

func benchStore(b *testing.B) warehouse.Store {
	st, err := embedded.Open("")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkStatusWithdraw: the ingestion path's withdrawal of one record
// whose version has 100 credentials (100 devices, or re-issues): one
// Append that stores the tombstone and makes the 100 entries INVALID, on
// the embedded store.
func BenchmarkStatusWithdraw(b *testing.B) {
	st := benchStore(b)
	warehousetest.Open(b, warehouse.Config{Store: st, PublicURL: publicURL, StatusBuildEvery: -1}, nil)
	ctx := context.Background()
	cit := storetest.Citizens(b, st, 100, 1)[0]
	const creds = 100
	i := 0
	for b.Loop() {
		b.StopTimer()
		r := storetest.Record(i)
		r.ID = fmt.Sprint("bench-", i)
		i++
		if _, err := st.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{storetest.Write(cit, r)}}, storetest.Check); err != nil {
			b.Fatal(err)
		}
		slots := make([]warehouse.StatusSlot, creds)
		for k := range slots {
			slots[k] = warehouse.StatusSlot{CitizenID: cit, DeviceID: fmt.Sprint("dev", k), RecordID: r.ID, Version: 1}
		}
		if _, err := st.AllocateStatus(ctx, "vn.bench", 1<<24, slots, nil); err != nil {
			b.Fatal(err)
		}
		w := r
		w.Version, w.Status = 2, wallet.StatusWithdrawn
		b.StartTimer()
		if _, err := st.Append(ctx, warehouse.Batch{Writes: []warehouse.Write{storetest.Write(cit, w)}}, storetest.Check); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusPublish2p24: one rebuild of an agency's list of 2^24
// entries with 1 % of them INVALID, as the builder does it: snapshot the
// INVALID entries from the store, set them, compress (level 9), sign
// ES256 with the agency's key, gzip and store. Reports the token's size
// and what is served gzip'ed.
func BenchmarkStatusPublish2p24(b *testing.B) {
	st := benchStore(b)
	s := warehousetest.Open(b, warehouse.Config{Store: st, PublicURL: publicURL, StatusBuildEvery: -1, StatusListCapacity: 1 << 24}, nil)
	ctx := context.Background()
	const agency = "vn.bhxh.dongnai"
	cit := storetest.Citizens(b, st, 100, 1)[0]
	if _, err := st.AllocateStatus(ctx, agency, 1<<24, []warehouse.StatusSlot{{CitizenID: cit, RecordID: "r", Version: 1}}, nil); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	idx := make([]warehouse.StatusIndex, 0, 1<<24/100)
	for range cap(idx) {
		idx = append(idx, warehouse.StatusIndex{Agency: agency, List: 0, Index: rng.IntN(1 << 24)})
	}
	for k := 0; k < len(idx); k += 10_000 {
		if err := st.InvalidateStatus(ctx, idx[k:min(k+10_000, len(idx))]); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		b.StopTimer()
		if err := st.InvalidateStatus(ctx, []warehouse.StatusIndex{{Agency: agency, List: 0, Index: rng.IntN(1 << 24)}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if n, err := s.PublishStatusLists(ctx, true); err != nil || n != 1 {
			b.Fatalf("published %d: %v", n, err)
		}
	}
	tok, err := st.StatusToken(ctx, agency, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(tok.Token)), "token-B")
	b.ReportMetric(float64(len(tok.Gzip)), "gzip-B")
}
