package linksim

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCut is the error of every operation on a connection after its link was
// cut, by Conn.Cut or by Profile.CutAfter. Match it with errors.Is.
var ErrCut = errors.New("linksim: link cut")

// Stats counts the bytes put on a link, from the device's point of view:
// a byte counts when it enters the link, so bytes lost in flight when the
// link is cut are counted too, as on a real radio link.
type Stats struct {
	// Up is the number of bytes sent from the device to the network.
	Up int64
	// Down is the number of bytes sent from the network to the device.
	Down int64
}

// counters is the atomic form of Stats, shared by a Listener or a Dialer
// with the connections it makes.
type counters struct{ up, down atomic.Int64 }

func (c *counters) stats() Stats { return Stats{Up: c.up.Load(), Down: c.down.Load()} }

func (c *counters) add(n int, up bool) {
	if up {
		c.up.Add(int64(n))
	} else {
		c.down.Add(int64(n))
	}
}

// side says which end of the link a Conn sits at.
type side uint8

const (
	deviceSide  side = iota // writes go up, reads come down
	networkSide             // writes go down, reads come up
)

const (
	// mss is the smallest unit the link serializes: a typical TCP segment,
	// so that on a slow link a reader sees data trickle in packet by packet.
	mss = 1460
	// maxSegment bounds a segment on an unlimited or very fast link.
	maxSegment = 64 << 10
	// minQueue is the least a direction buffers (accepted but not yet
	// delivered); more when the bandwidth-delay product needs it.
	minQueue = 64 << 10
	// unlimitedQueue is what a direction with no rate limit buffers.
	unlimitedQueue = 256 << 10
	// closeLinger bounds how long a gracefully closed connection keeps
	// trying to deliver its queued bytes to a peer that does not read.
	closeLinger = 5 * time.Second
)

// segment is a run of bytes that reaches the far end of the link at a
// given time, or an event that does.
type segment struct {
	data []byte
	at   time.Time
	err  error // inbound: the inner connection's read error, after the data
	cut  bool  // outbound: cut the link here (Profile.CutAfter)
}

// direction is one way of the link: a serializer of the given rate
// followed by a fixed propagation delay, with the queue of bytes in it.
type direction struct {
	rate    int64         // bit/s, 0 = unlimited
	delay   time.Duration // one-way propagation delay
	segSize int
	limit   int       // most bytes queued at once
	free    time.Time // when the serializer finishes what it was given
	q       []segment
	queued  int // bytes in q
}

func newDirection(rate int64, delay time.Duration) direction {
	d := direction{rate: rate, delay: delay, segSize: maxSegment, limit: unlimitedQueue}
	if rate > 0 {
		// At least one MSS, at most a millisecond's worth of data, so
		// fast links are not driven one small segment at a time.
		d.segSize = min(max(mss, int(rate/8/1000)), maxSegment)
		// Twice the bandwidth-delay product keeps the link busy; the
		// float avoids overflow, the cap bounds memory.
		bdp := float64(rate) / 8 * (2 * delay).Seconds()
		d.limit = int(max(minQueue, min(2*bdp, 64<<20)))
	}
	return d
}

// schedule queues data, which the caller no longer touches, entering the
// link at now. It returns when the last byte reaches the far end.
func (d *direction) schedule(data []byte, now time.Time) time.Time {
	var at time.Time
	for len(data) > 0 {
		n := min(len(data), d.segSize)
		start := now
		if d.free.After(start) {
			start = d.free
		}
		d.free = start.Add(serialization(int64(n), d.rate))
		at = d.free.Add(d.delay)
		d.q = append(d.q, segment{data: data[:n:n], at: at})
		d.queued += n
		data = data[n:]
	}
	return at
}

