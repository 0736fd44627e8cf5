package linksim

import (
	"sync"
	"time"
)

// deadline is a settable point in time with a channel that is closed when
// it passes, so that blocked operations can select on it and a new
// deadline takes effect on operations already waiting.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	passed chan struct{} // closed once the deadline has passed
}

func makeDeadline() deadline { return deadline{passed: make(chan struct{})} }

// set moves the deadline to t; the zero time means no deadline.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		// The timer fired: its function closes d.passed, if it has not
		// already. Wait for it so that the channel can be replaced safely.
		<-d.passed
	}
	d.timer = nil

	expired := isClosed(d.passed)
	if t.IsZero() {
		if expired {
			d.passed = make(chan struct{})
		}
		return
	}
	if wait := time.Until(t); wait > 0 {
		if expired {
			d.passed = make(chan struct{})
		}
		passed := d.passed
		d.timer = time.AfterFunc(wait, func() { close(passed) })
		return
	}
	if !expired {
		close(d.passed)
	}
}

// wait returns a channel that is closed when the current deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.passed
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
