package postgres_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// BenchmarkFeedPage reads a page of 100 entries from the middle of a
// citizen's feed of 200 records, as a sync with something new does: one
// statement, an index range scan.
func BenchmarkFeedPage(b *testing.B) {
	s := open(b)
	c := warehouse.CitizenRecords{Profile: sample.Profile(0)}
	for i := range 200 {
		r := record(i)
		c.Writes = append(c.Writes, warehouse.Write{Record: r, Digest: digest(r)})
	}
	if n, err := s.Load(ctx, []warehouse.CitizenRecords{c}); err != nil || n != 1 {
		b.Fatal(n, err)
	}
	id := c.Profile.CitizenID
	b.ReportAllocs()
	for b.Loop() {
		page, head, err := s.Feed(ctx, id, 50, 100)
		if err != nil || head != 200 || len(page) != 100 || page[0].Seq != 51 {
			b.Fatal(len(page), head, err)
		}
	}
}

// BenchmarkAppend appends one record to one of 100 citizens per
// operation: one transaction, five round trips (begin, lock, reads,
// writes, commit).
func BenchmarkAppend(b *testing.B) {
	s := open(b)
	ids := citizens(b, s, 0, 100)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		r := record(i)
		r.ID = fmt.Sprint("bench-", i)
		if _, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Writes: []warehouse.Write{write(ids[i%100], r)}}, check); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

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
	s := open(b)
	ids := citizens(b, s, 0, 100)
	var next atomic.Int64
	batch := func() warehouse.Batch {
		bt := warehouse.Batch{Agency: "vn.test"}
		for range size {
			i := int(next.Add(1))
			r := record(i)
			r.ID = fmt.Sprint("bench-", i)
			bt.Writes = append(bt.Writes, write(ids[i%100], r))
		}
		if audit {
			bt.Audit = &warehouse.AuditEntry{Actor: "agency:vn.test", Action: "ingest", Subject: "vn.test", Details: json.RawMessage(`{"key":"k"}`)}
		}
		return bt
	}
	b.ReportAllocs()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Append(ctx, batch(), check); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return
	}
	for b.Loop() {
		if _, err := s.Append(ctx, batch(), check); err != nil {
			b.Fatal(err)
		}
	}
}
