package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// AllocateStatus implements warehouse.StatusStore. Lock order: the
// agency's head row, then the citizens (FOR SHARE, so an Append of the
// same citizen, which holds them FOR UPDATE, is before or after, never
// between the read of the latest version and the insert), then the
// status_lists row.
func (s *Store) AllocateStatus(ctx context.Context, agency string, capacity int, slots []warehouse.StatusSlot, order func(list, n int) int) ([]warehouse.StatusIndex, error) {
	const op = "allocate status"
	if agency == "" || !storable(agency) || capacity < 1 || capacity > 1<<30 {
		return nil, invalid(op, "agency %q, capacity %d", agency, capacity)
	}
	var cs, rs, ds []string
	var vs []int32
	for _, sl := range slots {
		if !storable(sl.CitizenID, sl.DeviceID, sl.RecordID) || !fitsInt32(sl.Version) {
			return nil, invalid(op, "ids must be UTF-8 text without NUL, versions in range")
		}
		cs, rs, ds, vs = append(cs, sl.CitizenID), append(rs, sl.RecordID), append(ds, sl.DeviceID), append(vs, int32(sl.Version))
	}
	out := make([]warehouse.StatusIndex, len(slots))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO status_heads (agency, list, next) VALUES ($1, 0, 0) ON CONFLICT (agency) DO NOTHING`, agency); err != nil {
			return err
		}
		var list, next, orderedFrom int
		if err := tx.QueryRow(ctx, `SELECT list, next, ordered_from FROM status_heads WHERE agency = $1 FOR UPDATE`, agency).Scan(&list, &next, &orderedFrom); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM citizens WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE`, cs); err != nil {
			return err
		}
		latest := map[recordKey]latestVersion{}
		rows, err := tx.Query(ctx, sqlLatestVersions, cs, rs)
		if err != nil {
			return err
		}
		var c, r string
		var v int32
		var raw []byte
		if _, err := pgx.ForEachRow(rows, []any{&c, &r, &v, &raw}, func() error {
			latest[recordKey{c, r}] = latestVersion{version: int(v), raw: append([]byte(nil), raw...)}
			return nil
		}); err != nil {
			return err
		}
		lists, idxs := make([]int32, len(slots)), make([]int32, len(slots))
		inv := make([]bool, len(slots))
		for i, sl := range slots {
			if next >= capacity {
				list, next = list+1, 0
			}
			idx := next
			if order != nil && list >= orderedFrom {
				if idx = order(list, next); idx < 0 || idx >= capacity {
					return fmt.Errorf("the order put entry %d of list %d at %d, out of [0, %d)", next, list, idx, capacity)
				}
			}
			out[i] = warehouse.StatusIndex{Agency: agency, List: list, Index: idx}
			lists[i], idxs[i] = int32(list), int32(idx)
			next++
			if lv, ok := latest[recordKey{sl.CitizenID, sl.RecordID}]; ok {
				var rec struct {
					Status wallet.Status `json:"status"`
				}
				_ = json.Unmarshal(lv.raw, &rec)
				inv[i] = lv.version > sl.Version || rec.Status == wallet.StatusWithdrawn
			}
		}
		var q pgx.Batch
		q.Queue(`INSERT INTO status_entries (agency, list, idx, citizen_id, record_id, version, device_id, invalid)
			SELECT $1, u.l, u.i, u.c, u.r, u.v, u.d, u.x
			FROM unnest($2::int4[], $3::int4[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::bool[]) AS u(l, i, c, r, v, d, x)`,
			agency, lists, idxs, cs, rs, vs, ds, inv)
		q.Queue(`UPDATE status_heads SET list = $2, next = $3 WHERE agency = $1`, agency, list, next)
		q.Queue(`INSERT INTO status_lists (agency, list, changed)
			SELECT $1::text, d.l, nextval('status_changed') FROM (SELECT DISTINCT l FROM unnest($2::int4[]) AS u(l)) AS d
			ON CONFLICT (agency, list) DO NOTHING`, agency, lists)
		q.Queue(`UPDATE status_lists SET changed = nextval('status_changed')
			WHERE agency = $1 AND list IN (SELECT l FROM unnest($2::int4[], $3::bool[]) AS u(l, x) WHERE x)`, agency, lists, inv)
		return tx.SendBatch(ctx, &q).Close()
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// sqlInvalidateOlder makes INVALID every entry of the batch's records
// below the version stored, and moves their lists' changed: Append
// queues it after inserting the records.
const sqlInvalidateOlder = `WITH inv AS (
		UPDATE status_entries e SET invalid = true
		FROM unnest($1::text[], $2::text[], $3::int4[]) AS u(c, rid, v)
		WHERE e.citizen_id = u.c AND e.record_id = u.rid AND e.version < u.v AND NOT e.invalid
		RETURNING e.agency, e.list)
	UPDATE status_lists s SET changed = nextval('status_changed')
	FROM (SELECT DISTINCT agency, list FROM inv) AS d
	WHERE s.agency = d.agency AND s.list = d.list`

