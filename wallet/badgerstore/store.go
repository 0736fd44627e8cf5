package badgerstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/ristretto/v2/z"

	"github.com/vnwallet/citizenwallet/crypto/vault"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Subkey labels (vault.Key.Subkey). Changing one makes every existing
// profile unreadable.
const (
	labelBadger = "citizenwallet/badgerstore/badger-at-rest/v1"
	labelValues = "citizenwallet/badgerstore/values/v1"
)

// Store is a wallet.Store on an encrypted badger database. It is safe for
// concurrent use. Create or Open it; Close locks it.
type Store struct {
	dir  string
	opts Options

	mu     sync.RWMutex // guards everything below; writers hold it exclusively
	key    *vault.Key   // nil once closed
	sealer *vault.Sealer
	db     *badger.DB
}

var _ wallet.Store = (*Store)(nil)

// Exists reports whether dir holds a profile (its header file exists). It
// does not check the PIN or the data.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, headerFile))
	return err == nil
}

// Create makes a new profile in dir (created if missing; mode 0700 either
// way, and every file in it 0600, see restrictFiles) for citizen p,
// protected by pin, and returns it unlocked. It fails with
// wallet.ErrExists if dir already holds a profile and with
// wallet.ErrInvalid if p or pin break the domain rules (wallet.ValidatePIN).
// A folder whose files cannot be made private is an error.
//
// The header is written last, atomically: a Create interrupted before that
// leaves no profile (the next Create clears its remains), never a profile
// that cannot be opened. Create holds the header lock throughout, so two
// Creates in one folder cannot both clear it: the second gets
// wallet.ErrExists.
func Create(dir string, pin []byte, p wallet.Profile, opts Options) (*Store, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	if err := wallet.ValidatePIN(pin); err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	// Before badger creates its files in it: they are not all 0600 yet.
	if err := restrictDir(dir); err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	var s *Store
	err := withHeaderLock(dir, func() (err error) {
		s, err = create(dir, pin, p, opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create profile: %w", err)
	}
	return s, nil
}

// create is Create under the header lock.
func create(dir string, pin []byte, p wallet.Profile, opts Options) (*Store, error) {
	if Exists(dir) {
		return nil, fmt.Errorf("profile in %s: %w", dir, wallet.ErrExists)
	}
	// Remains of an interrupted Create: without a header their key is lost,
	// so nothing in them can ever be read.
	// (The header lock file stays: it is held.)
	for _, name := range []string{dbDir, headerTemp} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	key, err := vault.NewKey()
	if err != nil {
		return nil, err
	}
	h, err := vault.NewHeader(pin, opts.kdf(), key)
	if err != nil {
		key.Wipe()
		return nil, err
	}
	s, err := openDB(dir, key, opts)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Store, error) {
		s.Close()
		os.RemoveAll(filepath.Join(dir, dbDir))
		return nil, err
	}
	prof, err := json.Marshal(p)
	if err != nil {
		return fail(err)
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := s.set(txn, []byte(keyFormat), []byte(formatVersion)); err != nil {
			return err
		}
		return s.set(txn, []byte(prefixProfile), prof)
	})
	if err != nil {
		return fail(err)
	}
	if err := writeHeader(dir, h); err != nil {
		return fail(err)
	}
	if err := restrictFiles(dir); err != nil {
		// A new profile: better refused now than made where its files
		// cannot be private. (Open, writes and Close only try: they never
		// keep a citizen from data that exists.)
		s.Close()
		os.Remove(filepath.Join(dir, headerFile))
		os.RemoveAll(filepath.Join(dir, dbDir))
		return nil, fmt.Errorf("make profile files private: %w", err)
	}
	return s, nil
}

