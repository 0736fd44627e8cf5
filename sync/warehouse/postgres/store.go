package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Store is a warehouse.Store on a PostgreSQL database, through a pgx
// connection pool. Any number of Stores, in any number of processes, may
// share one database.
type Store struct {
	pool *pgxpool.Pool
}

var _ warehouse.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the pg_advisory_xact_lock key that serialises schema
// migrations across processes ("cw-wh-mg" in ASCII).
const migrationLock int64 = 0x63772d77682d6d67

// Open connects to the database at dsn (a libpq URL or key=value string;
// pgxpool's pool_max_conns and friends may be set in it), applies the
// schema migrations it has not applied yet, and returns the store.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool (waiting for connections in use to be released).
// It may be called more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations, NNNN_name.sql, by version.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must be NNNN_what.sql", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have one version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrate applies each migration not applied yet, each in a transaction
// of its own together with its schema_migrations row. The transaction
// first takes an advisory lock, so processes opening the store at once
// apply each migration exactly once (the others wait, then find its row).
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version integer PRIMARY KEY,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return err
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, m.version)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// maxAttempts bounds how often a transaction that lost to a concurrent
// one (a serialisation failure or a deadlock) is run again.
const maxAttempts = 20

// inTx runs fn in a transaction and commits it, running the whole of it
// again when PostgreSQL reports a serialisation failure or a deadlock.
// fn must start from scratch each time.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, s.pool, txOptions, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			if err != nil && retryable(err) {
				err = fmt.Errorf("%d attempts lost to concurrent transactions: %w", attempt, err)
			}
			return err
		}
		// A small jittered pause, growing with the attempt, so that the
		// losers do not meet again in lockstep.
		d := time.Duration(min(attempt, 10)) * time.Millisecond
		t := time.NewTimer(d/2 + rand.N(d))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// txOptions: READ COMMITTED whatever the database's default, so that a
