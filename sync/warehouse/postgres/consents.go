package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Credentials returns a device's credentials for record versions ("" for
// none), in one query: a probe of the primary key per ref.
func (s *Store) Credentials(ctx context.Context, deviceID string, refs []warehouse.RecordRef) ([]string, error) {
	const op = "credentials"
	out := make([]string, len(refs))
	if len(refs) == 0 || !storable(deviceID) {
		return out, nil
	}
	if err := credentials(ctx, s.pool, deviceID, refs, out); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// credentials fills out[i] with the credential stored for refs[i].
func credentials(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, deviceID string, refs []warehouse.RecordRef, out []string) error {
	var ids []string
	var vs []int32
	var at []int
	for i, r := range refs {
		if storable(r.RecordID) && fitsInt32(r.Version) {
			ids, vs, at = append(ids, r.RecordID), append(vs, int32(r.Version)), append(at, i)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, sqlCredentials, deviceID, ids, vs)
	if err != nil {
		return err
	}
	var ord int64
	var cred string
	_, err = pgx.ForEachRow(rows, []any{&ord, &cred}, func() error {
		if ord < 1 || int(ord) > len(at) {
			return fmt.Errorf("credential row %d of %d", ord, len(at))
		}
		out[at[ord-1]] = cred
		return nil
	})
	return err
}

const sqlCredentials = `SELECT u.ord, c.credential
	FROM unnest($2::text[], $3::int4[]) WITH ORDINALITY AS u(rid, v, ord)
	JOIN credentials c ON c.device_id = $1 AND c.record_id = u.rid AND c.version = u.v`

// PutCredentials stores the credentials not stored yet (INSERT ... ON
// CONFLICT DO NOTHING: a concurrent insert of the same key waits for the
// other transaction and then keeps its credential) and reads back what
// is stored. An empty credential stores nothing.
func (s *Store) PutCredentials(ctx context.Context, deviceID string, refs []warehouse.RecordRef, creds []string) ([]string, error) {
	const op = "put credentials"
	if len(refs) != len(creds) {
		return nil, invalid(op, "%d refs, %d credentials", len(refs), len(creds))
	}
	if deviceID == "" || !storable(deviceID) {
		return nil, invalid(op, "the device id must be UTF-8 text without NUL")
	}
	type item struct {
		id   string
		v    int32
		cred string
	}
	var items []item
	for i, r := range refs {
		if !storable(r.RecordID, creds[i]) || !fitsInt32(r.Version) {
			return nil, invalid(op, "record id and credential must be UTF-8 text without NUL, and the version in range")
		}
		if creds[i] != "" {
			items = append(items, item{r.RecordID, int32(r.Version), creds[i]})
		}
	}
	// Sorted, so two calls insert common keys in the same order; stable,
	// so the first of one key in refs is the one inserted.
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.v, b.v)) })
	ids, vs, cs := make([]string, len(items)), make([]int32, len(items)), make([]string, len(items))
	for i, it := range items {
		ids[i], vs[i], cs[i] = it.id, it.v, it.cred
	}
	out := make([]string, len(refs))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		clear(out)
		if len(items) > 0 {
			_, err := tx.Exec(ctx, `INSERT INTO credentials (device_id, record_id, version, credential)
				SELECT $1, u.rid, u.v, u.c FROM unnest($2::text[], $3::int4[], $4::text[]) WITH ORDINALITY AS u(rid, v, c, ord)
				ORDER BY u.ord
				ON CONFLICT DO NOTHING`, deviceID, ids, vs, cs)
			if err != nil {
				return err
			}
		}
		return credentials(ctx, tx, deviceID, refs, out)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// PutRevocations stores the revocations whose ID is not stored yet; see