// Open unlocks the profile in dir with pin.
//
// Errors, in the order they are checked:
//   - wallet.ErrNotFound: dir holds no profile.
//   - wallet.ErrCorruptHeader: the header's key part is truncated or edited
//     (the data cannot be decrypted without it).
//   - *wallet.ThrottledError (errors.Is wallet.ErrThrottled): too many
//     wrong PINs; the PIN is not even tried until RetryAfter has passed. A
//     damaged throttle section counts as vault.DamagedFailures failures
//     from now.
//   - wallet.ErrWrongPIN: the PIN does not unwrap the master key; the
//     failure is counted in the header before Open returns.
//   - wallet.ErrIntegrity: the database does not authenticate under the
//     key (its values were edited or belong to another profile).
//   - a plain error naming "another process": the PIN was right (and the
//     throttle reset), but another process has the profile open.
//
// Attempts take turns under the header lock (withHeaderLock), from the
// goroutines of one process and from other processes alike: each one
// reads the count the previous one saved, so parallel attempts are all
// counted and none skips the delay. An attempt waits for the lock while
// another is being tried; it never waits for a store to close.
//
// Badger is opened only with a key that the header has authenticated: its
// own Open with a wrong key returns an error and a DB that hangs when used.
func Open(dir string, pin []byte, opts Options) (*Store, error) {
	key, err := unlock(dir, pin, opts)
	if err != nil {
		return nil, fmt.Errorf("open profile: %w", err)
	}
	s, err := openDB(dir, key, opts)
	if err != nil {
		return nil, fmt.Errorf("open profile: %w", err)
	}
	if err := guard(s.db.VerifyChecksum); err != nil {
		s.Close()
		if !errors.Is(err, wallet.ErrIntegrity) {
			err = fmt.Errorf("%w: database: %v", wallet.ErrIntegrity, err)
		}
		return nil, fmt.Errorf("open profile: %w", err)
	}
	err = s.db.View(func(txn *badger.Txn) error {
		f, err := s.get(txn, []byte(keyFormat))
		if err != nil {
			return err
		}
		if string(f) != formatVersion {
			return fmt.Errorf("unknown store format %q", f)
		}
		_, err = s.get(txn, []byte(prefixProfile))
		return err
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open profile: %w", err)
	}
	return s, nil
}

// unlock runs the throttle and unwraps the master key (see Open) under
// the header lock.
func unlock(dir string, pin []byte, opts Options) (*vault.Key, error) {
	if !Exists(dir) {
		return nil, errNoProfile(dir) // and no lock file left in a folder that is no profile
	}
	var key *vault.Key
	err := withHeaderLock(dir, func() (err error) {
		key, _, err = unlockLocked(dir, pin, opts)
		return err
	})
	return key, err
}

// unlockLocked is unlock for a caller holding the header lock. It also
// returns the header as saved, its throttle reset.
func unlockLocked(dir string, pin []byte, opts Options) (*vault.Key, *vault.Header, error) {
	h, err := readHeader(dir)
	if err != nil {
		return nil, nil, err
	}
	now := opts.now()
	if h.Throttle.Damaged {
		// Fail closed: the damaged counter becomes DamagedFailures failures
		// as of now, persisted before anything else happens.
		h.Throttle.Last = now
		if err := writeHeader(dir, h); err != nil {
			return nil, nil, err
		}
	}
	if w := h.Throttle.Wait(now); w > 0 {
		return nil, nil, &wallet.ThrottledError{Failures: int(h.Throttle.EffectiveFailures()), RetryAfter: w}
	}
	key, err := h.Unwrap(pin)
	if errors.Is(err, vault.ErrWrongKey) {
		h.Throttle.Fail(now)
		if werr := writeHeader(dir, h); werr != nil {
			return nil, nil, errors.Join(wallet.ErrWrongPIN, werr)
		}
		return nil, nil, &wallet.WrongPINError{Failures: int(h.Throttle.Failures),
			FreeLeft: max(0, int(vault.FreeFailures)+1-int(h.Throttle.Failures)), NextDelay: vault.Delay(h.Throttle.Failures)}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", wallet.ErrCorruptHeader, err)
	}
	// Argon2id's 64 MiB block is garbage now; give it back before badger
	// and the records need memory, so the process's peak stays near the
	// KDF's cost instead of the sum (measured: BenchmarkPeakRSS10k).
	debug.FreeOSMemory()
	if h.Throttle != (vault.Throttle{}) {
		h.Throttle.Reset()
		if err := writeHeader(dir, h); err != nil {
			key.Wipe()
			return nil, nil, err
		}
	}
	return key, h, nil
}

// openDB opens badger under key's subkey. It takes ownership of key: on
// error the key is wiped.
func openDB(dir string, key *vault.Key, opts Options) (*Store, error) {
	sealer, err := vault.NewSealer(key.Subkey(labelValues))
	if err != nil {
		key.Wipe()
		return nil, err
	}
	bk := key.Subkey(labelBadger)
	db, err := badger.Open(badgerOptions(filepath.Join(dir, dbDir), bk))
	if err != nil && strings.HasSuffix(err.Error(), z.NewFile.Error()) {
		// A process killed between creating a memtable file and sizing it
		// leaves an empty .mem file. Badger v4.9.6 initialises it and then
		// fails once (z.NewFile, wrapped as text); the file holds no data
		// and the second open succeeds (TestOpenAfterKillDuringMemtableCreate).
		db, err = badger.Open(badgerOptions(filepath.Join(dir, dbDir), bk))
	}
	clear(bk)
	if err != nil {
		// The key is authenticated, so this is not a wrong key: another
		// process holds the profile open, or badger's files are damaged.
		key.Wipe()
		if strings.Contains(err.Error(), "directory lock") {
			return nil, fmt.Errorf("database is open in another process: %w", err)
		}
		return nil, fmt.Errorf("%w: database: %v", wallet.ErrIntegrity, err)
	}
	// Badger has just made its LOCK and memtable files 0666 less the
	// umask; a profile of an earlier version has more such files. Only
	// tried: see Create.
	_ = restrictFiles(dir)
	return &Store{dir: dir, opts: opts, key: key, sealer: sealer, db: db}, nil
}

func isBadgerCorruption(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "checksum") || strings.Contains(msg, "corrupt") || strings.Contains(msg, "decrypt")
}