// A Conn is one end of a connection seen through a simulated link. It is
// safe for concurrent use, like every net.Conn.
//
// Writes enter a queue of bounded size (like a socket's send buffer) and
// return once accepted; the link delivers them to the inner connection
// at its rate, after its one-way delay. Reads see the inner connection's
// bytes only once the link has carried them. Close delivers what is still
// queued, then closes the inner connection; Cut drops it and resets.
type Conn struct {
	inner  net.Conn
	side   side
	own    counters
	shared *counters // the Listener's or Dialer's, or nil

	rlock, wlock chan struct{} // one Read and one Write at a time
	rdl, wdl     deadline

	done    chan struct{} // closed by Close or a cut
	cutCh   chan struct{} // closed by a cut only
	endOnce sync.Once

	mu       sync.Mutex
	out, in  direction
	changed  chan struct{} // closed and replaced on every change of state
	budget   int64         // bytes the link carries before it is cut; -1: no limit
	cutTimer *time.Timer   // a scheduled cut (inbound CutAfter)
	closed   bool
	cut      error // non-nil once the link is cut
	writeErr error // the inner connection failed a write
}

var _ net.Conn = (*Conn)(nil)

// Wrap returns the device end of c seen through a link of profile p:
// writes travel up, reads come down. Wrap one end of a connection only;
// to shape the network end use Listen.
func Wrap(c net.Conn, p Profile) (*Conn, error) {
	if c == nil {
		return nil, errors.New("linksim: wrap: nil connection")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return newConn(c, p, deviceSide, nil), nil
}

func newConn(inner net.Conn, p Profile, s side, shared *counters) *Conn {
	out := newDirection(p.Up, p.oneWay(false))
	in := newDirection(p.Down, p.oneWay(true))
	if s == networkSide {
		out = newDirection(p.Down, p.oneWay(true))
		in = newDirection(p.Up, p.oneWay(false))
	}
	budget := int64(-1)
	if p.CutAfter > 0 {
		budget = p.CutAfter
	}
	c := &Conn{
		inner:  inner,
		side:   s,
		shared: shared,
		rlock:  make(chan struct{}, 1),
		wlock:  make(chan struct{}, 1),
		rdl:    makeDeadline(),
		wdl:    makeDeadline(),
		done:   make(chan struct{}),
		cutCh:  make(chan struct{}),
		out:    out,
		in:     in,
		budget: budget,
	}
	go c.deliver()
	go c.receive()
	return c
}

// Stats reports the bytes this connection carried each way.
func (c *Conn) Stats() Stats { return c.own.stats() }

// count records n bytes carried outbound (out) or inbound.
func (c *Conn) count(n int, out bool) {
	up := out == (c.side == deviceSide)
	c.own.add(n, up)
	if c.shared != nil {
		c.shared.add(n, up)
	}
}

// changedLocked returns a channel closed at the next change of state.
func (c *Conn) changedLocked() <-chan struct{} {
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	return c.changed
}

func (c *Conn) broadcastLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "linksim", Source: c.inner.LocalAddr(), Addr: c.inner.RemoteAddr(), Err: err}
}

// Write queues b for the link. It blocks while the queue is full, until
// the write deadline, Close or a cut.
func (c *Conn) Write(b []byte) (int, error) {
	select {
	case <-c.wdl.wait():
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	default:
	}
	// One Write at a time keeps each Write's bytes together on the link.
	// Once the connection is done, the loop below fails at once and the
	// lock is not needed.
	select {
	case c.wlock <- struct{}{}:
		defer func() { <-c.wlock }()
	case <-c.wdl.wait():
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	case <-c.done:
	}
	n := 0
	for {
		c.mu.Lock()
		switch {
		case c.cut != nil:
			c.mu.Unlock()
			return n, c.opErr("write", c.cut)
		case c.closed:
			c.mu.Unlock()
			return n, c.opErr("write", net.ErrClosed)
		case c.writeErr != nil:
			err := c.writeErr
			c.mu.Unlock()
			return n, err
		case n == len(b):
			c.mu.Unlock()
			return n, nil
		}
		if space := c.out.limit - c.out.queued; space > 0 && c.budget != 0 {
			k := min(space, len(b)-n)
			if c.budget > 0 {
				k = int(min(int64(k), c.budget))
			}
			data := make([]byte, k)
			copy(data, b[n:])
			at := c.out.schedule(data, time.Now())
			c.count(k, true)
			n += k
			if c.budget > 0 {
				c.budget -= int64(k)
				if c.budget == 0 {
					c.out.q = append(c.out.q, segment{at: at, cut: true})
				}
			}
			c.broadcastLocked()
			c.mu.Unlock()
			continue
		}
		// The queue is full, or the link will be cut: wait.
		ch := c.changedLocked()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-c.done:
		case <-c.wdl.wait():
			return n, c.opErr("write", os.ErrDeadlineExceeded)
		}
	}
}

