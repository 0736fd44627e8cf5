package linksim

import (
	"errors"
	"fmt"
	"math/bits"
	"time"
)

// A Profile describes a link between a device and the network.
//
// Rates are in bits per second (1 kbit/s = 1000 bit/s); a rate of 0 means
// the direction is not rate-limited. RTT is the round-trip propagation delay;
// each direction adds half of it to every byte. The zero Profile is a
// perfect link that only counts bytes.
type Profile struct {
	// Name labels the profile in test and benchmark output.
	Name string
	// Down is the rate from the network to the device, in bit/s.
	Down int64
	// Up is the rate from the device to the network, in bit/s.
	Up int64
	// RTT is the round-trip propagation delay, without serialization time.
	RTT time.Duration
	// CutAfter, if positive, breaks each connection once that many bytes
	// (both directions together) have entered it: the bytes up to the
	// limit are delivered, then the connection is reset. For failure tests.
	CutAfter int64
}

// The profiles below model the links a citizen's phone meets in a
// Vietnamese province, from a hamlet without proper coverage (vùng lõm sóng)
// to a weak 4G cell. They are deliberately pessimistic: sync must work on
// them, not merely on the office Wi-Fi.
var (
	// Profile2G is a weak GPRS/EDGE cell: 64 kbit/s down, 32 kbit/s up,
	// 600 ms RTT. It sits between the "GPRS" (50/20 kbit/s, 500 ms) and
	// "Regular 2G" (250/50 kbit/s, 300 ms) presets of Firefox's network
	// monitor; the uplink is half the downlink because a GPRS handset gets
	// fewer uplink than downlink timeslots.
	Profile2G = Profile{Name: "2G", Down: 64_000, Up: 32_000, RTT: 600 * time.Millisecond}

	// Profile3G is an early UMTS (Release 99) packet bearer: 384 kbit/s down,
	// 128 kbit/s up, 300 ms RTT, the RTT of WebPageTest's "3G" profile.
	Profile3G = Profile{Name: "3G", Down: 384_000, Up: 128_000, RTT: 300 * time.Millisecond}

	// Profile4G is a weak 4G cell: 1.6 Mbit/s down, 750 kbit/s up, 150 ms
	// RTT, Lighthouse's mobile throttling preset ("Slow 4G"), which stands
	// for roughly the slowest quarter of 4G connections.
	Profile4G = Profile{Name: "4G", Down: 1_600_000, Up: 750_000, RTT: 150 * time.Millisecond}

	// Loopback adds no delay and no rate limit; it only counts bytes.
	Loopback = Profile{Name: "loopback"}
)

// Profiles lists the built-in profiles from the slowest to the fastest.
func Profiles() []Profile {
	return []Profile{Profile2G, Profile3G, Profile4G, Loopback}
}

// Validate reports whether p describes a possible link.
func (p Profile) Validate() error {
	var errs []error
	if p.Down < 0 {
		errs = append(errs, fmt.Errorf("down rate %d bit/s is negative", p.Down))
	}
	if p.Up < 0 {
		errs = append(errs, fmt.Errorf("up rate %d bit/s is negative", p.Up))
	}
	if p.RTT < 0 {
		errs = append(errs, fmt.Errorf("RTT %v is negative", p.RTT))
	}
	if p.CutAfter < 0 {
		errs = append(errs, fmt.Errorf("cut after %d bytes is negative", p.CutAfter))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("linksim: invalid profile %q: %w", p.Name, err)
	}
	return nil
}

// SpeedUp returns p with its rates multiplied by k and its RTT divided by
// k, so that every exchange takes 1/k of the time it takes on p while the
// shape of the link (its bandwidth-delay product in time units) stays the
// same. Tests use it to keep a profile's character and still run quickly.
// A k below 1 is treated as 1. CutAfter is kept as it is.
func (p Profile) SpeedUp(k int) Profile {
	if k <= 1 {
		return p
	}
	q := p
	q.Name = fmt.Sprintf("%s/%d", p.Name, k)
	q.Down *= int64(k)
	q.Up *= int64(k)
	q.RTT /= time.Duration(k)
	return q
}

// TransferTime is the time the link needs to carry n bytes in one
// direction from a standing start: the one-way delay plus the
// serialization time at the direction's rate. down selects the direction.
func (p Profile) TransferTime(n int64, down bool) time.Duration {
	rate := p.Up
	if down {
		rate = p.Down
	}
	return p.oneWay(down) + serialization(n, rate)
}

// oneWay is the propagation delay of one direction: half the RTT, the
// odd nanosecond going down, so that the two directions add up to RTT.
func (p Profile) oneWay(down bool) time.Duration {
	if down {
		return p.RTT - p.RTT/2
	}
	return p.RTT / 2
}

// serialization is the time a link of bitsPerSec needs to put n bytes on
// the wire; 0 when the link is not rate-limited.
func serialization(n int64, bitsPerSec int64) time.Duration {
	if bitsPerSec <= 0 || n <= 0 {
		return 0
	}
	// Whole seconds first, then the remainder with a 128-bit product, so
	// that neither a large n nor a fast rate overflows.
	b := uint64(n) * 8
	r := uint64(bitsPerSec)
	hi, lo := bits.Mul64(b%r, uint64(time.Second))
	frac, _ := bits.Div64(hi, lo, r)
	return time.Duration(b/r)*time.Second + time.Duration(frac)
}