// Close locks the store: it closes badger (flushing what is in memory)
// and wipes the keys. Closing twice is not an error. Every file of the
// profile is then 0600 (see restrictFiles; only tried).
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return nil
	}
	err := s.db.Close()
	_ = restrictFiles(s.dir) // the tables of the flush at close
	s.key.Wipe()
	s.key, s.sealer, s.db = nil, nil, nil
	if err != nil {
		return fmt.Errorf("close profile: %w", err)
	}
	return nil
}

// Dir returns the profile's directory.
func (s *Store) Dir() string { return s.dir }

// view runs fn in a read transaction of an unlocked store.
func (s *Store) view(ctx context.Context, fn func(*badger.Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.key == nil {
		return wallet.ErrLocked
	}
	return classify(guard(func() error { return s.db.View(fn) }))
}

// guard runs fn and turns a panic inside badger into wallet.ErrIntegrity:
// badger panics on some damaged blocks instead of returning an error (see
// badgerOptions).
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: database is damaged (%v)", wallet.ErrIntegrity, p)
		}
	}()
	return fn()
}

// classify turns badger's reports of damaged files into wallet.ErrIntegrity.
func classify(err error) error {
	if err != nil && !errors.Is(err, wallet.ErrIntegrity) && isBadgerCorruption(err) {
		return fmt.Errorf("%w: database: %v", wallet.ErrIntegrity, err)
	}
	return err
}

// update runs fn in a write transaction; writers are serialised, so the
// read-modify-write of the versioning rules never conflicts.
func (s *Store) update(ctx context.Context, fn func(*badger.Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return wallet.ErrLocked
	}
	err := classify(guard(func() error { return s.db.Update(fn) }))
	// The write may have made a new memtable or value-log file (0666 less
	// the umask). Only tried: the write itself has succeeded (see
	// restrictFiles).
	_ = restrictFiles(s.dir)
	if errors.Is(err, badger.ErrTxnTooBig) {
		return fmt.Errorf("%w: batch larger than one transaction (%d bytes); split it", wallet.ErrInvalid, s.db.MaxBatchSize())
	}
	return err
}

// set seals v with k as associated data, so a value moved to another key
// fails to open.
func (s *Store) set(txn *badger.Txn, k, v []byte) error {
	return txn.Set(k, s.sealer.Seal(k, v))
}

// get reads and opens one value: wallet.ErrNotFound if absent,
// wallet.ErrIntegrity if it does not authenticate.
func (s *Store) get(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, wallet.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.open(item)
}

