package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// ErrStalled: no byte of a request or its answer moved for
// Config.IdleTimeout. It comes wrapped together with ErrOffline (a
// stalled link is an unreachable warehouse to every caller); match it
// only to say more than "offline".
var ErrStalled = errors.New("no data moved on the link")

// errAttemptCap is the cause of an attempt cancelled by Config.Timeout.
var errAttemptCap = errors.New("the attempt ran past its time limit")

// A watchdog cancels one attempt's context when the attempt makes no
// progress for idle: a timer that every sign of life pushes back. Signs
// of life are the steps of the connection (dial, TLS, request written,
// first answer byte, from httptrace), every read of the request body by
// the transport (it reads the next piece only when the previous one was
// written) and every read of the answer's body that returns bytes.
//
// A sign of life is one atomic store; the timer, when it fires, looks at
// the last one and either re-arms itself for the rest of the interval or
// cancels the attempt with ErrStalled as the cause.
type watchdog struct {
	start  time.Time
	last   atomic.Int64 // time.Since(start) of the last sign of life
	idle   time.Duration
	cancel context.CancelCauseFunc
	conns  atomic.Int32 // connections the transport used for this attempt
	// grace is how long the written request may still sit in the socket's
	// send buffer (see drainTime); it pushes the watchdog back that much
	// further once the request is written.
	grace atomic.Int64

	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

type watchdogKey struct{}

// watch returns a context that is cancelled (cause ErrStalled) once no
// sign of life reached the returned watchdog for idle, and the watchdog.
// The caller must stop it.
func watch(ctx context.Context, idle time.Duration) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{start: time.Now(), idle: idle, cancel: cancel}
	ctx = context.WithValue(ctx, watchdogKey{}, w)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			w.conns.Add(1)
			w.touch()
		},
		ConnectDone:          func(string, string, error) { w.touch() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { w.touch() },
		WroteHeaders:         w.touch,
		WroteRequest:         func(httptrace.WroteRequestInfo) { w.touchAhead(time.Duration(w.grace.Load())) },
		GotFirstResponseByte: w.touch,
	})
	w.mu.Lock()
	w.timer = time.AfterFunc(idle, w.check)
	w.mu.Unlock()
	return ctx, w
}

// resent says whether net/http sent the attempt's request more than once:
// it resends a GET by itself, with the same signature, when a reused
// connection breaks before the answer begins.
func (w *watchdog) resent() bool { return w.conns.Load() > 1 }

func watchdogOf(ctx context.Context) *watchdog {
	w, _ := ctx.Value(watchdogKey{}).(*watchdog)
	return w
}

// touch records a sign of life.
func (w *watchdog) touch() { w.last.Store(int64(time.Since(w.start))) }

// touchAhead records a sign of life d from now: the time a written
// request may need to leave the device.
func (w *watchdog) touchAhead(d time.Duration) { w.last.Store(int64(time.Since(w.start) + d)) }

// slowestLink is the slowest uplink sync is built for (issue 14's weak
// signal): 1 KB/s.
const slowestLink = 1000 // bytes per second

// drainTime is how long a request of n body bytes (and about 1 KB of
// headers, the signed JWT most of it) may take to leave a device on the
// slowest link after the transport handed it to the socket: the socket
// takes it whole into its send buffer, so no further sign of life comes
// from the request until the answer begins.
func drainTime(n int64) time.Duration {
	return time.Duration(max(n, 0)+1000) * time.Second / slowestLink
}

func (w *watchdog) check() {
	quiet := time.Since(w.start) - time.Duration(w.last.Load()) // negative while in a grace
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if quiet >= w.idle {
		w.stopped = true
		w.cancel(ErrStalled)
		return
	}
	w.timer.Reset(w.idle - quiet)
}

// stop ends the watch; the context is cancelled (without a cause that
// matters: the attempt is over) so that nothing is left running.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	w.mu.Unlock()
	w.cancel(context.Canceled)
}

// watchedTransport passes requests to inner, feeding the watchdog in the
// request's context (if any) with every read of the request body and of
// the answer's body. The answer's body is what inner returns, gzip
// already undone by net/http when it asked for gzip: bytes of it are a
// sign that compressed bytes arrived, since inflating never stalls for
// long on a few hundred bytes of input.
type watchedTransport struct{ inner http.RoundTripper }

func (t watchedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w := watchdogOf(req.Context())
	if w == nil {
		return t.inner.RoundTrip(req)
	}
	if req.Body != nil && req.Body != http.NoBody {
		r := *req // a RoundTripper must not change the caller's request
		r.Body = &touchingBody{rc: req.Body, w: w}
		req = &r
	}
	w.grace.Store(int64(drainTime(req.ContentLength)))
	resp, err := t.inner.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		w.touch()
		resp.Body = &touchingBody{rc: resp.Body, w: w}
	}
	return resp, err
}

type touchingBody struct {
	rc io.ReadCloser
	w  *watchdog
}

func (b *touchingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.w.touch()
	}
	return n, err
}

func (b *touchingBody) Close() error { return b.rc.Close() }