// deliver moves queued outbound bytes to the inner connection when the
// link has carried them. It closes the inner connection once a closed
// Conn's queue is empty.
func (c *Conn) deliver() {
	var buf []byte
	for {
		c.mu.Lock()
		for len(c.out.q) == 0 && c.cut == nil && c.writeErr == nil {
			if c.closed {
				c.mu.Unlock()
				c.inner.Close()
				return
			}
			ch := c.changedLocked()
			c.mu.Unlock()
			<-ch
			c.mu.Lock()
		}
		if c.cut != nil || c.writeErr != nil {
			c.mu.Unlock()
			return
		}
		at := c.out.q[0].at
		c.mu.Unlock()

		if wait := time.Until(at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-c.cutCh:
				t.Stop()
				return
			}
		}

		c.mu.Lock()
		if c.cut != nil {
			c.mu.Unlock()
			return
		}
		now := time.Now()
		buf = buf[:0]
		cut := false
		i := 0
		for ; i < len(c.out.q) && !c.out.q[i].at.After(now); i++ {
			if c.out.q[i].cut {
				cut = true
				i++
				break
			}
			buf = append(buf, c.out.q[i].data...)
		}
		clear(c.out.q[:i])
		c.out.q = c.out.q[i:]
		c.mu.Unlock()

		if len(buf) > 0 {
			_, err := c.inner.Write(buf)
			c.mu.Lock()
			c.out.queued -= len(buf)
			if err != nil && c.cut == nil && c.writeErr == nil {
				c.writeErr = err
				c.out.q, c.out.queued = nil, 0
			}
			c.broadcastLocked()
			c.mu.Unlock()
			if err != nil {
				c.inner.Close()
				return
			}
		}
		if cut {
			c.abort()
			return
		}
	}
}

// receive reads the inner connection and queues what arrives for the
// inbound link. It stops at the inner connection's first error, which it
// queues after the data.
func (c *Conn) receive() {
	buf := make([]byte, 32<<10)
	for {
		c.mu.Lock()
		for c.in.queued >= c.in.limit && c.cut == nil && !c.closed {
			ch := c.changedLocked()
			c.mu.Unlock()
			<-ch
			c.mu.Lock()
		}
		if c.cut != nil || c.closed {
			c.mu.Unlock()
			return
		}
		space := c.in.limit - c.in.queued
		c.mu.Unlock()

		n, err := c.inner.Read(buf[:min(space, len(buf))])
		now := time.Now()

		c.mu.Lock()
		if c.cut != nil {
			c.mu.Unlock()
			return
		}
		keep := int64(n)
		if c.budget >= 0 {
			// Past the budget the bytes are dropped: the link is about
			// to break.
			keep = min(keep, c.budget)
		}
		if keep > 0 {
			data := make([]byte, keep)
			copy(data, buf)
			at := c.in.schedule(data, now)
			c.count(int(keep), false)
			if c.budget > 0 {
				c.budget -= keep
				if c.budget == 0 {
					// The link breaks when the last byte it carries arrives.
					c.cutTimer = time.AfterFunc(time.Until(at), c.abort)
					c.broadcastLocked()
					c.mu.Unlock()
					return
				}
			}
		}
		if err != nil {
			start := now
			if c.in.free.After(start) {
				start = c.in.free
			}
			c.in.q = append(c.in.q, segment{err: err, at: start.Add(c.in.delay)})
			c.broadcastLocked()
			c.mu.Unlock()
			return
		}
		c.broadcastLocked()
		c.mu.Unlock()
	}
}

