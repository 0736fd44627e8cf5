package linksim

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// listen opens a TCP listener on the loopback interface.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// devicePipe returns a real loopback TCP connection whose device end is
// wrapped with p (through a Dialer) and whose network end is plain.
func devicePipe(t *testing.T, p Profile) (dev *Conn, net_ net.Conn, d *Dialer) {
	t.Helper()
	ln := listen(t)
	d, err := NewDialer(p)
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*Conn), s, d
}

// networkPipe returns a real loopback TCP connection whose network end is
// wrapped with p (through a Listener) and whose device end is plain.
func networkPipe(t *testing.T, p Profile) (netEnd *Conn, dev net.Conn, l *Listener) {
	t.Helper()
	l, err := Listen(listen(t), p)
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return s.(*Conn), c, l
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConnConformance runs x/net's net.Conn conformance suite (data
// integrity, ping-pong, deadlines past, present and future, Close
// unblocking, concurrent method calls) over real TCP, with the simulated
// end on either side of the pair and on either end of the link.
func TestConnConformance(t *testing.T) {
	t.Parallel()
	// A short RTT: PingPong makes a thousand round trips.
	fast := Profile{Name: "fast", Down: 200_000_000, Up: 100_000_000, RTT: 200 * time.Microsecond}
	for _, p := range []Profile{fast, Loopback} {
		for _, end := range []string{"device", "network"} {
			for _, first := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s/wrapped-first=%v", p.Name, end, first)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
						ln, err := net.Listen("tcp", "127.0.0.1:0")
						if err != nil {
							return nil, nil, nil, err
						}
						var wrapped, plain net.Conn
						if end == "device" {
							d, err := NewDialer(p)
							if err != nil {
								return nil, nil, nil, err
							}
							if wrapped, err = d.DialContext(context.Background(), "tcp", ln.Addr().String()); err != nil {
								return nil, nil, nil, err
							}
							if plain, err = ln.Accept(); err != nil {
								return nil, nil, nil, err
							}
						} else {
							l, err := Listen(ln, p)
							if err != nil {
								return nil, nil, nil, err
							}
							if plain, err = net.Dial("tcp", ln.Addr().String()); err != nil {
								return nil, nil, nil, err
							}
							if wrapped, err = l.Accept(); err != nil {
								return nil, nil, nil, err
							}
						}
						stop = func() { wrapped.Close(); plain.Close(); ln.Close() }
						if first {
							return wrapped, plain, stop, nil
						}
						return plain, wrapped, stop, nil
					})
				})
			}
		}
	}
}

// TestRoundTripTime measures ping-pong round trips through each built-in
// profile (sped up to keep the test short) from both ends of the link: every
// round trip takes at least the RTT, and the median not much more.
func TestRoundTripTime(t *testing.T) {
	const rounds = 5
	for _, base := range []Profile{Profile2G, Profile3G, Profile4G} {
		p := base.SpeedUp(4)
		for _, end := range []string{"device", "network"} {
			t.Run(p.Name+"/"+end, func(t *testing.T) {
				t.Parallel()
				var wrapped *Conn
				var peer net.Conn
				if end == "device" {
					wrapped, peer, _ = devicePipe(t, p)
				} else {
					wrapped, peer, _ = networkPipe(t, p)
				}
				go io.Copy(peer, peer) // echo

				ping := []byte{0x42}
				var rtts []time.Duration
				for range rounds {
					start := time.Now()
					if _, err := wrapped.Write(ping); err != nil {
						t.Fatal(err)
					}
					if _, err := io.ReadFull(wrapped, ping); err != nil {
						t.Fatal(err)
					}
					rtts = append(rtts, time.Since(start))
				}
				sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
				// One byte each way adds its serialization time.
				want := p.RTT + serialization(1, p.Up) + serialization(1, p.Down)
				if rtts[0] < want {
					t.Errorf("fastest round trip %v, want at least %v", rtts[0], want)
				}
				median := rtts[rounds/2]
				if limit := want + want/4 + 20*time.Millisecond; median > limit {
					t.Errorf("median round trip %v, want at most %v (RTT %v)", median, limit, p.RTT)
				}
				t.Logf("RTT %v: round trips %v", p.RTT, rtts)
			})
		}
	}
}