// statement after a wait on a row lock or a unique-index entry sees what
// the other transaction committed. The store's rules rest on row locks
// and unique indexes, not on snapshots.
var txOptions = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// retryable reports a serialization_failure or deadlock_detected.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// wrap names the operation once. Errors PostgreSQL raises because of the
// input (text that is not UTF-8 or holds NUL, a time out of its range, a
// key too big for an index) also match wallet.ErrInvalid.
func wrap(op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		// character_not_in_repertoire, untranslatable_character,
		// datetime_field_overflow, program_limit_exceeded
		case "22021", "22P05", "22008", "54000":
			return fmt.Errorf("postgres: %s: %w: %w", op, wallet.ErrInvalid, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// invalid is a refused input, matching wallet.ErrInvalid.
func invalid(op, format string, args ...any) error {
	return fmt.Errorf("postgres: %s: %w: %s", op, wallet.ErrInvalid, fmt.Sprintf(format, args...))
}

// storable reports whether every s can be a PostgreSQL text value: valid
// UTF-8 without NUL. An id that is not can be in no row.
func storable(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}

// nonNil turns a nil byte slice into an empty one (pgx sends nil as NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// jsonText is v's JSON without HTML escaping.
func jsonText(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// utc returns a time read from a timestamptz column in UTC (pgx returns
// them in the local zone).
func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr is utc for a nullable column; NULL is the zero time.
func utcPtr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// PutCitizens adds citizens or updates their profiles (feeds and heads
// untouched), putCitizensChunk per transaction. A citizen listed twice
// gets the last profile.
func (s *Store) PutCitizens(ctx context.Context, ps []wallet.Profile) error {
	const op = "put citizens"
	last := make(map[string]int, len(ps))
	for i, p := range ps {
		if p.CitizenID == "" || !storable(p.CitizenID) {
			return invalid(op, "profile %d of %d has no valid citizen id", i+1, len(ps))
		}
		last[p.CitizenID] = i
	}
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	slices.Sort(ids) // rows are locked in id order, as Append does
	for start := 0; start < len(ids); start += putCitizensChunk {
		chunk := ids[start:min(start+putCitizensChunk, len(ids))]
		profiles := make([]string, len(chunk))
		for i, id := range chunk {
			b, err := jsonText(ps[last[id]])
			if err != nil {
				return wrap(op, err)
			}
			profiles[i] = string(b)
		}
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sqlPutCitizens, chunk, profiles)
			return err
		})
		if err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

const putCitizensChunk = 5000

const sqlPutCitizens = `INSERT INTO citizens (id, profile)
	SELECT u.id, u.profile::jsonb FROM unnest($1::text[], $2::text[]) AS u(id, profile) ORDER BY u.id
	ON CONFLICT (id) DO UPDATE SET profile = EXCLUDED.profile`

// Citizen returns a citizen's profile and feed head.
func (s *Store) Citizen(ctx context.Context, citizenID string) (wallet.Profile, int64, error) {
	const op = "citizen"
	if !storable(citizenID) {
		return wallet.Profile{}, 0, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	var raw []byte
	var head int64
	err := s.pool.QueryRow(ctx, `SELECT profile, head FROM citizens WHERE id = $1`, citizenID).Scan(&raw, &head)
	if errors.Is(err, pgx.ErrNoRows) {
		return wallet.Profile{}, 0, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	if err != nil {
		return wallet.Profile{}, 0, wrap(op, err)
	}
	var p wallet.Profile
	if err := json.Unmarshal(raw, &p); err != nil {
		return wallet.Profile{}, 0, wrap(op, fmt.Errorf("damaged profile of %s: %w", citizenID, err))
	}
	return p, head, nil
}

// Citizens lists profiles in citizen-id order (bytewise: the column's
// collation is "C"), after the id after: an index range scan.
func (s *Store) Citizens(ctx context.Context, after string, limit int) ([]wallet.Profile, error) {
	const op = "citizens"
	if limit <= 0 {
		return nil, nil
	}
	if !storable(after) {
		return nil, invalid(op, "the id to list after is not UTF-8 text without NUL")
	}
	rows, err := s.pool.Query(ctx, sqlCitizens, after, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.Profile, error) {
		var raw []byte
		var p wallet.Profile
		if err := r.Scan(&raw); err != nil {
			return p, err
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return p, fmt.Errorf("damaged profile: %w", err)
		}
		return p, nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

const sqlCitizens = `SELECT profile FROM citizens WHERE id > $1 ORDER BY id LIMIT $2`

// PutAgency adds or replaces an agency.
func (s *Store) PutAgency(ctx context.Context, a warehouse.AgencyInfo) error {
	const op = "put agency"
	if a.ID == "" || !storable(a.ID) {
		return invalid(op, "an agency needs an id of UTF-8 text without NUL")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return wrap(op, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO agencies (id, info) VALUES ($1, $2::text::json)
		ON CONFLICT (id) DO UPDATE SET info = EXCLUDED.info`, a.ID, string(b))
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// Agencies lists every agency by id.
func (s *Store) Agencies(ctx context.Context) ([]warehouse.AgencyInfo, error) {
	const op = "agencies"
	rows, err := s.pool.Query(ctx, `SELECT info::text FROM agencies ORDER BY id`)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (warehouse.AgencyInfo, error) {
		var raw string
		var a warehouse.AgencyInfo
		if err := r.Scan(&raw); err != nil {
			return a, err
		}
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			return a, fmt.Errorf("damaged agency: %w", err)
		}
		return a, nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// Meta returns a named value ([]byte{} for an empty one).
func (s *Store) Meta(ctx context.Context, name string) ([]byte, error) {
	const op = "meta"
	if !storable(name) {
		return nil, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return nonNil(v), nil
}

// CreateMeta stores value under name unless name has one, and returns
// the value name has: the insert waits for a concurrent one to commit
// and then does nothing, and the read after it, a statement of its own,
// sees whichever won.
func (s *Store) CreateMeta(ctx context.Context, name string, value []byte) ([]byte, error) {
	const op = "create meta"
	if name == "" || !storable(name) {
		return nil, invalid(op, "a meta value needs a name of UTF-8 text without NUL")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, nonNil(value)); err != nil {
		return nil, wrap(op, err)
	}
	var v []byte
	if err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, wrap(op, err)
	}
	return nonNil(v), nil
}

// PutMeta stores a named value.
func (s *Store) PutMeta(ctx context.Context, name string, value []byte) error {
	const op = "put meta"
	if name == "" || !storable(name) {
		return invalid(op, "a meta value needs a name of UTF-8 text without NUL")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, name, nonNil(value))
	if err != nil {
		return wrap(op, err)
	}
	return nil
}
