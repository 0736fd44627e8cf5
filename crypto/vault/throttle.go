package vault

import "time"

// DamagedFailures is the failure count assumed when the throttle section
// of a header is damaged: enough for the first non-zero delay, so damage
// fails closed to a delay rather than to a fresh counter.
const DamagedFailures = 5

// Delay schedule constants.
const (
	// FreeFailures is the number of failed attempts that cost nothing
	// (typos).
	FreeFailures = 4
	// FirstDelay is the delay after failure number FreeFailures+1.
	FirstDelay = 30 * time.Second
	// MaxDelay caps the doubling.
	MaxDelay = time.Hour
)

// Delay returns how long to wait after the given number of consecutive
// failed PIN attempts before the next attempt: 0 for the first four, then
// 30s, 1m, 2m, 4m, 8m, 16m, 32m, and 1h from the twelfth failure on.
func Delay(failures uint32) time.Duration {
	if failures <= FreeFailures {
		return 0
	}
	n := failures - FreeFailures - 1 // doublings after the first delay
	d := FirstDelay
	for i := uint32(0); i < n; i++ {
		d *= 2
		if d >= MaxDelay {
			return MaxDelay
		}
	}
	return d
}

// Throttle is the failed-PIN counter stored in a profile header.
type Throttle struct {
	Failures uint32    // consecutive failed PIN attempts
	Last     time.Time // time of the last failure; zero if unknown
	// Damaged is set by ParseHeader when the throttle section was
	// truncated, edited or failed its tag check. Failures is then
	// DamagedFailures and Last is zero: ParseHeader does not know the
	// current time, so the caller must set Last to its own now (and
	// persist it) before applying the delay; see Wait.
	Damaged bool
}

// EffectiveFailures is the count the delay is computed from: Failures,
// raised to DamagedFailures when the section was damaged.
func (t Throttle) EffectiveFailures() uint32 {
	if t.Damaged && t.Failures < DamagedFailures {
		return DamagedFailures
	}
	return t.Failures
}

// RetryAt is the earliest time of the next attempt: Last plus
// Delay(EffectiveFailures()). With a zero Last (a damaged section the
// caller has not stamped yet) it is meaningless; use Wait, which handles
// that case.
func (t Throttle) RetryAt() time.Time {
	return t.Last.Add(Delay(t.EffectiveFailures()))
}

// Wait returns how long an attempt made at now must still wait (0 if it
// may proceed). It fails closed in the two cases RetryAt cannot judge:
// with a zero Last and a non-zero delay (a damaged section not yet
// stamped) the full delay is counted from now; a Last later than now
// (the clock was turned back, or the header was edited) is treated as
// now, so a wrong clock costs at most one delay, never a lockout until a
// far-future date.
func (t Throttle) Wait(now time.Time) time.Duration {
	d := Delay(t.EffectiveFailures())
	if d == 0 {
		return 0
	}
	last := t.Last
	if last.IsZero() || last.After(now) {
		last = now
	}
	if w := last.Add(d).Sub(now); w > 0 {
		return w
	}
	return 0
}

// Fail records a failed attempt at now: the effective count plus one
// (saturating) and Last = now. Damaged is cleared because the section
// now holds a known value again.
func (t *Throttle) Fail(now time.Time) {
	f := t.EffectiveFailures()
	if f < ^uint32(0) {
		f++
	}
	*t = Throttle{Failures: f, Last: now}
}

// Reset clears the counter after a successful unlock.
func (t *Throttle) Reset() { *t = Throttle{} }