// InvalidateStatus implements warehouse.StatusStore.
func (s *Store) InvalidateStatus(ctx context.Context, idx []warehouse.StatusIndex) error {
	const op = "invalidate status"
	var as []string
	var ls, is []int32
	for _, e := range idx {
		if !storable(e.Agency) || e.List < 0 || e.Index < 0 || !fitsInt32(e.List) || !fitsInt32(e.Index) {
			return invalid(op, "bad entry %+v", e)
		}
		as, ls, is = append(as, e.Agency), append(ls, int32(e.List)), append(is, int32(e.Index))
	}
	if len(idx) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `WITH inv AS (
				UPDATE status_entries e SET invalid = true
				FROM unnest($1::text[], $2::int4[], $3::int4[]) AS u(a, l, i)
				WHERE e.agency = u.a AND e.list = u.l AND e.idx = u.i AND NOT e.invalid
				RETURNING e.agency, e.list)
			UPDATE status_lists s SET changed = nextval('status_changed')
			FROM (SELECT DISTINCT agency, list FROM inv) AS d
			WHERE s.agency = d.agency AND s.list = d.list`, as, ls, is)
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// StatusLists implements warehouse.StatusStore.
func (s *Store) StatusLists(ctx context.Context) ([]warehouse.StatusListState, error) {
	rows, err := s.pool.Query(ctx, `SELECT l.agency, l.list, l.changed, coalesce(t.changed, -1), coalesce(t.built_at, 'epoch')
		FROM status_lists l LEFT JOIN status_tokens t ON t.agency = l.agency AND t.list = l.list
		ORDER BY l.agency, l.list`)
	if err != nil {
		return nil, wrap("status lists", err)
	}
	var out []warehouse.StatusListState
	var st warehouse.StatusListState
	var list int32
	if _, err := pgx.ForEachRow(rows, []any{&st.Agency, &list, &st.Changed, &st.Built, &st.BuiltAt}, func() error {
		st.List = int(list)
		st.BuiltAt = st.BuiltAt.UTC()
		out = append(out, st)
		return nil
	}); err != nil {
		return nil, wrap("status lists", err)
	}
	return out, nil
}

// StatusSnapshot implements warehouse.StatusStore. changed is read
// before the entries: an invalidation committed in between is in the
// snapshot and moves changed again, so the list is only rebuilt once
// more, never missed.
func (s *Store) StatusSnapshot(ctx context.Context, agency string, list int) (warehouse.StatusSnapshot, error) {
	const op = "status snapshot"
	var snap warehouse.StatusSnapshot
	if !fitsInt32(list) {
		return snap, invalid(op, "list %d", list)
	}
	err := s.pool.QueryRow(ctx, `SELECT changed FROM status_lists WHERE agency = $1 AND list = $2`, agency, list).Scan(&snap.Changed)
	if errors.Is(err, pgx.ErrNoRows) {
		return snap, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return snap, wrap(op, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT idx FROM status_entries WHERE agency = $1 AND list = $2 AND invalid ORDER BY idx`, agency, list)
	if err != nil {
		return snap, wrap(op, err)
	}
	var i int32
	if _, err := pgx.ForEachRow(rows, []any{&i}, func() error { snap.Invalid = append(snap.Invalid, int(i)); return nil }); err != nil {
		return snap, wrap(op, err)
	}
	return snap, nil
}

// PutStatusToken implements warehouse.StatusStore.
func (s *Store) PutStatusToken(ctx context.Context, t warehouse.StatusToken) (bool, error) {
	const op = "put status token"
	if !storable(t.Agency, t.Token) || t.Token == "" || !fitsInt32(t.List) {
		return false, invalid(op, "agency and token must be UTF-8 text without NUL")
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO status_tokens (agency, list, changed, issued_at, built_at, token, gzip)
		VALUES ($1, $2, $3, $4, $4, $5, $6)
		ON CONFLICT (agency, list) DO UPDATE SET changed = EXCLUDED.changed, issued_at = EXCLUDED.issued_at,
			built_at = EXCLUDED.built_at, token = EXCLUDED.token, gzip = EXCLUDED.gzip
		WHERE status_tokens.changed <= EXCLUDED.changed`, t.Agency, t.List, t.Changed, t.IssuedAt, t.Token, nonNil(t.Gzip))
	if err != nil {
		return false, wrap(op, err)
	}
	return tag.RowsAffected() == 1, nil
}

// StatusToken implements warehouse.StatusStore.
func (s *Store) StatusToken(ctx context.Context, agency string, list int) (warehouse.StatusToken, error) {
	const op = "status token"
	t := warehouse.StatusToken{Agency: agency, List: list}
	if !fitsInt32(list) {
		return t, invalid(op, "list %d", list)
	}
	var iat time.Time
	err := s.pool.QueryRow(ctx, `SELECT changed, issued_at, token, gzip FROM status_tokens WHERE agency = $1 AND list = $2`, agency, list).
		Scan(&t.Changed, &iat, &t.Token, &t.Gzip)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return t, wrap(op, err)
	}
	t.IssuedAt = iat.UTC()
	return t, nil
}