// Read returns bytes the link has carried to this end. It blocks until
// some have arrived, until the read deadline, Close or a cut. After a cut
// it still returns what had arrived before it, then ErrCut.
func (c *Conn) Read(b []byte) (int, error) {
	select {
	case <-c.rdl.wait():
		return 0, c.opErr("read", os.ErrDeadlineExceeded)
	default:
	}
	// One Read at a time; once the connection is done, reads only drain
	// what had arrived, under c.mu, and need no ordering.
	select {
	case c.rlock <- struct{}{}:
		defer func() { <-c.rlock }()
	case <-c.rdl.wait():
		return 0, c.opErr("read", os.ErrDeadlineExceeded)
	case <-c.done:
	}
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return 0, c.opErr("read", net.ErrClosed)
		}
		now := time.Now()
		n := 0
		for n < len(b) && len(c.in.q) > 0 && c.in.q[0].err == nil && !c.in.q[0].at.After(now) {
			s := &c.in.q[0]
			k := copy(b[n:], s.data)
			n += k
			s.data = s.data[k:]
			c.in.queued -= k
			if len(s.data) == 0 {
				c.in.q[0] = segment{}
				c.in.q = c.in.q[1:]
			}
		}
		if n > 0 || len(b) == 0 {
			c.broadcastLocked()
			c.mu.Unlock()
			return n, nil
		}
		var wake <-chan time.Time
		var timer *time.Timer
		if len(c.in.q) > 0 {
			s := c.in.q[0]
			if s.err != nil && !s.at.After(now) {
				c.mu.Unlock()
				if s.err == io.EOF {
					return 0, io.EOF
				}
				return 0, c.opErr("read", s.err)
			}
			timer = time.NewTimer(s.at.Sub(now))
			wake = timer.C
		} else if c.cut != nil {
			err := c.cut
			c.mu.Unlock()
			return 0, c.opErr("read", err)
		}
		ch := c.changedLocked()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-wake:
		case <-c.done:
		case <-c.rdl.wait():
			if timer != nil {
				timer.Stop()
			}
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Close closes the connection. Bytes already written are still delivered
// (within a few seconds' grace if the peer does not read); then the inner
// connection is closed. Pending and later Reads and Writes fail.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.closed = true
	if c.cut == nil && len(c.out.q) > 0 {
		// Do not let a peer that never reads hold the flush forever.
		c.inner.SetWriteDeadline(c.out.q[len(c.out.q)-1].at.Add(closeLinger))
	}
	c.broadcastLocked()
	c.mu.Unlock()
	c.endOnce.Do(func() { close(c.done) })
	return nil
}

// Cut breaks the link at once, as when the phone loses its signal: bytes
// in flight are lost, the inner connection is reset (a TCP RST where the
// inner connection supports it), and every operation on either end fails.
// Bytes that had already arrived can still be read.
func (c *Conn) Cut() { c.abort() }

func (c *Conn) abort() {
	c.mu.Lock()
	if c.cut != nil {
		c.mu.Unlock()
		return
	}
	c.cut = ErrCut
	if c.cutTimer != nil {
		c.cutTimer.Stop()
	}
	c.out.q, c.out.queued = nil, 0
	now := time.Now()
	arrived := 0
	for i, s := range c.in.q {
		if s.at.After(now) {
			break
		}
		arrived = i + 1
	}
	clear(c.in.q[arrived:])
	c.in.q = c.in.q[:arrived]
	c.in.queued = 0
	for _, s := range c.in.q {
		c.in.queued += len(s.data)
	}
	close(c.cutCh)
	c.broadcastLocked()
	c.mu.Unlock()
	c.endOnce.Do(func() { close(c.done) })

	if tc, ok := c.inner.(interface{ SetLinger(int) error }); ok {
		tc.SetLinger(0) // reset rather than a graceful FIN
	}
	c.inner.Close()
}

// LocalAddr returns the inner connection's local address.
func (c *Conn) LocalAddr() net.Addr { return c.inner.LocalAddr() }

// RemoteAddr returns the inner connection's remote address.
func (c *Conn) RemoteAddr() net.Addr { return c.inner.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline of pending and future Reads.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline of pending and future Writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wdl.set(t)
	return nil
}
