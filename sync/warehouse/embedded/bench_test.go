package embedded_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// BenchmarkFeedPage reads a page of 100 entries from the middle of a
// citizen's feed of 200 records, as a sync with something new does.
func BenchmarkFeedPage(b *testing.B) {
	for _, where := range []string{"memory", "disk"} {
		b.Run(where, func(b *testing.B) {
			dir := ""
			if where == "disk" {
				dir = b.TempDir()
			}
			s := open(b, dir)
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
		})
	}
}

// BenchmarkAppend appends one record to one of 100 citizens per
// operation (one synced transaction each on disk).
func BenchmarkAppend(b *testing.B) {
	for _, where := range []string{"memory", "disk"} {
		b.Run(where, func(b *testing.B) {
			dir := ""
			if where == "disk" {
				dir = b.TempDir()
			}
			s := open(b, dir)
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
		})
	}
}

// BenchmarkAppendAudit is BenchmarkAppend with and without Batch.Audit,
// for batches of 1 and 100 writes (to 100 citizens), and run in
// parallel: what the audit entry (read and bump the one head, write the
// entry with the items' outcomes) adds to a batch.
func BenchmarkAppendAudit(b *testing.B) {
	for _, where := range []string{"memory", "disk"} {
		for _, size := range []int{1, 100} {
			for _, audit := range []bool{false, true} {
				b.Run(fmt.Sprintf("%s/writes=%d/audit=%v", where, size, audit), func(b *testing.B) {
					benchAppendAudit(b, where, size, audit, false)
				})
			}
		}
		for _, audit := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/parallel/audit=%v", where, audit), func(b *testing.B) {
				benchAppendAudit(b, where, 1, audit, true)
			})
		}
	}
}

func benchAppendAudit(b *testing.B, where string, size int, audit, parallel bool) {
	dir := ""
	if where == "disk" {
		dir = b.TempDir()
	}
	s := open(b, dir)
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
