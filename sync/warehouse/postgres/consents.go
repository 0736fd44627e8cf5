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

// PutRevocations stores a citizen's revocations (their CitizenID is
// citizenID); a consent revoked before keeps its first revocation, also
// the first of two in rs.
func (s *Store) PutRevocations(ctx context.Context, citizenID string, rs []warehouse.Revocation) error {
	const op = "put revocations"
	if !storable(citizenID) {
		return invalid(op, "the citizen id must be UTF-8 text without NUL")
	}
	seen := make(map[string]bool, len(rs))
	var ids []string
	var revoked, received []time.Time
	for _, r := range rs {
		if r.ConsentID == "" || !storable(r.ConsentID) {
			return invalid(op, "a revocation needs a consent id of UTF-8 text without NUL")
		}
		if seen[r.ConsentID] {
			continue
		}
		seen[r.ConsentID] = true
		ids, revoked, received = append(ids, r.ConsentID), append(revoked, r.RevokedAt), append(received, r.Received)
	}
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO revocations (consent_id, citizen_id, revoked_at, received)
			SELECT u.id, $1, u.r, u.rc FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS u(id, r, rc)
			ORDER BY u.id
			ON CONFLICT (consent_id) DO NOTHING`, citizenID, ids, revoked, received)
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// Revocation returns a consent's revocation.
func (s *Store) Revocation(ctx context.Context, consentID string) (warehouse.Revocation, error) {
	const op = "revocation"
	if !storable(consentID) {
		return warehouse.Revocation{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	r := warehouse.Revocation{ConsentID: consentID}
	err := s.pool.QueryRow(ctx, `SELECT citizen_id, revoked_at, received FROM revocations WHERE consent_id = $1`, consentID).
		Scan(&r.CitizenID, &r.RevokedAt, &r.Received)
	if errors.Is(err, pgx.ErrNoRows) {
		return warehouse.Revocation{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return warehouse.Revocation{}, wrap(op, err)
	}
	r.RevokedAt, r.Received = utc(r.RevokedAt), utc(r.Received)
	return r, nil
}

// RevokedSince lists the consents revoked at or after since, oldest
// revocation first: a range scan of revocations_revoked_at.
func (s *Store) RevokedSince(ctx context.Context, since time.Time) ([]string, error) {
	const op = "revoked since"
	rows, err := s.pool.Query(ctx, sqlRevokedSince, since)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

const sqlRevokedSince = `SELECT consent_id FROM revocations WHERE revoked_at >= $1 ORDER BY revoked_at, consent_id`

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
