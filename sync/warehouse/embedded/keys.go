package embedded

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
)

// Key prefixes; doc.go describes the layout. Every prefix is distinct and
// none is a prefix of another, so a scan of one never meets another's
// keys.
const (
	pCitizen  = "cit\x00"   // cit NUL citizen -> profile JSON
	pHead     = "head\x00"  // head NUL citizen -> last feed seq (uint64 BE)
	pAccHead  = "ahead\x00" // ahead NUL citizen -> last access seq (uint64 BE)
	pRecord   = "rec\x00"   // rec NUL citizen NUL seq(8) -> record JSON
	pRecordID = "rid\x00"   // rid NUL citizen NUL record id NUL version(8) -> seq(8) digest
	pDevice   = "dev\x00"   // dev NUL device id -> device JSON
	pDevByCit = "devc\x00"  // devc NUL citizen NUL device id -> empty
	pCode     = "code\x00"  // code NUL hash -> code JSON
	pNonce    = "nonce\x00" // nonce NUL client NUL id -> expires(8), badger TTL
	pExpiry   = "exp\x00"   // exp NUL expires(8) <nonce or code key> -> empty
	pCred     = "cred\x00"  // cred NUL device NUL record id NUL version(8) -> credential
	pRevoked  = "rev\x00"   // rev NUL revocation id -> revocation JSON
	pRevHead  = "revh\x00"  // revh NUL -> the highest revocation seq given out(8)
	pRevAud   = "reva\x00"  // reva NUL audience NUL seq(8) -> revocation JSON (Listed ones only)
	pRevCit   = "revc\x00"  // revc NUL citizen NUL expires(8) revocation id -> received(8)
	pRevExp   = "revx\x00"  // revx NUL expires(8) revocation id -> empty
	pRedeemed = "red\x00"   // red NUL consent id -> citizen
	pAccess   = "acc\x00"   // acc NUL citizen NUL seq(8) -> access entry JSON
	pBatch    = "batch\x00" // batch NUL agency NUL key -> batch JSON (digest, results)
	pAgency   = "agency\x00"
	pMeta     = "meta\x00"
	pAudit    = "aud\x00"  // aud NUL seq(8) -> audit entry JSON
	pAudHead  = "audh\x00" // audh NUL -> last audit seq(8) then its hash
)

// key joins a prefix (which ends in NUL) and parts separated by NUL.
func key(prefix string, parts ...string) []byte {
	n := len(prefix)
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n+8)
	b = append(b, prefix...)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

// under is key(prefix, parts...) followed by NUL: the prefix of every key
// below those parts.
func under(prefix string, parts ...string) []byte {
	return append(key(prefix, parts...), 0)
}

// seqKey is prefix citizen NUL seq(uint64 BE), so a citizen's entries
// sort by seq.
func seqKey(prefix, citizen string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(under(prefix, citizen), uint64(seq))
}

// ordered encodes a signed integer in 8 bytes that sort as the integers
// do (big-endian with the sign bit flipped).
func ordered(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
}

func unordered(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

// versionKey is prefix a NUL b NUL version(8).
func versionKey(prefix, a, b string, version int) []byte {
	return ordered(under(prefix, a, b), int64(version))
}

// nanos is t in Unix nanoseconds, clamped to the int64 range (the zero
// time sorts first).
func nanos(t time.Time) int64 {
	const sec = int64(time.Second)
	switch s := t.Unix(); {
	case s < math.MinInt64/sec:
		return math.MinInt64
	case s > math.MaxInt64/sec-1:
		return math.MaxInt64
	}
	return t.UnixNano()
}

func timeKey(b []byte, t time.Time) []byte { return ordered(b, nanos(t)) }

func u64(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

func getU64(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%d-byte counter", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// checkParts refuses a key part that holds NUL, the separator: such a
// part could make one key look like another.
func checkParts(parts ...string) error {
	for _, p := range parts {
		if strings.IndexByte(p, 0) >= 0 {
			return fmt.Errorf("%w: an identifier contains NUL", wallet.ErrInvalid)
		}
	}
	return nil
}

func hasNUL(parts ...string) bool { return checkParts(parts...) != nil }

// revAudKey is reva NUL audience NUL seq(8): an audience's listed
// revocations in seq order.
func revAudKey(audience string, seq int64) []byte { return seqKey(pRevAud, audience, seq) }

// revCitKey is revc NUL citizen NUL expires(8) id: a citizen's
// revocations in expiry order, so the unexpired ones are one seek away.
func revCitKey(citizen string, expires time.Time, id string) []byte {
	return append(timeKey(under(pRevCit, citizen), expires), id...)
}

// revExpKey is revx NUL expires(8) id: every revocation in expiry
// order, for PurgeExpired.
func revExpKey(expires time.Time, id string) []byte {
	return append(timeKey([]byte(pRevExp), expires), id...)
}
