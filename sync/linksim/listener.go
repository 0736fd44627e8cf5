package linksim

import (
	"context"
	"errors"
	"net"
	"time"
)

// A Listener accepts connections whose network end is seen through a
// simulated link: writes travel down to the device, reads come up from it.
// Use it to put a server (an httptest.Server's Listener, the reference
// warehouse) behind a slow link while its clients dial it plainly.
//
// The TCP handshake is not delayed: a plain client's Dial returns at
// loopback speed. Dial through a Dialer instead to pay for it.
type Listener struct {
	inner   net.Listener
	profile Profile
	stats   counters
}

var _ net.Listener = (*Listener)(nil)

// Listen wraps inner so that every accepted connection goes through a link
// of profile p.
func Listen(inner net.Listener, p Profile) (*Listener, error) {
	if inner == nil {
		return nil, errors.New("linksim: listen: nil listener")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Listener{inner: inner, profile: p}, nil
}

// Accept waits for the next connection and returns its network end, a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.inner.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(c, l.profile, networkSide, &l.stats), nil
}

// Close closes the inner listener; accepted connections stay open.
func (l *Listener) Close() error { return l.inner.Close() }

// Addr returns the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Stats reports the bytes carried by all connections this Listener accepted.
func (l *Listener) Stats() Stats { return l.stats.stats() }

// A Dialer makes connections whose device end is seen through a simulated
// link. Its DialContext fits http.Transport.DialContext (and resty's
// transport), so a client can be put on a 2G link in a test:
//
//	d, err := linksim.NewDialer(linksim.Profile2G)
//	...
//	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
//
// Each dial first waits one RTT, the cost of the TCP handshake.
type Dialer struct {
	profile Profile
	inner   net.Dialer
	stats   counters
}

// NewDialer returns a Dialer for links of profile p.
func NewDialer(p Profile) (*Dialer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Dialer{profile: p}, nil
}

// DialContext connects to address on the named network and returns the
// device end, a *Conn.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if rtt := d.profile.RTT; rtt > 0 {
		t := time.NewTimer(rtt)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
		}
	}
	c, err := d.inner.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return newConn(c, d.profile, deviceSide, &d.stats), nil
}

// Stats reports the bytes carried by all connections this Dialer made.
func (d *Dialer) Stats() Stats { return d.stats.stats() }
