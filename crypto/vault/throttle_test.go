package vault

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	tests := []struct {
		failures uint32
		want     time.Duration
	}{
		{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0},
		{5, 30 * time.Second},
		{6, time.Minute},
		{7, 2 * time.Minute},
		{8, 4 * time.Minute},
		{9, 8 * time.Minute},
		{10, 16 * time.Minute},
		{11, 32 * time.Minute},
		{12, time.Hour},
		{13, time.Hour},
		{100, time.Hour},
		{^uint32(0), time.Hour},
	}
	for _, tt := range tests {
		if got := Delay(tt.failures); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	if Delay(DamagedFailures) == 0 {
		t.Fatal("a damaged counter must cost a delay")
	}
	// Monotonic over the whole uint32 range we care about.
	prev := time.Duration(0)
	for f := uint32(0); f < 1000; f++ {
		d := Delay(f)
		if d < prev || d > MaxDelay {
			t.Fatalf("Delay(%d) = %v after %v", f, d, prev)
		}
		prev = d
	}
}

func TestThrottleRetryAtAndWait(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		th      Throttle
		retryAt time.Time // checked when non-zero
		wait    time.Duration
	}{
		{"no failures", Throttle{}, time.Time{}, 0},
		{"typos", Throttle{Failures: 4, Last: now}, now, 0},
		{"fifth failure just now", Throttle{Failures: 5, Last: now}, now.Add(30 * time.Second), 30 * time.Second},
		{"fifth failure 10s ago", Throttle{Failures: 5, Last: now.Add(-10 * time.Second)}, now.Add(20 * time.Second), 20 * time.Second},
		{"delay over", Throttle{Failures: 7, Last: now.Add(-3 * time.Minute)}, now.Add(-time.Minute), 0},
		{"capped", Throttle{Failures: 40, Last: now.Add(-30 * time.Minute)}, now.Add(30 * time.Minute), 30 * time.Minute},
		{"damaged, stamped now", Throttle{Failures: DamagedFailures, Damaged: true, Last: now}, now.Add(30 * time.Second), 30 * time.Second},
		{"damaged, not stamped: full delay from now", Throttle{Failures: DamagedFailures, Damaged: true}, time.Time{}, 30 * time.Second},
		{"damaged with low count", Throttle{Failures: 0, Damaged: true, Last: now}, now.Add(30 * time.Second), 30 * time.Second},
		{"last in the future: clamped to now", Throttle{Failures: 12, Last: now.Add(1000 * time.Hour)}, now.Add(1001 * time.Hour), time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.retryAt.IsZero() && !tt.th.RetryAt().Equal(tt.retryAt) {
				t.Errorf("RetryAt = %v, want %v", tt.th.RetryAt(), tt.retryAt)
			}
			if got := tt.th.Wait(now); got != tt.wait {
				t.Errorf("Wait = %v, want %v", got, tt.wait)
			}
		})
	}
}

func TestThrottleFailReset(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var th Throttle
	for i := 1; i <= 5; i++ {
		th.Fail(now)
	}
	if th.Failures != 5 || !th.Last.Equal(now) || th.Wait(now) != 30*time.Second {
		t.Fatalf("after 5 failures: %+v wait %v", th, th.Wait(now))
	}
	d := Throttle{Failures: DamagedFailures, Damaged: true}
	d.Fail(now)
	if d.Damaged || d.Failures != DamagedFailures+1 || !d.Last.Equal(now) {
		t.Fatalf("Fail on a damaged throttle: %+v", d)
	}
	sat := Throttle{Failures: ^uint32(0)}
	sat.Fail(now)
	if sat.Failures != ^uint32(0) {
		t.Fatalf("Fail overflowed: %d", sat.Failures)
	}
	th.Reset()
	if th != (Throttle{}) {
		t.Fatalf("Reset left %+v", th)
	}
}