func (s *Store) open(item *badger.Item) ([]byte, error) {
	var out []byte
	err := item.Value(func(v []byte) error {
		p, err := s.sealer.Open(item.Key(), v)
		if err != nil {
			return fmt.Errorf("%w: value of %s", wallet.ErrIntegrity, describeKey(item.Key()))
		}
		out = p
		return nil
	})
	return out, err
}

// describeKey names a key in an error without its NUL separators.
func describeKey(k []byte) string {
	if bytes.HasPrefix(k, []byte(prefixRecord)) && len(k) >= len(prefixRecord)+5 {
		return fmt.Sprintf("record %s version %d", k[len(prefixRecord):len(k)-5], decodeVersion(k[len(k)-4:]))
	}
	return strings.ReplaceAll(string(k), "\x00", "/")
}

func decodeVersion(b []byte) int {
	return int(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

// Profile returns the citizen this store belongs to.
func (s *Store) Profile(ctx context.Context) (wallet.Profile, error) {
	var p wallet.Profile
	err := s.view(ctx, func(txn *badger.Txn) error {
		b, err := s.get(txn, []byte(prefixProfile))
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &p)
	})
	if err != nil {
		return wallet.Profile{}, fmt.Errorf("read profile: %w", err)
	}
	return p, nil
}

// Put stores one record version (see the versioning rules of
// wallet.Store).
func (s *Store) Put(ctx context.Context, r wallet.Record) error {
	return s.Apply(ctx, wallet.Batch{Records: []wallet.Record{r}})
}

// Apply stores a batch in one badger transaction: all of it or none.
func (s *Store) Apply(ctx context.Context, b wallet.Batch) error {
	for i, r := range b.Records {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("store record #%d: %w", i, err)
		}
	}
	for name := range b.Meta {
		if err := checkMetaName(name); err != nil {
			return fmt.Errorf("store meta: %w", err)
		}
	}
	now := s.opts.now().UTC()
	err := s.update(ctx, func(txn *badger.Txn) error {
		for _, r := range b.Records {
			if err := s.putTxn(txn, r, now); err != nil {
				return err
			}
		}
		for name, v := range b.Meta {
			k := metaKey(name)
			if v == nil {
				if err := txn.Delete(k); err != nil {
					return err
				}
				continue
			}
			if err := s.set(txn, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store records: %w", err)
	}
	return nil
}

func (s *Store) putTxn(txn *badger.Txn, r wallet.Record, now time.Time) error {
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = now
	}
	latest, err := s.latestVersion(txn, r.ID)
	if err != nil && !errors.Is(err, wallet.ErrNotFound) {
		return err
	}
	if err == nil {
		switch {
		case r.Version == latest.Version:
			if sameRecord(latest, r) {
				return nil // a replay: nothing to do
			}
			if recredentialed(latest, r) {
				return s.replaceCredential(txn, latest, r)
			}
			return fmt.Errorf("%w: record %s version %d is already stored with other content", wallet.ErrInvalid, r.ID, r.Version)
		case r.Version < latest.Version:
			old, err := s.version(txn, r.ID, r.Version)
			if err == nil && sameRecord(old, r) {
				return nil // a replay of an older version
			}
			if err == nil && recredentialed(old, r) {
				return s.replaceCredential(txn, old, r)
			}
			if err != nil && !errors.Is(err, wallet.ErrNotFound) {
				return err
			}
			return fmt.Errorf("%w: record %s version %d, latest is %d", wallet.ErrStaleVersion, r.ID, r.Version, latest.Version)
		case r.Type != latest.Type:
			return fmt.Errorf("%w: record %s version %d has type %s, earlier versions %s", wallet.ErrInvalid, r.ID, r.Version, r.Type, latest.Type)
		}
	}
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("record %s: %w", r.ID, err)
	}
	if err := s.set(txn, recordKey(r.ID, r.Version), v); err != nil {
		return err
	}
	e := indexEntry{Version: r.Version, Status: r.Status, IssuedAt: r.IssuedAt, Issuer: r.Issuer}
	return s.set(txn, indexKey(r), e.marshal())
}

// recredentialed reports whether b is the stored a with a re-issued
// credential: equal in everything but Credential and ReceivedAt, with a
// credential (the caller verified it: the sync client does, see
// sync/client's renewal).
func recredentialed(a, b wallet.Record) bool {
	if b.Credential == "" || a.Credential == b.Credential {
		return false
	}
	a.Credential, b.Credential = "", ""
	return sameRecord(a, b)
}

// replaceCredential stores the stored version old with r's credential,
// keeping when it was received. Its index entry does not change (same
// version, status, date and issuer).
func (s *Store) replaceCredential(txn *badger.Txn, old, r wallet.Record) error {
	old.Credential = r.Credential
	v, err := json.Marshal(old)
	if err != nil {
		return fmt.Errorf("record %s: %w", r.ID, err)
	}
	return s.set(txn, recordKey(old.ID, old.Version), v)
}

// sameRecord reports whether b is a replay of the stored a: equal in
// everything but ReceivedAt (JSON equality, so 5 and 5.0 are equal).
func sameRecord(a, b wallet.Record) bool {
	a.ReceivedAt, b.ReceivedAt = time.Time{}, time.Time{}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// latestVersion reads the highest stored version of id.
func (s *Store) latestVersion(txn *badger.Txn, id string) (wallet.Record, error) {
	prefix := recordPrefix(id)
	it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: prefix})
	defer it.Close()
	it.Seek(append(slices.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff))
	if !it.ValidForPrefix(prefix) {
		return wallet.Record{}, wallet.ErrNotFound
	}
	return s.decodeRecord(it.Item())
}