// warehouse.Store. One transaction, its two statements pipelined (one
// round trip between BEGIN and COMMIT):
//
//  1. lock the revocation head row (SELECT ... FOR UPDATE): revocation
//     writers, from every process, wait here for the one before to
//     commit, so seqs are given out in commit order and no other writer
//     changes a citizen's revocations until this one ends;
//  2. one statement, whose snapshot is taken after the lock: it keeps
//     the revocations whose ID is not stored (primary-key probes), counts
//     the citizen's unexpired ones (a range scan of revocations_citizen
//     from (citizen, now)), inserts the new ones with seqs head+1 ...
//     when they keep within the limits, and bumps the head by as many.
//
// Over a limit it inserts nothing and the transaction rolls back.
// Every new revocation counts against both limits, also one that has
// expired already; of the stored ones, those not expired at now, and for
// lim.PerHour those of them received after now less an hour (one
// received "after now", by another process's clock, counts too). The
// first of two revocations with one ID in rs is the one stored.
func (s *Store) PutRevocations(ctx context.Context, citizenID string, rs []warehouse.Revocation, lim warehouse.RevocationLimits, now time.Time) (int, error) {
	const op = "put revocations"
	if citizenID == "" || !storable(citizenID) {
		return 0, invalid(op, "the citizen id must be UTF-8 text without NUL")
	}
	var a revocationArrays
	seen := make(map[string]bool, len(rs))
	for i, r := range rs {
		switch {
		case r.ID == "" || r.ConsentID == "" || !storable(r.ID, r.ConsentID, r.Device, r.Audience):
			return 0, invalid(op, "revocation %d of %d needs an id and a consent id, and ids of UTF-8 text without NUL", i+1, len(rs))
		case r.CitizenID != "" && r.CitizenID != citizenID:
			return 0, invalid(op, "revocation %d of %d is of another citizen", i+1, len(rs))
		}
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		a.add(r)
	}
	if len(a.ids) == 0 {
		return 0, nil
	}
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n = 0
		var fresh, live, recent, inserted int
		var q pgx.Batch
		q.Queue(sqlLockRevocationHead)
		q.Queue(sqlPutRevocations, citizenID, a.ids, a.consents, a.devices, a.audiences, a.listed,
			a.given, a.revoked, a.expires, a.received, now, now.Add(-time.Hour), max(lim.Live, 0), max(lim.PerHour, 0)).
			QueryRow(func(r pgx.Row) error { return r.Scan(&fresh, &live, &recent, &inserted) })
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return err
		}
		if fresh > 0 && (live+fresh > lim.Live || recent+fresh > lim.PerHour) {
			return fmt.Errorf("%w: the citizen has %d unexpired revocations, %d of them received in the last hour; %d more would pass %d or %d",
				warehouse.ErrTooMany, live, recent, fresh, lim.Live, lim.PerHour)
		}
		if inserted != fresh {
			return fmt.Errorf("%d of %d new revocations inserted", inserted, fresh)
		}
		n = fresh
		return nil
	})
	if err != nil {
		return 0, wrap(op, err)
	}
	return n, nil
}

// revocationArrays are the columns of revocations to insert, one array
// per column (for unnest).
type revocationArrays struct {
	ids, consents, devices, audiences []string
	listed                            []bool
	given, revoked, expires, received []time.Time
}

func (a *revocationArrays) add(r warehouse.Revocation) {
	a.ids, a.consents, a.devices, a.audiences = append(a.ids, r.ID), append(a.consents, r.ConsentID), append(a.devices, r.Device), append(a.audiences, r.Audience)
	a.listed = append(a.listed, r.Listed)
	a.given, a.revoked, a.expires, a.received = append(a.given, r.GivenAt), append(a.revoked, r.RevokedAt), append(a.expires, r.Expires), append(a.received, r.Received)
}

