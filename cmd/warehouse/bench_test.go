package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres/pgtest"
)

// The warehouse at province scale, on PostgreSQL, through real API
// processes (`warehouse serve` children of the test binary) over loopback
// HTTP. The province is the demo one of WAREHOUSE_BENCH_CITIZENS citizens
// (default 10 000), loaded through the bulk ingestion path into a new
// database, or WAREHOUSE_BENCH_DB: a database a previous run loaded, with
// WAREHOUSE_BENCH_KEYS its key directory (a 1 000 000-citizen load takes
// minutes; see docs/benchmarks.md for the commands).

// benchProvince returns the database URL, the key directory and the
// province of the benchmark, loading it on first use.
func benchProvince(b *testing.B) (dsn, keyDir string, prov demo.Province) {
	b.Helper()
	n := 10_000
	if v := os.Getenv("WAREHOUSE_BENCH_CITIZENS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	prov, err := demo.New(n, 1)
	if err != nil {
		b.Fatal(err)
	}
	if dsn = os.Getenv("WAREHOUSE_BENCH_DB"); dsn != "" {
		keyDir = os.Getenv("WAREHOUSE_BENCH_KEYS")
		if keyDir == "" {
			b.Fatal("WAREHOUSE_BENCH_DB needs WAREHOUSE_BENCH_KEYS, the key directory it was loaded with")
		}
		return dsn, keyDir, prov
	}
	dsn = pgtest.Database(b)
	keyDir = filepath.Join(b.TempDir(), "keys")
	start := time.Now()
	p := startProc(b, "-db", dsn, "-data", b.TempDir(), "-keys", keyDir, "-citizens", strconv.Itoa(n))
	b.Logf("loaded %d citizens in %s", n, time.Since(start).Round(time.Second))
	p.kill()
	return dsn, keyDir, prov
}

// BenchmarkLoadPostgres: the bulk first load of the demo province into
// PostgreSQL through `warehouse serve` (every record checked as ingestion
// checks it, then COPY). Reports record versions per second and the
// database's size per citizen.
func BenchmarkLoadPostgres(b *testing.B) {
	n := 10_000
	if v := os.Getenv("WAREHOUSE_BENCH_CITIZENS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	prov, _ := demo.New(n, 1)
	versions := 0
	for i := 0; i < n; i++ {
		_, recs := prov.Citizen(i)
		versions += len(recs)
	}
	var size int64
	for b.Loop() {
		dsn := pgtest.Database(b)
		p := startProc(b, "-db", dsn, "-data", b.TempDir(), "-citizens", strconv.Itoa(n))
		p.kill()
		size = pgtest.Size(b, dsn)
	}
	b.ReportMetric(float64(versions)*float64(b.N)/b.Elapsed().Seconds(), "versions/s")
	b.ReportMetric(float64(versions)/float64(n), "versions/citizen")
	b.ReportMetric(float64(size)/float64(n), "DB-bytes/citizen")
}

// enrolled is a device of a demo citizen and its cursor at the head.
type enrolled struct {
	key    *keys.PrivateKey
	cursor string
}

// enrolWallets enrols n devices of citizens spread over the province and
// brings each to the head of its feed (so credentials are issued).
func enrolWallets(b *testing.B, p *proc, prov demo.Province, n int) []*enrolled {
	b.Helper()
	out := make([]*enrolled, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			citizen := prov.Profile(i * (prov.N / n)).CitizenID
			var c struct{ Code string }
			p.adminPost(b, "/admin/v1/citizens/"+citizen+"/enrolment-code", &c)
			dev, st := enrolDevice(b, p.api, citizen, c.Code)
			if st != 200 {
				b.Errorf("enrol: %d", st)
				return
			}
			e := &enrolled{key: dev}
			for {
				page, _, _ := changes(b, p.api, e, 100)
				if page == nil || !page.More {
					break
				}
			}
			out[i] = e
		}()
	}
	wg.Wait()
	return out
}

// changes fetches one page from e's cursor and moves it on; it returns
// the page, the bytes on the wire and the server's time to first byte.
func changes(b testing.TB, base string, e *enrolled, limit int) (*protocol.ChangesResponse, int, time.Duration) {
	uri := protocol.PathChanges + "?limit=" + strconv.Itoa(limit)
	if e.cursor != "" {
		uri += "&cursor=" + e.cursor
	}
	auth, _ := protocol.SignRequest(e.key, "GET", uri, nil, time.Now())
	req, _ := http.NewRequest("GET", base+uri, nil)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.Error(err)
		return nil, 0, 0
	}
	ttfb := time.Since(start)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("changes: %s %s", resp.Status, raw)
		return nil, 0, 0
	}
	wire := len(raw)
	for k, v := range resp.Header {
		wire += len(k) + len(strings.Join(v, ", ")) + 4
	}
	var page protocol.ChangesResponse
	if resp.Header.Get("Content-Encoding") == "gzip" {
		raw = gunzip(b, raw)
	}
	json.Unmarshal(raw, &page)
	e.cursor = page.NextCursor
	return &page, wire, ttfb
}

