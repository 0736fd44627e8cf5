package warehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
)

const benchCitizens = 100_000

// benchProvince is the demo province at the sizing target.
var benchProvince = demo.Province{N: benchCitizens, Seed: 1}

// BenchmarkLoad10k: the bulk first load of 10 000 demo citizens (≈ 160 000
// record versions, each checked as ingestion checks it) into an embedded
// store on disk. Reports record versions per second.
func BenchmarkLoad10k(b *testing.B) {
	p := demo.Province{N: 10_000, Seed: 1}
	for b.Loop() {
		st, err := embedded.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		s, err := warehouse.Open(warehouse.Config{Store: st, Keys: warehouse.FileKeys(b.TempDir()), Province: p.Province()})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Load(context.Background(), p, warehouse.LoadOptions{}); err != nil {
			b.Fatal(err)
		}
		s.Close()
		st.Close()
	}
	b.ReportMetric(float64(b.N)*160_000/b.Elapsed().Seconds(), "versions/s")
}

// BenchmarkChangeFeed100k: device-signed change-feed requests (the whole
// feed of a demo citizen, 16 records on average, credentials already
// issued) against a warehouse of 100 000 citizens, from 200 enrolled
// devices in parallel over loopback HTTP. Reports requests per second
// and the process's peak RSS (server and load generator together, so an
// upper bound for the server).
func BenchmarkChangeFeed100k(b *testing.B) {
	st, err := embedded.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := warehousetest.Open(b, warehouse.Config{Store: st}, benchProvince)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	const devices = 200
	devs := make([]*keys.PrivateKey, devices)
	for i := range devs {
		citizen := benchProvince.Profile(i * (benchCitizens / devices)).CitizenID
		code, err := s.EnrolmentCode(citizen)
		if err != nil {
			b.Fatal(err)
		}
		devs[i], _ = keys.Generate(keys.ES256)
		jwk, _ := devs[i].Public().MarshalJSON()
		var m map[string]any
		json.Unmarshal(jwk, &m)
		body, _ := json.Marshal(protocol.EnrolRequest{Code: code, CitizenID: citizen, DeviceKey: m})
		resp, err := http.Post(ts.URL+protocol.PathEnrol, "application/json", bytes.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("enrol: %v %v", err, resp.Status)
		}
		resp.Body.Close()
		get(b, ts.URL, devs[i]) // issue and keep the credentials
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, ts.URL, devs[next.Add(1)%devices])
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	if kib := peakRSS(); kib > 0 {
		b.ReportMetric(float64(kib)/1024, "peak-RSS-MiB")
	}
}

func get(b *testing.B, base string, dev *keys.PrivateKey) {
	uri := protocol.PathChanges + "?limit=100"
	auth, err := protocol.SignRequest(dev, "GET", uri, nil, time.Now())
	if err != nil {
		b.Error(err)
		return
	}
	req, _ := http.NewRequest("GET", base+uri, nil)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("changes: %s", resp.Status)
	}
}

// peakRSS reads VmHWM (KiB) from /proc; 0 where there is none.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}