func (s *Store) version(txn *badger.Txn, id string, v int) (wallet.Record, error) {
	item, err := txn.Get(recordKey(id, v))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return wallet.Record{}, wallet.ErrNotFound
	}
	if err != nil {
		return wallet.Record{}, err
	}
	return s.decodeRecord(item)
}

// decodeRecord opens a record value and checks that it is the record its
// key names (the AEAD already binds it to the key; this catches a bug, not
// an attacker).
func (s *Store) decodeRecord(item *badger.Item) (wallet.Record, error) {
	b, err := s.open(item)
	if err != nil {
		return wallet.Record{}, err
	}
	var r wallet.Record
	if err := json.Unmarshal(b, &r); err != nil {
		return wallet.Record{}, fmt.Errorf("%w: %s: %v", wallet.ErrIntegrity, describeKey(item.Key()), err)
	}
	if !bytes.Equal(item.Key(), recordKey(r.ID, r.Version)) {
		return wallet.Record{}, fmt.Errorf("%w: %s holds record %s version %d", wallet.ErrIntegrity, describeKey(item.Key()), r.ID, r.Version)
	}
	return r, nil
}

// Record returns the latest version of one record.
func (s *Store) Record(ctx context.Context, id string) (wallet.Record, error) {
	var r wallet.Record
	err := s.view(ctx, func(txn *badger.Txn) (err error) {
		r, err = s.latestVersion(txn, id)
		return err
	})
	if err != nil {
		return wallet.Record{}, fmt.Errorf("read record %s: %w", id, err)
	}
	return r, nil
}