// timeTransfer sends n random bytes from src to dst and returns how long
// the reader took from the first Write until it had all of them.
func timeTransfer(t *testing.T, src, dst net.Conn, n int) time.Duration {
	t.Helper()
	data := randomBytes(t, n)
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		_, err := src.Write(data)
		errc <- err
	}()
	got := make([]byte, n)
	if _, err := io.ReadFull(dst, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	elapsed := time.Since(start)
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("received bytes differ from the sent ones")
	}
	return elapsed
}

// checkDuration fails unless got is at least want and within tolerance.
func checkDuration(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if got < want {
		t.Errorf("%s took %v, faster than the link allows (%v)", what, got, want)
	}
	if limit := want + want/10 + 100*time.Millisecond; got > limit {
		t.Errorf("%s took %v, want about %v (at most %v)", what, got, want, limit)
	}
	t.Logf("%s: %v (model %v)", what, got, want)
}

// TestThroughput2G downloads 32 KiB over the real Profile2G: it takes
// RTT/2 plus 32 KiB at 64 kbit/s, about 4.4 s.
func TestThroughput2G(t *testing.T) {
	t.Parallel()
	const n = 32 << 10
	srv, dev, l := networkPipe(t, Profile2G)
	got := timeTransfer(t, srv, dev, n)
	want := Profile2G.TransferTime(n, true)
	if want != 300*time.Millisecond+4096*time.Millisecond {
		t.Fatalf("model: TransferTime = %v, want 4.396s", want)
	}
	checkDuration(t, "32 KiB down over 2G", got, want)
	if s := l.Stats(); s.Down != n || s.Up != 0 {
		t.Errorf("listener stats %+v, want Down %d, Up 0", s, n)
	}
	if s := srv.Stats(); s.Down != n || s.Up != 0 {
		t.Errorf("conn stats %+v, want Down %d, Up 0", s, n)
	}
}

// TestThroughputBothWays checks the rate of each direction separately on
// an asymmetric profile, from the device end: the upload is slower.
func TestThroughputBothWays(t *testing.T) {
	t.Parallel()
	const n = 32 << 10
	p := Profile3G.SpeedUp(4) // 1536 kbit/s down, 512 up, 75 ms RTT
	dev, srv, d := devicePipe(t, p)
	checkDuration(t, "32 KiB up over "+p.Name, timeTransfer(t, dev, srv, n), p.TransferTime(n, false))
	checkDuration(t, "32 KiB down over "+p.Name, timeTransfer(t, srv, dev, n), p.TransferTime(n, true))
	if s := d.Stats(); s.Up != n || s.Down != n {
		t.Errorf("dialer stats %+v, want %d each way", s, n)
	}
}

