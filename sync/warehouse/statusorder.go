package warehouse

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/bits"
	"strconv"
)

// Where a status list's entries go (draft-ietf-oauth-status-list,
// privacy considerations: indices should not follow the order of
// issuance). Entries are still counted in order, the n-th entry of a
// list is at index statusOrder(n): a keyed pseudo-random permutation of
// the list's [0, capacity), secret to the warehouse. A counter that sees
// two credentials' indices learns neither which was issued first, nor
// that they were issued together (one sync gives a citizen's records of
// one agency neighbouring entries otherwise), nor how many the agency
// has issued.
//
// The permutation is a balanced Feistel network of statusOrderRounds
// rounds over the smallest even number of bits 2h with 2^(2h) >=
// capacity, HMAC-SHA256 of the list's key as its round function, and
// cycle walking (a value at or past capacity is encrypted again, which
// keeps it a permutation of [0, capacity); 2^(2h) < 4 × capacity, so it
// takes under 4 steps on average). The list's key is HMAC-SHA256 of the
// issuance-seed key (MetaSeedKey) over the agency and the list number,
// so every process on the store places entries alike.

// statusOrderRounds is the Feistel network's number of rounds: Luby and
// Rackoff's bound for a strong pseudo-random permutation is 4; 8 is
// margin at a cost of a few microseconds an entry.
const statusOrderRounds = 8

// statusOrder places the entries of one list.
type statusOrder struct {
	mac      hash.Hash // HMAC-SHA256 with the list's key
	capacity uint64
	half     uint   // h
	mask     uint64 // 2^h - 1
}

// newStatusOrder is the order of list n of agency under the warehouse's
// seed key, for lists of capacity entries (capacity >= 2).
func newStatusOrder(seedKey []byte, agency string, list, capacity int) *statusOrder {
	m := hmac.New(sha256.New, seedKey)
	for _, part := range []string{"citizenwallet status order v1", agency, strconv.Itoa(list)} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	b := uint(bits.Len64(uint64(capacity - 1)))
	h := (b + 1) / 2
	return &statusOrder{mac: hmac.New(sha256.New, m.Sum(nil)), capacity: uint64(capacity), half: h, mask: 1<<h - 1}
}

// index is where the n-th entry of the list goes (0 <= n < capacity).
func (o *statusOrder) index(n int) int {
	x := uint64(n)
	for {
		x = o.encrypt(x)
		if x < o.capacity {
			return int(x)
		}
	}
}

// encrypt is the Feistel network on one 2h-bit value.
func (o *statusOrder) encrypt(x uint64) uint64 {
	l, r := x>>o.half, x&o.mask
	var in [9]byte
	var sum [sha256.Size]byte
	for round := range statusOrderRounds {
		in[0] = byte(round)
		binary.BigEndian.PutUint64(in[1:], r)
		o.mac.Reset()
		o.mac.Write(in[:])
		f := binary.BigEndian.Uint64(o.mac.Sum(sum[:0])) & o.mask
		l, r = r, l^f
	}
	return l<<o.half | r
}
