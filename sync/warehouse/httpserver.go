package warehouse

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// HTTP limits of a warehouse process: what one client, or many that
// connect and then stall, may cost it. A request is authenticated from
// its headers before its body is read, each endpoint bounds its body
// (protocol.MaxRequestBytes, protocol.MaxIngestBytes, less for the
// unauthenticated ones), Config.MaxInFlight bounds the requests worked
// on at once and MaxPerDevice those of one device.
const (
	// ReadHeaderTimeout: a client has this long to send its headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout: … and this long for the whole request, body included
	// (a phone's requests are small; an agency's batch comes over the
	// LGSP's fast links).
	ReadTimeout = 30 * time.Second
	// WriteTimeout: an answer must be sent within this (a 100-record page
	// is ≈ 40 KB: 10 s at 2G's 32 kbit/s).
	WriteTimeout = 2 * time.Minute
	// IdleTimeout closes a kept-alive connection that sends nothing.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds a request's headers (a signed request's
	// Authorization is ≈ 600 bytes).
	MaxHeaderBytes = 16 << 10
	// MaxConnections is the default cap on open connections per process.
	MaxConnections = 4096
	// MaxPerDevice bounds the requests of one device in progress at once
	// in a process; more are answered 429.
	MaxPerDevice = 4
)

// NewHTTPServer is an http.Server for h with the limits above.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// LimitListener accepts at most n connections open at once: the next one
// waits in the kernel's backlog until one closes, so a flood of
// connections costs the process no more than n.
func LimitListener(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, slots: make(chan struct{}, n)}
}

type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// deviceLimits counts each device's requests in progress.
type deviceLimits struct {
	mu sync.Mutex
	n  map[string]int
}

// enter reports whether a device may start another request; a true
// answer must be followed by leave.
func (d *deviceLimits) enter(device string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	if d.n[device] >= MaxPerDevice {
		return false
	}
	d.n[device]++
	return true
}

func (d *deviceLimits) leave(device string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n[device]--; d.n[device] <= 0 {
		delete(d.n, device)
	}
}