// TestTrickle shows that a slow link delivers a large write piece by
// piece: the reader gets its first bytes long before the last.
func TestTrickle(t *testing.T) {
	t.Parallel()
	p := Profile2G.SpeedUp(8) // 512 kbit/s down, 75 ms RTT
	srv, dev, _ := networkPipe(t, p)
	const n = 16 << 10
	if _, err := srv.Write(randomBytes(t, n)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	buf := make([]byte, n)
	first, err := dev.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	firstAt := time.Since(start)
	if first >= n {
		t.Fatalf("first read returned all %d bytes at once", first)
	}
	if _, err := io.ReadFull(dev, buf[first:]); err != nil {
		t.Fatal(err)
	}
	total := time.Since(start)
	t.Logf("first %d bytes after %v, all %d after %v", first, firstAt, n, total)
	if firstAt > total/2 {
		t.Errorf("first bytes arrived after %v of %v: the link did not stream", firstAt, total)
	}
}

// TestCloseDeliversInFlight closes the writing end while its bytes are
// still on the link: the peer still receives all of them, then EOF.
func TestCloseDeliversInFlight(t *testing.T) {
	t.Parallel()
	p := Profile{Name: "slow", Up: 256_000, Down: 256_000, RTT: 200 * time.Millisecond}
	dev, srv, _ := devicePipe(t, p)
	data := randomBytes(t, 8<<10) // 256 ms at 256 kbit/s
	if _, err := dev.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(srv)
	if err != nil {
		t.Fatalf("peer read: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("peer got %d bytes, want the %d written before Close", len(got), len(data))
	}
	if _, err := dev.Write([]byte{1}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}
	if _, err := dev.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v, want net.ErrClosed", err)
	}
	if err := dev.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
}

// isReset reports whether err is the peer's view of a cut: a TCP reset.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// TestCutMidTransfer cuts the link while a transfer runs in each
// direction: the wrapped end's pending Write and Read fail with ErrCut and
// the plain peer sees a connection reset.
func TestCutMidTransfer(t *testing.T) {
	t.Parallel()
	p := Profile4G.SpeedUp(4)
	dev, srv, _ := devicePipe(t, p)

	// The network side streams down and reads what comes up until it fails.
	peerReadErr := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, srv)
		peerReadErr <- err
	}()
	peerWriteErr := make(chan error, 1)
	go func() {
		chunk := make([]byte, 4<<10)
		for {
			if _, err := srv.Write(chunk); err != nil {
				peerWriteErr <- err
				return
			}
		}
	}()
	devWriteErr := make(chan error, 1)
	go func() {
		chunk := make([]byte, 4<<10)
		for {
			if _, err := dev.Write(chunk); err != nil {
				devWriteErr <- err
				return
			}
		}
	}()
	devReadErr := make(chan error, 1)
	var received int64
	go func() {
		n, err := io.Copy(io.Discard, dev)
		received = n
		devReadErr <- err
	}()

	time.Sleep(300 * time.Millisecond)
	dev.Cut()

	wait := func(what string, ch chan error, check func(error) bool) {
		t.Helper()
		select {
		case err := <-ch:
			if !check(err) {
				t.Errorf("%s: got %v", what, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: still running 5 s after the cut", what)
		}
	}
	isCut := func(err error) bool { return errors.Is(err, ErrCut) }
	wait("device write", devWriteErr, isCut)
	wait("device read", devReadErr, isCut)
	// The peer's socket reports the reset once, to whichever call sees it
	// first; the other call then sees the connection shut down (io.Copy
	// returns nil at EOF). Both calls end, and at least one with a reset.
	var resets int
	countReset := func(err error) bool {
		if isReset(err) {
			resets++
		}
		return err == nil || isReset(err)
	}
	wait("network read", peerReadErr, countReset)
	wait("network write", peerWriteErr, countReset)
	if resets == 0 {
		t.Error("the network end saw no connection reset")
	}
	if received == 0 {
		t.Error("device received nothing before the cut")
	}
	if s := dev.Stats(); s.Up == 0 || s.Down == 0 {
		t.Errorf("stats before the cut %+v, want traffic both ways", s)
	}
}

// TestCutAfter breaks the link after a byte budget, in each direction: the
// receiver gets exactly the budget, then both ends fail.
func TestCutAfter(t *testing.T) {
	const budget = 10_000
	p := Profile3G.SpeedUp(8)
	p.CutAfter = budget

	t.Run("up", func(t *testing.T) {
		t.Parallel()
		dev, srv, _ := devicePipe(t, p)
		n, err := dev.Write(randomBytes(t, 32<<10))
		if n != budget || !errors.Is(err, ErrCut) {
			t.Errorf("Write = %d, %v; want %d, ErrCut", n, err, budget)
		}
		got, err := io.ReadAll(srv)
		if len(got) != budget || !isReset(err) {
			t.Errorf("peer read %d bytes, %v; want %d then a reset", len(got), err, budget)
		}
	})
	t.Run("down", func(t *testing.T) {
		t.Parallel()
		dev, srv, _ := devicePipe(t, p)
		if _, err := srv.Write(randomBytes(t, 32<<10)); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(dev)
		if len(got) != budget || !errors.Is(err, ErrCut) {
			t.Errorf("device read %d bytes, %v; want %d then ErrCut", len(got), err, budget)
		}
		srv.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := srv.Read(make([]byte, 1)); !isReset(err) {
			t.Errorf("peer read after the cut: %v, want a reset", err)
		}
		if _, err := dev.Write([]byte{1}); !errors.Is(err, ErrCut) {
			t.Errorf("device write after the cut: %v, want ErrCut", err)
		}
	})
}

// TestConcurrentEcho runs several clients through one Dialer against an
// echo server behind one Listener (both ends shaped, on separate links of
// the same simulated network), and checks every byte and every counter.
func TestConcurrentEcho(t *testing.T) {
	t.Parallel()
	const clients, size = 8, 16 << 10
	p := Profile4G.SpeedUp(8)
	l, err := Listen(listen(t), p)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	d, err := NewDialer(p)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := d.DialContext(context.Background(), "tcp", l.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			data := bytes.Repeat([]byte{byte(i)}, size)
			go func() {
				// Small writes from a second goroutine, racing the reader.
				for off := 0; off < size; off += 1000 {
					if _, err := c.Write(data[off:min(off+1000, size)]); err != nil {
						t.Error(err)
						return
					}
				}
			}()
			got := make([]byte, size)
			if _, err := io.ReadFull(c, got); err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			if !bytes.Equal(got, data) {
				t.Errorf("client %d: echo differs", i)
			}
		}()
	}
	wg.Wait()
	want := Stats{Up: clients * size, Down: clients * size}
	if s := d.Stats(); s != want {
		t.Errorf("dialer stats %+v, want %+v", s, want)
	}
	// The server's link counts the same bytes: the echo came up and went down.
	if s := l.Stats(); s != want {
		t.Errorf("listener stats %+v, want %+v", s, want)
	}
}