// History returns every stored version of one record, oldest first.
// Versions older than the latest are reported StatusSuperseded unless they
// were withdrawn; the store keeps them as issued.
func (s *Store) History(ctx context.Context, id string) ([]wallet.Record, error) {
	var out []wallet.Record
	err := s.view(ctx, func(txn *badger.Txn) error {
		prefix := recordPrefix(id)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			r, err := s.decodeRecord(it.Item())
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read history of %s: %w", id, wallet.ErrNotFound)
	}
	for i := range out[:len(out)-1] {
		if out[i].Status == wallet.StatusActive {
			out[i].Status = wallet.StatusSuperseded
		}
	}
	return out, nil
}

// Records returns the latest version of every record matching q. The
// index narrows by domain and type and filters by issuer, date and status
// before any record is opened.
func (s *Store) Records(ctx context.Context, q wallet.Query) ([]wallet.Record, error) {
	var out []wallet.Record
	err := s.view(ctx, func(txn *badger.Txn) error {
		type hit struct {
			id string
			v  int
		}
		var hits []hit
		err := s.scanIndex(txn, q.Domain, q.Type, func(d wallet.Domain, typ, id string, e indexEntry) error {
			probe := wallet.Record{Domain: d, Type: typ, Issuer: e.Issuer, IssuedAt: e.IssuedAt, Status: e.Status}
			if q.Match(probe) {
				hits = append(hits, hit{id, e.Version})
			}
			return nil
		})
		if err != nil {
			return err
		}
		out = make([]wallet.Record, 0, len(hits))
		for _, h := range hits {
			r, err := s.version(txn, h.id, h.v)
			if errors.Is(err, wallet.ErrNotFound) {
				return fmt.Errorf("%w: index names record %s version %d, which is missing", wallet.ErrIntegrity, h.id, h.v)
			}
			if err != nil {
				return err
			}
			if !q.Match(r) {
				return fmt.Errorf("%w: index entry of record %s does not match the record", wallet.ErrIntegrity, h.id)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query records: %w", err)
	}
	order := domainOrder()
	slices.SortFunc(out, func(a, b wallet.Record) int {
		if c := order[a.Domain] - order[b.Domain]; c != 0 {
			return c
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		if c := b.IssuedAt.Compare(a.IssuedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func domainOrder() map[wallet.Domain]int {
	m := make(map[wallet.Domain]int, len(wallet.Domains))
	for i, d := range wallet.Domains {
		m[d] = i
	}
	return m
}

// scanIndex calls fn for every index entry under domain d and type typ
// (empty: all).
func (s *Store) scanIndex(txn *badger.Txn, d wallet.Domain, typ string, fn func(d wallet.Domain, typ, id string, e indexEntry) error) error {
	if d == "" && typ != "" {
		t, ok := wallet.LookupType(typ)
		if !ok {
			return nil // no record can have an unknown type
		}
		d = t.Domain
	}
	prefix := indexPrefix(d, typ)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		parts := bytes.SplitN(item.Key()[len(prefixIndex):], []byte{0}, 3)
		if len(parts) != 3 {
			return fmt.Errorf("%w: malformed index key", wallet.ErrIntegrity)
		}
		b, err := s.open(item)
		if err != nil {
			return err
		}
		e, err := parseIndexEntry(b)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", wallet.ErrIntegrity, describeKey(item.Key()), err)
		}
		if err := fn(wallet.Domain(parts[0]), string(parts[1]), string(parts[2]), e); err != nil {
			return err
		}
	}
	return nil
}

// Counts returns how many records each domain holds (latest versions).
func (s *Store) Counts(ctx context.Context) (map[wallet.Domain]int, error) {
	counts := make(map[wallet.Domain]int, len(wallet.Domains))
	err := s.view(ctx, func(txn *badger.Txn) error {
		return s.scanIndex(txn, "", "", func(d wallet.Domain, _, _ string, e indexEntry) error {
			if e.Status != wallet.StatusSuperseded {
				counts[d]++
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count records: %w", err)
	}
	return counts, nil
}

// Meta returns a meta value stored with Apply.
func (s *Store) Meta(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.view(ctx, func(txn *badger.Txn) (err error) {
		v, err = s.get(txn, metaKey(name))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read meta %q: %w", name, err)
	}
	return v, nil
}

// ChangePIN rewraps the master key under newPIN with the current KDF
// parameters (Options.KDF) and replaces the header atomically; no record
// is rewritten. A wrong oldPIN is wallet.ErrWrongPIN and counts as a
// failed attempt, under the same throttle (and header lock) as Open; the
// lock is held from checking oldPIN to saving the new header, so no
// attempt counted meanwhile is lost.
func (s *Store) ChangePIN(ctx context.Context, oldPIN, newPIN []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := wallet.ValidatePIN(newPIN); err != nil {
		return fmt.Errorf("change PIN: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		return fmt.Errorf("change PIN: %w", wallet.ErrLocked)
	}
	err := withHeaderLock(s.dir, func() error {
		old, h, err := unlockLocked(s.dir, oldPIN, s.opts)
		if err != nil {
			return err
		}
		defer old.Wipe()
		if err := h.Rewrap(old, newPIN, s.opts.kdf()); err != nil {
			return err
		}
		return writeHeader(s.dir, h)
	})
	if err != nil {
		return fmt.Errorf("change PIN: %w", err)
	}
	return nil
}