// peakRSSOf reads a process's VmHWM in MiB.
func peakRSSOf(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kib, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kib / 1024
		}
	}
	return 0
}

// BenchmarkFeedPostgres: 1 000 wallets of citizens across the province,
// each at the head of its feed, poll the change feed at once ("anything
// new?", the request 3 million phones make) through 1 and 2 API
// processes behind a round-robin balancer. Every 10th poll finds one new
// record an agency pushed meanwhile. Reports requests/s, p50 and p99
// latency, and each API process's peak RSS.
func BenchmarkFeedPostgres(b *testing.B) {
	dsn, keyDir, prov := benchProvince(b)
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			var ps []*proc
			var targets []string
			for range procs {
				p := startProc(b, "-db", dsn, "-data", b.TempDir(), "-keys", keyDir, "-citizens", "0")
				ps = append(ps, p)
				targets = append(targets, p.api)
			}
			lb := &roundRobin{targets: targets}
			wallets := enrolWallets(b, ps[0], prov, 1000)
			ag := demoAgency(b, keyDir, ps[0].api)
			var mu sync.Mutex
			var lat []time.Duration
			var owner atomic.Int64
			run := time.Now().UnixNano()
			b.ResetTimer()
			// One goroutine per wallet: 1 000 clients at once.
			b.SetParallelism(max(1, len(wallets)/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				k := int(owner.Add(1)-1) % len(wallets)
				w := wallets[k]
				for n := 0; pb.Next(); n++ {
					if n%10 == 9 {
						i := k * (prov.N / len(wallets))
						ag.push(protocol.IngestRequest{Operations: []protocol.Operation{checkupOp(ag.id, prov.Profile(i).CitizenID, fmt.Sprintf("bench-%d-%d-%d", run, k, n))}})
					}
					base := lb.targets[int(lb.next.Add(1))%len(lb.targets)]
					_, _, d := changes(b, base, w, 100)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			})
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "requests/s")
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
			for i, p := range ps {
				b.ReportMetric(peakRSSOf(p.cmd.Process.Pid), fmt.Sprintf("RSS-MiB-proc%d", i+1))
			}
		})
	}
}

// BenchmarkNothingNew: one wallet at the head of its feed asks for
// changes: the request every phone makes when it syncs. Reports the
// bytes on the wire (both ways) and the server's time to first byte.
func BenchmarkNothingNew(b *testing.B) {
	dsn, keyDir, prov := benchProvince(b)
	p := startProc(b, "-db", dsn, "-data", b.TempDir(), "-keys", keyDir, "-citizens", "0")
	w := enrolWallets(b, p, prov, 1)[0]
	var bytesDown int
	var ttfb time.Duration
	for b.Loop() {
		page, n, d := changes(b, p.api, w, 100)
		if page == nil || len(page.Changes) != 0 {
			b.Fatalf("not at the head: %+v", page)
		}
		bytesDown += n
		ttfb += d
	}
	uri := protocol.PathChanges + "?limit=100&cursor=" + w.cursor
	auth, _ := protocol.SignRequest(w.key, "GET", uri, nil, time.Now())
	up := len("GET "+uri+" HTTP/1.1\r\nHost: 127.0.0.1:8640\r\nAuthorization: \r\nAccept-Encoding: gzip\r\n\r\n") + len(auth)
	b.ReportMetric(1, "round-trips")
	b.ReportMetric(float64(up), "bytes-up")
	b.ReportMetric(float64(bytesDown)/float64(b.N), "bytes-down")
	b.ReportMetric(float64(ttfb.Microseconds())/float64(b.N)/1000, "server-ms")
}

// BenchmarkIngest1000: an agency pushes batches of 1 000 new records
// (one per citizen, spread over the province) to one API process.
// Reports record operations per second.
func BenchmarkIngest1000(b *testing.B) {
	dsn, keyDir, prov := benchProvince(b)
	p := startProc(b, "-db", dsn, "-data", b.TempDir(), "-keys", keyDir, "-citizens", "0")
	ag := demoAgency(b, keyDir, p.api)
	batch := 0
	for b.Loop() {
		req := protocol.IngestRequest{IdempotencyKey: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), batch)}
		for k := 0; k < 1000; k++ {
			i := (batch*1000 + k) * 7919 % prov.N
			req.Operations = append(req.Operations, checkupOp(ag.id, prov.Profile(i).CitizenID, fmt.Sprintf("ingest-%d-%d-%d", time.Now().UnixNano(), batch, k)))
		}
		batch++
		st, resp := ag.push(req)
		if st != 200 || resp.Stored != 1000 {
			b.Fatalf("batch: %d stored %d", st, resp.Stored)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "operations/s")
}

func gunzip(b testing.TB, raw []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		b.Error(err)
		return nil
	}
	out, _ := io.ReadAll(zr)
	return out
}