// TestHTTP puts an HTTP client on a simulated link through the Dialer
// and an HTTP server behind one through the Listener.
func TestHTTP(t *testing.T) {
	const size = 16 << 10
	body := randomBytes(t, size)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body)
	})
	p := Profile3G.SpeedUp(4)

	check := func(t *testing.T, client *http.Client, url string, stats func() Stats) {
		t.Helper()
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		if !bytes.Equal(got, body) {
			t.Fatal("body differs")
		}
		// At least one RTT for the request and the body's serialization.
		if floor := p.RTT + serialization(size, p.Down); elapsed < floor {
			t.Errorf("GET took %v, less than the link allows (%v)", elapsed, floor)
		}
		s := stats()
		if s.Down <= size || s.Up == 0 {
			t.Errorf("stats %+v: want more than the %d-byte body down and the request up", s, size)
		}
		t.Logf("GET %d bytes in %v; on the wire %+v", size, elapsed, s)
	}

	t.Run("dialer", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(handler)
		defer srv.Close()
		d, err := NewDialer(p)
		if err != nil {
			t.Fatal(err)
		}
		tr := &http.Transport{DialContext: d.DialContext}
		defer tr.CloseIdleConnections()
		check(t, &http.Client{Transport: tr}, srv.URL, d.Stats)
	})
	t.Run("listener", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(handler)
		l, err := Listen(srv.Listener, p)
		if err != nil {
			t.Fatal(err)
		}
		srv.Listener = l
		srv.Start()
		defer srv.Close()
		check(t, srv.Client(), srv.URL, l.Stats)
	})
}

