package client

import (
	"fmt"
	"testing"
	"time"
)

// TestPager: the page size doubles after a quick full page, halves after
// a slow one or a network failure, and stays within [1, max].
func TestPager(t *testing.T) {
	const idle = 20 * time.Second
	p := &pager{size: 10, max: 40, idle: idle}
	steps := []struct {
		what string
		do   func()
		want int
	}{
		{"quick full page", func() { p.arrived(10, time.Second) }, 20},
		{"quick full page", func() { p.arrived(20, time.Second) }, 40},
		{"at the cap", func() { p.arrived(40, time.Second) }, 40},
		{"quick short page", func() { p.size = 20; p.arrived(5, time.Second) }, 20},
		{"page in half the idle time", func() { p.arrived(20, idle/2) }, 20},
		{"page slower than the idle time", func() { p.arrived(20, idle+time.Second) }, 10},
		{"stalled", func() { p.failed(fmt.Errorf("sync: %w: %w", ErrOffline, ErrStalled)) }, 5},
		{"refused", func() { p.failed(&ServerError{Status: 503}) }, 5},
		{"cut", func() { p.failed(fmt.Errorf("%w: cut", ErrOffline)) }, 2},
		{"cut", func() { p.failed(ErrOffline) }, 1},
		{"cut at the floor", func() { p.failed(ErrOffline) }, 1},
		{"slow at the floor", func() { p.arrived(1, 2*idle) }, 1},
		{"quick again", func() { p.arrived(1, time.Millisecond) }, 2},
	}
	for _, s := range steps {
		s.do()
		if p.size != s.want {
			t.Fatalf("%s: size %d; want %d", s.what, p.size, s.want)
		}
	}
}
