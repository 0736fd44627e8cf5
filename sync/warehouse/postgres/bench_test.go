package postgres_test

import (
	"fmt"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
)

// BenchmarkFeedPage reads a page of 100 entries from the middle of a
// citizen's feed of 200 records, as a sync with something new does: one
// statement, an index range scan.
func BenchmarkFeedPage(b *testing.B) { storetest.BenchFeedPage(b, open(b)) }

// BenchmarkAppend appends one record to one of 100 citizens per
// operation: one transaction, five round trips (begin, lock, reads,
// writes, commit).
func BenchmarkAppend(b *testing.B) { storetest.BenchAppend(b, open(b), 1, false, false) }

// BenchmarkLoad loads 100 citizens of 30 records each per operation (the
// bulk path, COPY): see records/s (making the sample records is not
// timed).
func BenchmarkLoad(b *testing.B) {
	s := open(b)
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		cs := make([]warehouse.CitizenRecords, 100)
		for k := range cs {
			cs[k] = loadOf(next, 30)
			next++
		}
		b.StartTimer()
		if n, err := s.Load(ctx, cs); err != nil || n != len(cs) {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(b.N*100*30)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAppendAudit is BenchmarkAppend with and without Batch.Audit,
// for batches of 1 and 100 writes (to 100 citizens), and run in parallel
// (GOMAXPROCS goroutines on one pool): audited batches commit one at a
// time, as the audit head's row lock is held to the commit.
func BenchmarkAppendAudit(b *testing.B) {
	for _, size := range []int{1, 100} {
		for _, audit := range []bool{false, true} {
			b.Run(fmt.Sprintf("writes=%d/audit=%v", size, audit), func(b *testing.B) {
				benchAppendAudit(b, size, audit, false)
			})
		}
	}
	for _, audit := range []bool{false, true} {
		b.Run(fmt.Sprintf("parallel/audit=%v", audit), func(b *testing.B) {
			benchAppendAudit(b, 1, audit, true)
		})
	}
}

func benchAppendAudit(b *testing.B, size int, audit, parallel bool) {
	storetest.BenchAppend(b, open(b), size, audit, parallel)
}
