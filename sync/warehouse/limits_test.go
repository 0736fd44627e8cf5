package warehouse_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
)

// serveLimited serves s's protocol with the production HTTP limits on a
// loopback listener, its read timeouts shortened to short.
func serveLimited(t *testing.T, s *warehouse.Server, short time.Duration, maxConns int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := warehouse.NewHTTPServer(s.Handler())
	if short > 0 {
		hs.ReadHeaderTimeout, hs.ReadTimeout = short, short
	}
	go hs.Serve(warehouse.LimitListener(ln, maxConns))
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestStalledConnections: 1 000 connections that send a request with a
// 1 MiB body announced, 64 KiB of it, and stall, and 1 000 that send
// their headers one byte at a time, cost the server a bounded heap; a
// normal request is answered meanwhile; the stalled ones are dropped
// when their read time is over. (Before: 300 such connections took the
// server from 133 to 804 MB and were never released.)
func TestStalledConnections(t *testing.T) {
	s := warehousetest.Open(t, warehouse.Config{}, nil)
	const short = 3 * time.Second
	addr := serveLimited(t, s, short, warehouse.MaxConnections)
	base := heapInUse()
	const n = 1000
	chunk := strings.Repeat("x", 64<<10)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		path := []string{protocol.PathRevocations, protocol.PathEnrol, protocol.PathRedeem, protocol.PathIngest}[i%4]
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nAuthorization: Device x\r\n\r\n%s", path, addr, 1<<20, chunk)
	}
	for i := 0; i < n; i++ { // headers begun, never finished
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		conns = append(conns, c)
		c.Write([]byte("G"))
	}
	// A normal request is answered while they stall.
	resp, err := (&http.Client{Timeout: time.Minute}).Get("http://" + addr + protocol.PathTrustList)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a normal request beside 2 000 stalled connections: %v %v", err, resp)
	}
	resp.Body.Close()
	grown := int64(heapInUse()) - int64(base)
	t.Logf("heap grew %d KiB for %d stalled connections", grown>>10, 2*n)
	const limit = 64 << 20 // 32 KiB per connection, the server's and this test's client side
	if grown > limit {
		t.Errorf("the heap grew by %d MiB for %d stalled connections; the limit is %d MiB", grown>>20, 2*n, limit>>20)
	}
	// Each stalled connection is closed by the server once its read time
	// is over: reading from it ends (an answer, then EOF).
	var wg sync.WaitGroup
	dropped := make(chan int, 2*n)
	for i, c := range append(conns[:0:0], conns...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(20 * short))
			_, err := io.Copy(io.Discard, bufio.NewReader(c))
			var ne net.Error
			if err == nil || !(errors.As(err, &ne) && ne.Timeout()) {
				dropped <- i // EOF or reset: the server closed it (not our deadline)
			}
		}()
	}
	wg.Wait()
	close(dropped)
	if got := len(dropped); got != 2*n {
		t.Errorf("%d of %d stalled connections were closed by the server", got, 2*n)
	}
}

// TestConnectionCap: past the cap, a new connection waits until one
// closes, then it is served.
func TestConnectionCap(t *testing.T) {
	s := warehousetest.Open(t, warehouse.Config{}, nil)
	addr := serveLimited(t, s, time.Minute, 3)
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", protocol.PathTrustList)
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err) // served, and kept alive: it holds its slot
		}
	}
	got := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Timeout: time.Minute}).Get("http://" + addr + protocol.PathTrustList)
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a fourth connection was served with three held (cap 3): %v", err)
	case <-time.After(300 * time.Millisecond): // it waits; nothing to assert on but that it has not been served
	}
	held[0].Close()
	if err := <-got; err != nil {
		t.Fatalf("after one closed: %v", err)
	}
	for _, c := range held[1:] {
		c.Close()
	}
}

// TestWrongMethodAndBusyDevice: 405 with Allow for an endpoint asked with
// another method; 429 for a device's fifth request at once.
func TestWrongMethodAndBusyDevice(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	for _, c := range []struct{ method, path, allow string }{
		{"POST", protocol.PathChanges, "GET"},
		{"GET", protocol.PathEnrol, "POST"},
		{"DELETE", protocol.PathIngest, "POST"},
		{"PUT", protocol.PathTrustList, "GET"},
	} {
		st, b, h := f.do(c.method, c.path, nil, "")
		if st != http.StatusMethodNotAllowed || h.Get("Allow") != c.allow || errCode(t, b) != protocol.ErrCodeMethod {
			t.Errorf("%s %s: %d Allow %q %s, want 405 Allow %q", c.method, c.path, st, h.Get("Allow"), b, c.allow)
		}
	}
	if st, _, _ := f.do("GET", "/v1/nothing", nil, ""); st != http.StatusNotFound {
		t.Errorf("unknown path: %d", st)
	}
	// A device with MaxPerDevice requests in progress: the next is 429.
	dev, _ := f.enrol(1)
	release := f.srv.HoldDevice(dev.KID(), warehouse.MaxPerDevice)
	st, b := f.signed(dev, "GET", protocol.PathChanges, nil)
	if st != http.StatusTooManyRequests || errCode(t, b) != protocol.ErrCodeBusy {
		t.Errorf("a device's request beyond %d at once: %d %s, want 429 busy", warehouse.MaxPerDevice, st, b)
	}
	release()
	if st, b := f.signed(dev, "GET", protocol.PathChanges, nil); st != 200 {
		t.Errorf("after the others finished: %d %s", st, b)
	}
	// Another device is not held up by this one.
	other, _ := f.enrol(2)
	release = f.srv.HoldDevice(dev.KID(), warehouse.MaxPerDevice)
	defer release()
	if st, b := f.signed(other, "GET", protocol.PathChanges, nil); st != 200 {
		t.Errorf("another device while one is at its limit: %d %s", st, b)
	}
}
