package warehouse

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Key layout of the server's badger store (see doc.go). NUL separates
// parts; citizen numbers, device ids, record ids and consent ids never
// contain one.
const (
	kMeta      = "meta\x00" // meta NUL name -> JSON
	kKey       = "key\x00"  // key NUL name -> private JWK (root, agency keys)
	kCitizen   = "cit\x00"  // cit NUL citizen id -> index in the Source (big-endian uint32)
	kChange    = "chg\x00"  // chg NUL citizen NUL seq(uint64 BE) -> stored change (after the Source's base feed)
	kDevice    = "dev\x00"  // dev NUL device id -> device JSON
	kCode      = "code\x00" // code NUL code -> enrolment code JSON
	kJTI       = "jti\x00"  // jti NUL device NUL jti -> empty, with a TTL (replay cache)
	kCred      = "cred\x00" // cred NUL device NUL record id NUL version(uint32 BE) -> credential
	kRevoked   = "rev\x00"  // rev NUL consent id -> revocation JSON
	kAccess    = "acc\x00"  // acc NUL citizen NUL seq(uint64 BE) -> access entry JSON
	metaDemo   = "demo"
	metaTrust  = "trust-version"
	rootKeyKey = "root"
)

// key joins a prefix (which ends in NUL) and parts separated by NUL.
func key(prefix string, parts ...string) []byte {
	b := []byte(prefix)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

// seqKey is prefix citizen NUL seq, so a citizen's entries sort by seq.
func seqKey(prefix, citizen string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(append(key(prefix, citizen), 0), uint64(seq))
}

func openBadger(dir string) (*badger.DB, error) {
	// The reference server's data is not secret in a demo, but it is the
	// province's: a real deployment would encrypt it as the wallet does.
	// Tuned for a server: defaults, no logging, durable writes.
	opts := badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true).WithMetricsEnabled(false)
	if dir == "" {
		opts = opts.WithInMemory(true)
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open warehouse store: %w", err)
	}
	return db, nil
}

var errNotFound = errors.New("not found")

func getJSON(txn *badger.Txn, k []byte, v any) error {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

func setJSON(txn *badger.Txn, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(k, b)
}

// device is an enrolled device key.
type device struct {
	ID         string          `json:"id"` // the key's RFC 7638 thumbprint
	CitizenID  string          `json:"citizen_id"`
	Key        json.RawMessage `json:"key"` // public JWK
	Label      string          `json:"label,omitempty"`
	EnrolledAt time.Time       `json:"enrolled_at"`
	// RevokedAt is when the device was disabled (the citizen lost it);
	// its requests and online tokens are refused from then on.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// enrolCode is a single-use enrolment code.
type enrolCode struct {
	CitizenID string    `json:"citizen_id"`
	Expires   time.Time `json:"expires"`
	UsedAt    time.Time `json:"used_at,omitzero"`
	Device    string    `json:"device,omitempty"`
}

// demoMeta records what the base feed was generated from, so a restart
// with other settings cannot silently change it.
type demoMeta struct {
	Seed      int64  `json:"seed"`
	Citizens  int    `json:"citizens"`
	Generator string `json:"generator"`
	Province  string `json:"province"`
}

// revocation is a consent the citizen revoked.
type revocation struct {
	CitizenID string    `json:"citizen_id"`
	RevokedAt time.Time `json:"revoked_at"`
	Received  time.Time `json:"received"`
}
