package warehouse

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Agency is an issuing agency of the province.
type Agency struct {
	ID   string       // issuer id in the trust list, e.g. "vn.dongnai.soyte"
	Name wallet.Label // Vietnamese and English names
}

// Source is the province's base data: every citizen and the records the
// agencies issued to them before the server started. The demo generator
// (sync/warehouse/demo) is one. It must be deterministic: the same index
// always gives the same citizen and records, because the server keeps
// only what changed after generation (see doc.go).
type Source interface {
	// Province is the province id, e.g. "vn.dongnai".
	Province() string
	// Citizens is how many citizens there are; indexes are 0..Citizens()-1.
	Citizens() int
	// Profile returns citizen i alone (cheaper than Citizen).
	Profile(i int) wallet.Profile
	// Citizen returns citizen i and every version of every record issued
	// to them, in feed order (a record's versions in increasing order).
	Citizen(i int) (wallet.Profile, []wallet.Record)
	// Agencies lists every issuing agency; every record's Issuer is one.
	Agencies() []Agency
	// Version names the generator, so a server never mixes the stored
	// changes of one generator with the base feed of another.
	Version() string
}

// Config configures a Server. Zero fields take the defaults.
type Config struct {
	// Dir is the badger directory; empty keeps everything in memory.
	Dir string
	// Source is the base data; required.
	Source Source
	// Seed is recorded with the base data (for Source implementations
	// that are seeded) and checked on restart.
	Seed int64
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// ClockSkew is how far a request's iat may be from the server's clock,
	// either way (default 2 minutes).
	ClockSkew time.Duration
	// CodeTTL is how long an enrolment code stays valid (default 15 min).
	CodeTTL time.Duration
	// KeysNotBefore is the start of the validity of the agency keys the
	// server generates on first start (default 1970-01-02, the earliest
	// the trust-list format holds, so records digitised with old issue
	// dates verify).
	KeysNotBefore time.Time
}

// Server is the reference provincial warehouse.
type Server struct {
	cfg  Config
	db   *badger.DB
	root *keys.PrivateKey
	// agencies' signing keys by issuer id
	agencies map[string]*keys.PrivateKey

	mu        sync.RWMutex
	trustJWS  string
	trustList *trust.List

	mux *http.ServeMux
}

// Open opens (or, on first start, creates) a warehouse: its keys, its
// trust list, and the index of the Source's citizens.
func Open(cfg Config) (*Server, error) {
	if cfg.Source == nil {
		return nil, errors.New("warehouse: Config.Source is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = 2 * time.Minute
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = 15 * time.Minute
	}
	if cfg.KeysNotBefore.IsZero() {
		cfg.KeysNotBefore = time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)
	}
	db, err := openBadger(cfg.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: db, agencies: map[string]*keys.PrivateKey{}}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	s.routes()
	return s, nil
}

// Close closes the store.
func (s *Server) Close() error { return s.db.Close() }

// init loads or creates the keys, the trust list and the citizen index.
func (s *Server) init() error {
	src := s.cfg.Source
	want := demoMeta{Seed: s.cfg.Seed, Citizens: src.Citizens(), Generator: src.Version(), Province: src.Province()}
	var have demoMeta
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, key(kMeta, metaDemo), &have) })
	switch {
	case errors.Is(err, errNotFound):
		if err := s.create(want); err != nil {
			return fmt.Errorf("warehouse: first start: %w", err)
		}
	case err != nil:
		return fmt.Errorf("warehouse: %w", err)
	case have != want:
		return fmt.Errorf("warehouse: the store in %s was made from %+v, not %+v; use another directory", s.cfg.Dir, have, want)
	}
	return s.load()
}