// TestDialCancel shows that the simulated handshake honours the context.
func TestDialCancel(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	d, err := NewDialer(Profile{Name: "very slow", RTT: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err == nil {
		c.Close()
		t.Fatal("dial succeeded despite the cancelled context")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("dial error %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("dial returned after %v", time.Since(start))
	}
}

// TestWrap wraps an existing connection as the device end: its writes
// are delayed by the uplink's half of the RTT and counted as Up.
func TestWrap(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := Profile{Name: "latency only", RTT: 100 * time.Millisecond}
	c, err := Wrap(raw, p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checkDuration(t, "1000 bytes up", timeTransfer(t, c, srv, 1000), p.TransferTime(1000, false))
	if s := c.Stats(); s != (Stats{Up: 1000}) {
		t.Errorf("stats %+v, want Up 1000", s)
	}
}

func TestNilInner(t *testing.T) {
	if _, err := Wrap(nil, Loopback); err == nil {
		t.Error("Wrap(nil) succeeded")
	}
	if _, err := Listen(nil, Loopback); err == nil {
		t.Error("Listen(nil) succeeded")
	}
}

func TestProfileValidate(t *testing.T) {
	for _, p := range Profiles() {
		if err := p.Validate(); err != nil {
			t.Errorf("built-in profile %s: %v", p.Name, err)
		}
	}
	bad := []Profile{
		{Name: "down", Down: -1},
		{Name: "up", Up: -1},
		{Name: "rtt", RTT: -time.Millisecond},
		{Name: "cut", CutAfter: -5},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("profile %+v accepted", p)
		}
		ln := listen(t)
		if _, err := Listen(ln, p); err == nil {
			t.Errorf("Listen accepted profile %+v", p)
		}
		if _, err := NewDialer(p); err == nil {
			t.Errorf("NewDialer accepted profile %+v", p)
		}
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Wrap(c, p); err == nil {
			t.Errorf("Wrap accepted profile %+v", p)
		}
		c.Close()
	}
}

func TestModel(t *testing.T) {
	tests := []struct {
		n    int64
		rate int64
		want time.Duration
	}{
		{1460, 64_000, 182_500 * time.Microsecond},
		{32 << 10, 64_000, 4096 * time.Millisecond},
		{1, 8, time.Second},
		{1, 3, 2666666666}, // rounded down to the nanosecond
		{1000, 0, 0},       // unlimited
		{0, 64_000, 0},
		{1 << 40, 1 << 40, 8 * time.Second}, // large totals do not overflow
		{1, 10_000_000_000_000, 0},          // nor fast rates (0.8 ps rounds to 0)
	}
	for _, tt := range tests {
		if got := serialization(tt.n, tt.rate); got != tt.want {
			t.Errorf("serialization(%d, %d) = %v, want %v", tt.n, tt.rate, got, tt.want)
		}
	}

	p := Profile{Name: "x", Down: 1000, Up: 500, RTT: 301 * time.Nanosecond}
	if up, down := p.oneWay(false), p.oneWay(true); up+down != p.RTT {
		t.Errorf("one-way delays %v + %v != RTT %v", up, down, p.RTT)
	}
	q := p.SpeedUp(10)
	if q.Down != 10_000 || q.Up != 5000 || q.RTT != 30 || q.Name != "x/10" {
		t.Errorf("SpeedUp(10) = %+v", q)
	}
	if got := p.SpeedUp(0); got != p {
		t.Errorf("SpeedUp(0) = %+v, want the profile unchanged", got)
	}
}

// TestWriteBackpressure shows that the link's queue is bounded: on a slow
// link whose peer reads, a large Write blocks once the queue is full and
// its deadline cuts it short, having accepted about the queue's size.
func TestWriteBackpressure(t *testing.T) {
	t.Parallel()
	dev, srv, _ := devicePipe(t, Profile2G)
	go io.Copy(io.Discard, srv)
	dev.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := dev.Write(make([]byte, 1<<20))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Write error %v, want a timeout", err)
	}
	// 64 KiB of queue, plus what the 32 kbit/s uplink drained meanwhile.
	if n < minQueue || n > minQueue+2*mss {
		t.Errorf("Write accepted %d bytes before its deadline, want about %d", n, minQueue)
	}
	dev.SetWriteDeadline(time.Time{})
	if s := dev.Stats(); s.Up != int64(n) {
		t.Errorf("stats %+v, want Up = the %d accepted bytes", s, n)
	}
}
