package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Store is a warehouse.Store on one badger database.
type Store struct {
	db *badger.DB
	// locks serialise writers of one citizen (or one code, nonce,
	// consent) inside this process, so concurrent writers queue instead
	// of failing badger's conflict check over and over. Correctness does
	// not rest on them: every rule is enforced by reads and writes of one
	// badger transaction, which badger's conflict detection serialises.
	locks    stripes
	useLocks bool
	// auditMu queues this process's appenders to the audit log, which
	// all read and write its one head key (like locks, an optimisation:
	// badger's conflict check keeps the chain whole without it).
	auditMu sync.Mutex
	// revMu queues this process's writers of revocations, which all read
	// and write the one revocation head (the same kind of optimisation).
	revMu   sync.Mutex
	retries atomic.Int64 // transactions run again after a conflict
}

var _ warehouse.Store = (*Store)(nil)

// maxAttempts bounds the retries of a transaction that lost badger's
// conflict check. Each failure of a transaction means another one
// committed meanwhile, and the stripe locks queue writers of one
// citizen, so a store reaches it only under a pathological load.
const maxAttempts = 100

// Open opens (creating it if needed) the store in dir, or an empty store
// in memory when dir is "". The directory is created with mode 0700, and
// an existing one is restricted to 0700, because badger creates its files
// with mode 0666 less the umask and has no option to choose it. One
// process at a time: badger locks the directory, and a second Open of
// the same directory fails.
func Open(dir string) (*Store, error) {
	opts := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(true).
		WithMetricsEnabled(false)
	if dir == "" {
		opts = opts.WithInMemory(true)
	} else if err := privateDir(dir); err != nil {
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	return &Store{db: db, locks: newStripes(), useLocks: true}, nil
}

// privateDir creates dir with mode 0700, or takes group and other
// permissions away from an existing one.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("make %s private: %w", dir, err)
		}
	}
	return nil
}

// Close releases the store (and the directory lock).
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}

// PurgeExpired deletes the nonces, enrolment codes and consent
// revocations that expired before now, and returns how many: each kind
// by a walk of its expiry index up to now, so it reads only what it
// deletes.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	n, err := s.purgeNoncesAndCodes(ctx, now)
	if err != nil {
		return n, err
	}
	m, err := s.purgeRevocations(ctx, now)
	return n + m, err
}

// update runs fn in a read-write transaction and commits it, running the
// whole of it again (fn must start from scratch each time) when badger
// reports a conflict with a transaction that committed meanwhile. A
// conflict reaches the caller only after maxAttempts.
func (s *Store) update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(fn)
		if !errors.Is(err, badger.ErrConflict) {
			return err
		}
		s.retries.Add(1)
		if attempt == maxAttempts {
			return fmt.Errorf("%d attempts lost to concurrent writes: %w", attempt, err)
		}
		// A tiny jittered pause, growing with the attempt, so the
		// losers of one round do not collide again in lockstep.
		time.Sleep(rand.N(time.Duration(min(attempt, 20)) * 50 * time.Microsecond))
	}
}

func (s *Store) view(ctx context.Context, fn func(txn *badger.Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// lock takes the stripe locks of names (a citizen id, a code hash ...)
// and returns the function that releases them.
func (s *Store) lock(names ...string) func() {
	if !s.useLocks || len(names) == 0 {
		return func() {}
	}
	return s.locks.lock(names)
}

const nStripes = 256

type stripes struct {
	seed maphash.Seed
	mu   *[nStripes]sync.Mutex
}

func newStripes() stripes {
	return stripes{seed: maphash.MakeSeed(), mu: new([nStripes]sync.Mutex)}
}

// lock locks the stripes of names in increasing order (each once), so
// two callers never wait for each other in a cycle.
func (st stripes) lock(names []string) func() {
	idx := make([]int, 0, len(names))
	for _, n := range names {
		idx = append(idx, int(maphash.String(st.seed, n)%nStripes))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		st.mu[i].Lock()
	}
	return func() {
		for _, i := range slices.Backward(idx) {
			st.mu[i].Unlock()
		}
	}
}

// errNotFound is what get returns for a missing key; callers turn it
// into the operation's sentinel.
var errNotFound = errors.New("key not found")

// get returns a copy of the value of k (read with txn.Get, so an update
// transaction's conflict check covers it), errNotFound if absent.
func get(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// exists reports whether k is present (read with txn.Get).
func exists(txn *badger.Txn, k []byte) (bool, error) {
	_, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

func getJSON(txn *badger.Txn, k []byte, v any) error {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return decode(k, b, v) })
}

func setJSON(txn *badger.Txn, k []byte, v any) error {
	b, err := jsonBytes(v)
	if err != nil {
		return err
	}
	return txn.Set(k, b)
}

// jsonBytes is v's JSON without HTML escaping (a "<" in a claim stays
// one byte, not six): values are read back by this store only.
func jsonBytes(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func decode(k, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("damaged value under %q: %w", k, err)
	}
	return nil
}

// head reads a counter key (a citizen's feed or access head); 0 if absent.
func head(txn *badger.Txn, k []byte) (int64, error) {
	b, err := get(txn, k)
	if errors.Is(err, errNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := getU64(b)
	if err != nil {
		return 0, fmt.Errorf("damaged head under %q: %w", k, err)
	}
	return n, nil
}

// tooBig explains badger.ErrTxnTooBig for an operation that must be one
// transaction.
func (s *Store) tooBig(what string, err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return fmt.Errorf("%w: %s is larger than one transaction (at most %d bytes, %d keys); split it: %v",
			errInvalid, what, s.db.MaxBatchSize(), s.db.MaxBatchCount(), err)
	}
	return err
}
