package embedded_test

import (
	"fmt"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
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
			storetest.BenchFeedPage(b, open(b, dir))
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
			storetest.BenchAppend(b, open(b, dir), 1, false, false)
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
	storetest.BenchAppend(b, open(b, dir), size, audit, parallel)
}