const (
	// Held until the transaction ends: see PutRevocations.
	sqlLockRevocationHead = `SELECT seq FROM revocation_head WHERE id = true FOR UPDATE`

	// The new revocations ($2 ... $10, distinct ids, in order) are those
	// whose id is not stored; they are inserted, with seqs following the
	// head, only when the citizen's unexpired ones ($11 is now) and those
	// received after $12 leave room for them under $13 and $14. The head
	// is bumped by the number inserted (it is locked by this transaction:
	// nothing else can insert a revocation, and the NOT EXISTS cannot be
	// stale). It returns how many are new, the two counts and how many
	// it inserted (all the new ones or, over a limit, none).
	sqlPutRevocations = `WITH u AS (
		SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[],
			$7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
			WITH ORDINALITY AS u(id, consent_id, device, audience, listed, given_at, revoked_at, expires, received, ord)
	), fresh AS (
		SELECT u.*, row_number() OVER (ORDER BY u.ord) AS n FROM u
		WHERE NOT EXISTS (SELECT 1 FROM revocations r WHERE r.id = u.id)
	), counts AS (
		SELECT (SELECT count(*) FROM fresh) AS fresh, count(*) AS live, count(*) FILTER (WHERE received > $12) AS recent
		FROM revocations WHERE citizen_id = $1 AND expires > $11
	), ins AS (
		INSERT INTO revocations (id, seq, consent_id, citizen_id, device, audience, listed, given_at, revoked_at, expires, received)
		SELECT f.id, h.seq + f.n, f.consent_id, $1, f.device, f.audience, f.listed, f.given_at, f.revoked_at, f.expires, f.received
		FROM fresh f, counts c, revocation_head h
		WHERE h.id = true AND c.live + c.fresh <= $13 AND c.recent + c.fresh <= $14
		ORDER BY f.n
		RETURNING 1
	), bump AS (
		UPDATE revocation_head SET seq = seq + (SELECT count(*) FROM ins)
		WHERE id = true AND EXISTS (SELECT 1 FROM ins)
	)
	SELECT fresh, live, recent, (SELECT count(*) FROM ins) FROM counts`

	sqlRevocation = `SELECT ` + revocationColumns + ` FROM revocations WHERE id = $1`

	// One statement, so one snapshot: the head and the entries it
	// covers. Writers commit in seq order (the head's lock), so every seq
	// up to the head read is committed, and visible here. An index range
	// scan of revocations_listed from (audience, after+1); expired
	// entries not purged yet are read and skipped.
	sqlRevokedSince = `SELECT h.seq, r.id, r.seq, r.consent_id, r.citizen_id, r.device, r.audience, r.listed,
		r.given_at, r.revoked_at, r.expires, r.received
	FROM revocation_head h
	LEFT JOIN LATERAL (
		SELECT ` + revocationColumns + ` FROM revocations
		WHERE audience = $1 AND listed AND seq > $2 AND expires > $3
		ORDER BY seq LIMIT $4) AS r ON true
	WHERE h.id = true
	ORDER BY r.seq`

	revocationColumns = `id, seq, consent_id, citizen_id, device, audience, listed, given_at, revoked_at, expires, received`
)

