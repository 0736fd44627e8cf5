package badgerstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

const benchRecords = 10_000

var (
	benchOnce sync.Once
	benchDir  string // a closed profile holding benchRecords records, test KDF
	benchErr  error
)

// benchRecord is the n-th record of the benchmark wallet: 500 of each of
// the 20 types, realistic sizes (no credential).
func benchRecord(n int) wallet.Record {
	types := wallet.Types()
	return sample.Record(types[n%len(types)], n/len(types))
}

// tenK returns the directory of a profile with 10 000 records, made once
// per test binary run.
func tenK(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "cw-bench-*")
		if benchErr != nil {
			return
		}
		dir := filepath.Join(benchDir, "profile")
		s, err := badgerstore.Create(dir, []byte(pin), sample.Profile(1), badgerstore.Options{KDF: kdf.Test()})
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		for n := 0; n < benchRecords && err == nil; n += 250 {
			var page []wallet.Record
			for k := n; k < n+250; k++ {
				page = append(page, benchRecord(k))
			}
			err = s.Apply(ctx, wallet.Batch{Records: page})
		}
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		benchErr = err
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return filepath.Join(benchDir, "profile")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkOpen10k: opening (unwrap with the cheap test KDF, badger open,
// table checksum verification, profile check) and closing a profile of
// 10 000 records. Unlock time = this + the Argon2id cost of
// BenchmarkUnlock10k.
func BenchmarkOpen10k(b *testing.B) {
	dir := tenK(b)
	o := badgerstore.Options{KDF: kdf.Test()}
	for b.Loop() {
		s, err := badgerstore.Open(dir, []byte(pin), o)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkUnlock10k: the same profile with its PIN wrapped under the
// production Argon2id parameters (kdf.Default): what the citizen waits for.
func BenchmarkUnlock10k(b *testing.B) {
	src := tenK(b)
	dir := filepath.Join(b.TempDir(), "profile")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	s, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.ChangePIN(context.Background(), []byte(pin), []byte(pin)); err != nil {
		b.Fatal(err) // rewraps under kdf.Default
	}
	s.Close()
	b.ResetTimer()
	for b.Loop() {
		s, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func BenchmarkQuery10k(b *testing.B) {
	s, err := badgerstore.Open(tenK(b), []byte(pin), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	some := benchRecord(4321)
	queries := []struct {
		name string
		q    wallet.Query
	}{
		{"Domain", wallet.Query{Domain: wallet.DomainHealth}},
		{"Type", wallet.Query{Type: "education.diploma"}},
		{"IssuerAndDate", wallet.Query{Domain: some.Domain, Issuer: some.Issuer, IssuedFrom: some.IssuedAt.AddDate(-1, 0, 0)}},
		{"All", wallet.Query{}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				recs, err := s.Records(ctx, q.q)
				if err != nil {
					b.Fatal(err)
				}
				n = len(recs)
			}
			b.ReportMetric(float64(n), "records")
		})
	}
	b.Run("Counts", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Counts(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Record", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Record(ctx, some.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("History", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.History(ctx, some.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPut: one record per durable (fsync'ed) transaction, as the
// app's single writes are. Records/s = 1e9 / ns/op.
func BenchmarkPut(b *testing.B) {
	s, err := badgerstore.Create(filepath.Join(b.TempDir(), "p"), []byte(pin), sample.Profile(1), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	n := 0
	for b.Loop() {
		if err := s.Put(ctx, benchRecord(n)); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkApplyPage100: a sync page of 100 records and the cursor in one
// durable transaction.
func BenchmarkApplyPage100(b *testing.B) {
	s, err := badgerstore.Create(filepath.Join(b.TempDir(), "p"), []byte(pin), sample.Profile(1), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	n := 0
	for b.Loop() {
		page := make([]wallet.Record, 100)
		for k := range page {
			page[k] = benchRecord(n)
			n++
		}
		if err := s.Apply(ctx, wallet.Batch{Records: page, Meta: map[string][]byte{"cursor": []byte(strconv.Itoa(n))}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestRSSChild is the child of BenchmarkPeakRSS10k: it opens the profile
// in CW_RSS_DIR, reads every record and every domain count, and prints its
// peak resident set (VmHWM).
func TestRSSChild(t *testing.T) {
	dir := os.Getenv("CW_RSS_DIR")
	if dir == "" {
		t.Skip("only run as the child of BenchmarkPeakRSS10k")
	}
	s, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{KDF: kdf.Default})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	all, err := s.Records(ctx, wallet.Query{})
	if err != nil || len(all) != benchRecords {
		t.Fatalf("Records: %d, %v", len(all), err)
	}
	for _, d := range wallet.Domains {
		if _, err := s.Records(ctx, wallet.Query{Domain: d}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Counts(ctx); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println("RSS", strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")))
		}
	}
	s.Close()
}

// BenchmarkPeakRSS10k reports the peak resident memory of a process that
// unlocks a 10 000-record profile (Argon2id at production cost, 64 MiB of
// it) and holds all its records (target ≤ 120 MB). Linux only.
func BenchmarkPeakRSS10k(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	src := tenK(b)
	dir := filepath.Join(b.TempDir(), "profile")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	s, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.ChangePIN(context.Background(), []byte(pin), []byte(pin)); err != nil {
		b.Fatal(err)
	}
	s.Close()
	var kib float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CW_RSS_DIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "RSS" && f[2] == "kB" {
				kib, _ = strconv.ParseFloat(f[1], 64)
			}
		}
		if kib == 0 {
			b.Fatalf("no RSS line in:\n%s", out)
		}
	}
	b.ReportMetric(kib/1024, "peak-RSS-MiB")
}
