package warehouse

import (
	"bytes"
	"slices"
	"testing"
)

// TestStatusOrder: each list's order is a permutation of its indices
// (for a power of two, and for a capacity that is not one), the same for
// the same key, agency and list, and another for another of each; it does
// not keep the order of issuance.
func TestStatusOrder(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	for _, capacity := range []int{1 << 10, 1032, 1 << 16} {
		o := newStatusOrder(key, "vn.dongnai.soyte", 3, capacity)
		seen := make([]bool, capacity)
		ascending := 0
		prev := -1
		for n := range capacity {
			i := o.index(n)
			if i < 0 || i >= capacity || seen[i] {
				t.Fatalf("capacity %d: entry %d at %d, out of range or taken", capacity, n, i)
			}
			seen[i] = true
			if i > prev {
				ascending++
			}
			prev = i
		}
		// A random order rises about half the time; issuance order always.
		if ascending < capacity*4/10 || ascending > capacity*6/10 {
			t.Errorf("capacity %d: the order rises %d times of %d", capacity, ascending, capacity)
		}
	}
	first := func(key []byte, agency string, list int) []int {
		o := newStatusOrder(key, agency, list, 1<<20)
		var out []int
		for n := range 8 {
			out = append(out, o.index(n))
		}
		return out
	}
	base := first(key, "vn.a", 0)
	if again := first(key, "vn.a", 0); !slices.Equal(base, again) {
		t.Errorf("the same list places entries %v, then %v", base, again)
	}
	for name, other := range map[string][]int{
		"another key":    first(bytes.Repeat([]byte{8}, 32), "vn.a", 0),
		"another agency": first(key, "vn.b", 0),
		"another list":   first(key, "vn.a", 1),
	} {
		if slices.Equal(base, other) {
			t.Errorf("%s places entries as %v", name, base)
		}
	}
}

// BenchmarkStatusOrder: placing one entry of a 2^24-entry list (the
// default capacity), the cost the permutation adds to each credential
// issued.
func BenchmarkStatusOrder(b *testing.B) {
	o := newStatusOrder(bytes.Repeat([]byte{7}, 32), "vn.dongnai.soyte", 0, DefaultStatusListCapacity)
	n := 0
	for b.Loop() {
		o.index(n % DefaultStatusListCapacity)
		n++
	}
}