// Revocation returns the revocation stored under id: a primary-key probe.
func (s *Store) Revocation(ctx context.Context, id string) (warehouse.Revocation, error) {
	const op = "revocation"
	if !storable(id) {
		return warehouse.Revocation{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	var r warehouse.Revocation
	err := s.pool.QueryRow(ctx, sqlRevocation, id).Scan(&r.ID, &r.Seq, &r.ConsentID, &r.CitizenID, &r.Device, &r.Audience, &r.Listed,
		&r.GivenAt, &r.RevokedAt, &r.Expires, &r.Received)
	if errors.Is(err, pgx.ErrNoRows) {
		return warehouse.Revocation{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return warehouse.Revocation{}, wrap(op, err)
	}
	r.GivenAt, r.RevokedAt, r.Expires, r.Received = utc(r.GivenAt), utc(r.RevokedAt), utc(r.Expires), utc(r.Received)
	return r, nil
}

// RevokedSince returns an audience's listed, unexpired revocations after
// seq after, and the revocation head, in one statement (sqlRevokedSince).
// A limit of 0 or less returns the head alone.
func (s *Store) RevokedSince(ctx context.Context, audience string, after int64, now time.Time, limit int) ([]warehouse.Revocation, int64, error) {
	const op = "revoked since"
	if !storable(audience) {
		audience, limit = "", 0 // no such audience: the head alone
	}
	rows, err := s.pool.Query(ctx, sqlRevokedSince, audience, max(after, 0), now, max(limit, 0))
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	var out []warehouse.Revocation
	var head int64
	found := false
	var (
		id, consent, citizen, device, aud *string
		seq                               *int64
		listed                            *bool
		given, revoked, expires, received *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&head, &id, &seq, &consent, &citizen, &device, &aud, &listed, &given, &revoked, &expires, &received}, func() error {
		found = true
		if id == nil {
			return nil
		}
		if seq == nil || consent == nil || citizen == nil || device == nil || aud == nil || listed == nil ||
			given == nil || revoked == nil || expires == nil || received == nil {
			return fmt.Errorf("damaged revocation %q", *id)
		}
		out = append(out, warehouse.Revocation{ID: *id, Seq: *seq, ConsentID: *consent, CitizenID: *citizen, Device: *device, Audience: *aud,
			Listed: *listed, GivenAt: utc(*given), RevokedAt: utc(*revoked), Expires: utc(*expires), Received: utc(*received)})
		return nil
	})
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	if !found {
		return nil, 0, wrap(op, errors.New("no revocation head row"))
	}
	return out, head, nil
}

// Redeem records a use of a consent in one transaction: for a single-use
// consent, its redemptions row first (the first of concurrent redeemers
// inserts it, the others wait on its unique-index entry and then find it:
// ErrUsed, and they roll back before touching the citizen); then the
// citizen's access head, bumped under its row lock (UPDATE ... RETURNING),
// is the entry's seq.
func (s *Store) Redeem(ctx context.Context, citizenID string, singleUse bool, e protocol.AccessEntry) (protocol.AccessEntry, error) {
	const op = "redeem"
	if !storable(citizenID) {
		return protocol.AccessEntry{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	if !storable(e.ConsentID) {
		return protocol.AccessEntry{}, invalid(op, "the consent id must be UTF-8 text without NUL")
	}
	var out protocol.AccessEntry
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if singleUse {
			tag, err := tx.Exec(ctx, `INSERT INTO redemptions (consent_id, citizen_id, at) VALUES ($1, $2, $3)
				ON CONFLICT (consent_id) DO NOTHING`, e.ConsentID, citizenID, e.UsedAt)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return warehouse.ErrUsed
			}
		}
		var seq int64
		err := tx.QueryRow(ctx, `UPDATE citizens SET access_head = access_head + 1 WHERE id = $1 RETURNING access_head`, citizenID).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return warehouse.ErrUnknownCitizen
		}
		if err != nil {
			return err
		}
		out = e
		out.Seq = seq
		b, err := jsonText(out)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO access_log (citizen_id, seq, entry) VALUES ($1, $2, $3::text::jsonb)`, citizenID, seq, string(b))
		return err
	})
	if err != nil {
		return protocol.AccessEntry{}, wrap(op, err)
	}
	return out, nil
}

// AccessLog returns at most limit access entries after seq after, and
// whether there are more: it reads limit+1 rows of the citizen's range
// of access_log, in the statement that finds the citizen.
func (s *Store) AccessLog(ctx context.Context, citizenID string, after int64, limit int) ([]protocol.AccessEntry, bool, error) {
	const op = "access log"
	if !storable(citizenID) {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	limit = min(max(limit, 0), 1<<30) // limit+1 must not overflow
	rows, err := s.pool.Query(ctx, sqlAccessLog, citizenID, after, limit+1)
	if err != nil {
		return nil, false, wrap(op, err)
	}
	var out []protocol.AccessEntry
	found, more := false, false
	var seq *int64
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&seq, &raw}, func() error {
		found = true
		if seq == nil {
			return nil
		}
		if len(out) == limit {
			more = true
			return nil
		}
		var e protocol.AccessEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("damaged access entry %d of %s: %w", *seq, citizenID, err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, false, wrap(op, err)
	}
	if !found {
		return nil, false, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	return out, more, nil
}

const sqlAccessLog = `SELECT a.seq, a.entry
	FROM citizens c
	LEFT JOIN LATERAL (
		SELECT seq, entry FROM access_log
		WHERE citizen_id = c.id AND seq > $2
		ORDER BY seq LIMIT $3) AS a ON true
	WHERE c.id = $1
	ORDER BY a.seq`
