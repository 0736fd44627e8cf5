package warehouse

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// MetaSeedKey names the warehouse's issuance-seed key in Meta: 32 random
// bytes, made at the store's first start, shared by every process on the
// store.
//
// Every credential is issued seeded (crypto/sdjwt, "Seeded issuance"):
// its salts and decoys derive from a seed, HMAC-SHA256 of this key over
// the holder's key thumbprint, the record id and version and the signing
// time. The warehouse recomputes the seed of a stored credential rather
// than keeping it, and sends it in the feed's compact form
// (protocol.CompactSeeded) in place of the salts and decoys. The key
// adds nothing to what the store already reveals to whoever reads it:
// the records themselves are there in the clear. What it must never do
// is reach a verifier, and it does not: seeds travel only in the device's
// own feed and re-issue answers. It also keys where status-list entries
// go (statusorder.go), which verifiers must not be able to undo.
const MetaSeedKey = "issuance-seed-key"

// loadSeedKey reads the seed key, making it on a store's first start.
// Processes starting on a new store at once agree on one (CreateMeta):
// status-list entries are placed by it too (statusorder.go), and two
// keys would place entries of one list at the same index.
func (s *Server) loadSeedKey(ctx context.Context) error {
	k, err := s.st.Meta(ctx, MetaSeedKey)
	if errors.Is(err, ErrNotFound) {
		k = make([]byte, 32)
		rand.Read(k)
		k, err = s.st.CreateMeta(ctx, MetaSeedKey, k)
	}
	if err != nil {
		return fmt.Errorf("issuance-seed key: %w", err)
	}
	if len(k) != 32 {
		return fmt.Errorf("issuance-seed key: %d bytes in the store, want 32", len(k))
	}
	s.seedKey = k
	return nil
}

// seedFor is the issuance seed of the credential of record version
// (rid, version) for the device key holderKID, signed at signedAt.
func (s *Server) seedFor(holderKID, rid string, version int, signedAt time.Time) []byte {
	m := hmac.New(sha256.New, s.seedKey)
	for _, part := range []string{"citizenwallet issuance seed v1", holderKID, rid, strconv.Itoa(version), strconv.FormatInt(signedAt.Unix(), 10)} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return m.Sum(nil)[:sdjwt.SeedSize]
}

// transfer is how a stored credential of record version (rid, version)
// travels to the device with key holderKID: the seeded compact form when
// it was issued seeded, else the compact form, else the text.
func (s *Server) transfer(cred, holderKID, rid string, version int) (*protocol.CompactCredential, string) {
	if f, err := credential.ReadFacts(cred); err == nil {
		if c, ok := protocol.CompactSeeded(cred, s.seedFor(holderKID, rid, version, f.SignedAt)); ok {
			return &c, ""
		}
	}
	if c, ok := protocol.Compact(cred); ok {
		return &c, ""
	}
	return nil, cred
}
