package statuslist

import (
	"errors"
	"testing"
)

// TestBitOrder: the draft's two figures, entry by entry: index 0 is the
// least significant bits of byte 0.
func TestBitOrder(t *testing.T) {
	one := []Status{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}
	l, err := New(1, len(one))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range one {
		if err := l.Set(i, s); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.Bytes(); len(got) != 2 || got[0] != 0xB9 || got[1] != 0xA3 {
		t.Fatalf("1-bit bytes % x, want b9 a3", got)
	}
	two := []Status{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}
	l, err = New(2, len(two))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range two {
		if err := l.Set(i, s); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.Bytes(); len(got) != 3 || got[0] != 0xC9 || got[1] != 0x44 || got[2] != 0xF9 {
		t.Fatalf("2-bit bytes % x, want c9 44 f9", got)
	}
	for i, s := range two {
		if g, err := l.Get(i); err != nil || g != s {
			t.Errorf("Get(%d) = %v, %v, want %v", i, g, err, s)
		}
	}
}

// TestSetGet: every width, every value, neighbours untouched, set and
// reset.
func TestSetGet(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		max := Status(1<<bits - 1)
		l, err := New(bits, 64)
		if err != nil {
			t.Fatal(err)
		}
		if l.Len() != 64 || len(l.Bytes()) != 64*bits/8 {
			t.Fatalf("bits %d: Len %d, %d bytes", bits, l.Len(), len(l.Bytes()))
		}
		for i := 0; i < l.Len(); i++ {
			s := Status(i) & max
			if err := l.Set(i, s); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < l.Len(); i++ {
			if g, _ := l.Get(i); g != Status(i)&max {
				t.Fatalf("bits %d: Get(%d) = %v, want %v", bits, i, g, Status(i)&max)
			}
		}
		// Setting one entry back to Valid changes only it.
		_ = l.Set(5, Valid)
		for i := 4; i <= 6; i++ {
			want := Status(i) & max
			if i == 5 {
				want = Valid
			}
			if g, _ := l.Get(i); g != want {
				t.Fatalf("bits %d: after reset Get(%d) = %v, want %v", bits, i, g, want)
			}
		}
		if err := l.Set(0, max+1); bits < 8 && !errors.Is(err, ErrValue) {
			t.Errorf("bits %d: Set(%d) = %v, want ErrValue", bits, max+1, err)
		}
		for _, idx := range []int{-1, l.Len(), 1 << 40} {
			if _, err := l.Get(idx); !errors.Is(err, ErrIndex) {
				t.Errorf("bits %d: Get(%d) = %v, want ErrIndex", bits, idx, err)
			}
			if err := l.Set(idx, Valid); !errors.Is(err, ErrIndex) {
				t.Errorf("bits %d: Set(%d) = %v, want ErrIndex", bits, idx, err)
			}
		}
	}
}

func TestNewLimits(t *testing.T) {
	for _, bits := range []int{0, 3, 5, 16, -1} {
		if _, err := New(bits, 8); !errors.Is(err, ErrBits) {
			t.Errorf("New(%d) = %v, want ErrBits", bits, err)
		}
	}
	for _, size := range []int{0, -1, MaxIndex + 2} {
		if _, err := New(1, size); err == nil {
			t.Errorf("New(1, %d) accepted", size)
		}
	}
	if _, err := New(8, MaxListBytes+1); err == nil {
		t.Error("New(8) beyond MaxListBytes accepted")
	}
	l, err := New(1, 13) // rounded up to two bytes
	if err != nil || l.Len() != 16 {
		t.Fatalf("New(1, 13): Len %d, %v", l.Len(), err)
	}
	if _, err := FromBytes(1, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("FromBytes(empty) = %v, want ErrEmpty", err)
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Valid: "VALID", Invalid: "INVALID", Suspended: "SUSPENDED", 3: "0x03", 0xFF: "0xFF"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", s, s.String(), want)
		}
	}
}