// create makes the keys and writes the citizen index (first start).
func (s *Server) create(m demoMeta) error {
	root, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := setJSON(txn, key(kKey, rootKeyKey), root); err != nil {
			return err
		}
		for i, a := range s.cfg.Source.Agencies() {
			alg := keys.ES256
			if i%2 == 1 {
				alg = keys.EdDSA // both algorithms in every demo
			}
			k, err := keys.Generate(alg)
			if err != nil {
				return err
			}
			if err := setJSON(txn, key(kKey, "agency", a.ID), k); err != nil {
				return err
			}
		}
		return setJSON(txn, key(kMeta, metaTrust), 1)
	})
	if err != nil {
		return err
	}
	// The citizen index: one key per citizen, written in batches.
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for i := 0; i < m.Citizens; i++ {
		p := s.cfg.Source.Profile(i)
		if err := wb.Set(key(kCitizen, p.CitizenID), binary.BigEndian.AppendUint32(nil, uint32(i))); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	// Written last: a first start that dies halfway starts over.
	return s.db.Update(func(txn *badger.Txn) error { return setJSON(txn, key(kMeta, metaDemo), m) })
}

// load reads the keys and signs the current trust list.
func (s *Server) load() error {
	var version int64
	err := s.db.View(func(txn *badger.Txn) error {
		s.root = new(keys.PrivateKey)
		if err := getJSON(txn, key(kKey, rootKeyKey), s.root); err != nil {
			return fmt.Errorf("root key: %w", err)
		}
		for _, a := range s.cfg.Source.Agencies() {
			k := new(keys.PrivateKey)
			if err := getJSON(txn, key(kKey, "agency", a.ID), k); err != nil {
				return fmt.Errorf("key of %s: %w", a.ID, err)
			}
			s.agencies[a.ID] = k
		}
		return getJSON(txn, key(kMeta, metaTrust), &version)
	})
	if err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	return s.signTrustList(version)
}

func (s *Server) signTrustList(version int64) error {
	now := s.cfg.Now().UTC()
	l := trust.List{
		Province:   s.cfg.Source.Province(),
		Version:    version,
		IssuedAt:   now,
		NextUpdate: now.Add(7 * 24 * time.Hour),
	}
	for _, a := range s.cfg.Source.Agencies() {
		l.Issuers = append(l.Issuers, trust.Issuer{
			ID:   a.ID,
			Name: trust.Name{VI: a.Name.VI, EN: a.Name.EN},
			Keys: []trust.IssuerKey{{Key: s.agencies[a.ID].Public(), NotBefore: s.cfg.KeysNotBefore}},
		})
	}
	signed, err := trust.Sign(l, s.root)
	if err != nil {
		return fmt.Errorf("warehouse: sign trust list: %w", err)
	}
	parsed, err := trust.Verify(signed, s.root.Public())
	if err != nil {
		return fmt.Errorf("warehouse: trust list does not verify: %w", err)
	}
	s.mu.Lock()
	s.trustJWS, s.trustList = signed, parsed
	s.mu.Unlock()
	return nil
}

// RootKey is the province's root public key: wallets and counters are
// configured with it and verify the trust list against it.
func (s *Server) RootKey() *keys.PublicKey { return s.root.Public() }

// TrustList returns the current signed trust list.
func (s *Server) TrustList() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.trustJWS
}

// citizenIndex finds a citizen of the Source by number.
func (s *Server) citizenIndex(txn *badger.Txn, citizenID string) (int, error) {
	item, err := txn.Get(key(kCitizen, citizenID))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, fmt.Errorf("citizen %s: %w", citizenID, errNotFound)
	}
	if err != nil {
		return 0, err
	}
	var i int
	err = item.Value(func(b []byte) error {
		if len(b) != 4 {
			return errors.New("bad citizen index entry")
		}
		i = int(binary.BigEndian.Uint32(b))
		return nil
	})
	return i, err
}

// writeJSON writes v with status, gzip'ed when the client accepts it.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "encode response")
		return
	}
	writeBody(w, r, status, b)
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	b, _ := json.Marshal(protocol.Error{Code: code, Message: msg})
	writeBody(w, r, status, b)
}
