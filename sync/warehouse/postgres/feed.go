package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// storedItem is one item of a stored batch: where its entry is (citizen
// and seq, also for a duplicate), or why it was refused.
type storedItem struct {
	Citizen   string               `json:"c,omitempty"`
	Seq       int64                `json:"s,omitempty"`
	Duplicate bool                 `json:"d,omitempty"`
	Err       *warehouse.ItemError `json:"e,omitempty"`
}

// Append stores a batch of record versions in one transaction; see
// warehouse.Store. The transaction:
//
//  1. with an idempotency key, inserts the batch's row first (ON CONFLICT
//     DO NOTHING: a concurrent Append with the same key waits here until
//     this one ends) or, when the row is there, replays it;
//  2. locks the rows of the batch's citizens, in id order, with SELECT
//     ... ORDER BY id FOR UPDATE, and reads their heads: two batches
//     lock their common citizens in the same order and never deadlock,
//     and no other writer of these feeds runs until this one commits;
//  3. reads, in two queries for the whole batch (one round trip), the
//     stored (record, version) pairs the writes name and the latest
//     version of each record they touch;
//  4. decides each item in Go, in order (check sees the earlier items);
//  5. bumps each citizen's head by its number of new entries (UPDATE ...
//     SET head = head + n ... RETURNING head, checked against the seqs
//     given out), inserts the entries, and stores the batch's results,
//     in one round trip.
//
// With b.Audit, step 3 also locks the audit chain's head row (last in
// that pipeline: every transaction takes it after its citizens, so it is
// in no deadlock cycle), and step 5 also inserts the entry and bumps the
// head: no extra round trip; the lock is held from step 3 to the commit
// (the deciding in Go, one round trip and the commit). While it is held no other audited write, from any
// process, can commit: the chain is one sequence.
//
// A deadlock or serialisation failure runs the whole transaction again,
// from the batch as given, so check may run more than once for an item:
// it must only validate and complete the write it is handed.
func (s *Store) Append(ctx context.Context, b warehouse.Batch, check warehouse.CheckFunc) (warehouse.BatchResult, error) {
	const op = "append"
	if b.Key != "" && (b.Agency == "" || !storable(b.Agency, b.Key)) {
		return warehouse.BatchResult{}, invalid(op, "an idempotency key needs an agency, both UTF-8 text without NUL")
	}
	var audit *warehouse.AuditEntry
	if b.Audit != nil {
		p, err := warehouse.PrepareAudit(*b.Audit, time.Now())
		if err != nil {
			return warehouse.BatchResult{}, fmt.Errorf("postgres: %s: %w", op, err)
		}
		audit = &p
	}
	var res warehouse.BatchResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = appendTx(ctx, tx, b, check, audit)
		return err
	})
	if err != nil {
		return warehouse.BatchResult{}, wrap(op, err)
	}
	return res, nil
}

type versionKey struct {
	citizen, record string
	version         int
}

type recordKey struct{ citizen, record string }

// storedVersion is a record version stored before or earlier in the batch.
type storedVersion struct {
	seq    int64
	digest []byte
	raw    []byte // the record's JSON
}

// latestVersion is the highest version of a record known so far.
type latestVersion struct {
	version int
	raw     []byte
}

// appendTx is Append's transaction; audit is b.Audit prepared (nil for
// none).
func appendTx(ctx context.Context, tx pgx.Tx, b warehouse.Batch, check warehouse.CheckFunc, audit *warehouse.AuditEntry) (warehouse.BatchResult, error) {
	if b.Key != "" {
		tag, err := tx.Exec(ctx, `INSERT INTO batches (agency, key, digest, results) VALUES ($1, $2, $3, '[]')
			ON CONFLICT (agency, key) DO NOTHING`, b.Agency, b.Key, nonNil(b.BatchDigest))
		if err != nil {
			return warehouse.BatchResult{}, err
		}
		if tag.RowsAffected() == 0 {
			return replayBatch(ctx, tx, b)
		}
	}

	// 2. Lock the citizens, in id order.
	var ids []string
	for _, w := range b.Writes {
		if storable(w.CitizenID) {
			ids = append(ids, w.CitizenID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	heads := make(map[string]int64, len(ids))
	rows, err := tx.Query(ctx, sqlLockCitizens, ids)
	if err != nil {
		return warehouse.BatchResult{}, err
	}
	var id string
	var head int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &head}, func() error { heads[id] = head; return nil }); err != nil {
		return warehouse.BatchResult{}, err
	}
	first := maps.Clone(heads) // the heads before this batch

	// 3. What is stored of the records the batch names.
	var qc, qr []string
	var qv []int32
	for _, w := range b.Writes {
		if _, ok := heads[w.CitizenID]; ok && storable(w.Record.ID) && fitsInt32(w.Record.Version) {
			qc, qr, qv = append(qc, w.CitizenID), append(qr, w.Record.ID), append(qv, int32(w.Record.Version))
		}
	}
	existing := map[versionKey]storedVersion{}
	latest := map[recordKey]latestVersion{}
	var q3 pgx.Batch
	var ah auditHead
	if len(qc) > 0 {
		// Both reads in one round trip (with the audit head's lock).
		var c, r string
		var v int32
		var sv storedVersion
		q3.Queue(sqlStoredVersions, qc, qr, qv).Query(func(rows pgx.Rows) error {
			_, err := pgx.ForEachRow(rows, []any{&c, &r, &v, &sv.seq, &sv.digest, &sv.raw}, func() error {
				existing[versionKey{c, r, int(v)}] = sv
				sv = storedVersion{}
				return nil
			})
			return err
		})
		var lv latestVersion
		q3.Queue(sqlLatestVersions, qc, qr).Query(func(rows pgx.Rows) error {
			_, err := pgx.ForEachRow(rows, []any{&c, &r, &v, &lv.raw}, func() error {
				lv.version = int(v)
				latest[recordKey{c, r}] = lv
				lv = latestVersion{}
				return nil
			})
			return err
		})
	}
	if audit != nil {
		queueLockAuditHead(&q3, &ah)
	}
	if q3.Len() > 0 {
		if err := tx.SendBatch(ctx, &q3).Close(); err != nil {
			return warehouse.BatchResult{}, err
		}
	}

	// 4. Decide each item.
	res := warehouse.BatchResult{Items: make([]warehouse.ItemResult, len(b.Writes))}
	stored := make([]storedItem, len(b.Writes))
	var ins struct {
		citizens, records []string
		seqs              []int64
		versions          []int32
		digests           [][]byte
		jsons             []string
	}
	for i, w := range b.Writes {
		if i%64 == 63 {
			if err := ctx.Err(); err != nil {
				return warehouse.BatchResult{}, err
			}
		}
		it, err := decide(ctx, tx, w, check, heads, existing, latest)
		if err != nil {
			return warehouse.BatchResult{}, err
		}
		res.Items[i] = it.ItemResult
		stored[i] = storedItem{Seq: it.Entry.Seq, Duplicate: it.Duplicate, Err: warehouse.EncodeItemError(it.Err)}
		if it.Entry.Seq > 0 {
			stored[i].Citizen = w.CitizenID
		}
		if it.raw != nil {
			ins.citizens = append(ins.citizens, w.CitizenID)
			ins.seqs = append(ins.seqs, it.Entry.Seq)
			ins.records = append(ins.records, it.Entry.Record.ID)
			ins.versions = append(ins.versions, int32(it.Entry.Record.Version))
			ins.digests = append(ins.digests, nonNil(w.Digest))
			ins.jsons = append(ins.jsons, string(it.raw))
		}
	}

	// 5. Bump the heads, insert the entries, keep the results: one
	// round trip.
	var q pgx.Batch
	if len(ins.citizens) > 0 {
		var bc []string
		var bn []int64
		for _, c := range ids {
			if n := heads[c] - first[c]; n > 0 {
				bc, bn = append(bc, c), append(bn, n)
			}
		}
		q.Queue(sqlBumpHeads, bc, bn).Query(func(rows pgx.Rows) error {
			var c string
			var h int64
			tag, err := pgx.ForEachRow(rows, []any{&c, &h}, func() error {
				if h != heads[c] {
					return fmt.Errorf("the head of %s moved to %d under the row lock (expected %d)", c, h, heads[c])
				}
				return nil
			})
			if err == nil && int(tag.RowsAffected()) != len(bc) {
				err = fmt.Errorf("%d of %d citizens' heads bumped", tag.RowsAffected(), len(bc))
			}
			return err
		})
		q.Queue(sqlInsertRecords, ins.citizens, ins.seqs, ins.records, ins.versions, ins.digests, ins.jsons)
		// The older versions' credentials stop verifying as current.
		q.Queue(sqlInvalidateOlder, ins.citizens, ins.records, ins.versions)
	}
	if b.Key != "" {
		rb, err := json.Marshal(stored)
		if err != nil {
			return warehouse.BatchResult{}, err
		}
		q.Queue(`UPDATE batches SET results = $3::text::jsonb WHERE agency = $1 AND key = $2`, b.Agency, b.Key, string(rb))
	}
	if audit != nil {
		e := *audit
		var err error
		if e.Details, err = warehouse.AuditBatchDetails(audit.Details, b.Writes, res.Items); err != nil {
			return warehouse.BatchResult{}, err
		}
		queueAppendAudit(&q, ah, e)
	}
	if q.Len() > 0 {
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return warehouse.BatchResult{}, err
		}
	}
	return res, nil
}

const (
	sqlLockCitizens = `SELECT id, head FROM citizens WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`

	// The (record, version) pairs of the batch that are stored already:
	// one probe of records_version_key each.
	sqlStoredVersions = `SELECT r.citizen_id, r.record_id, r.version, r.seq, r.digest, r.record
		FROM (SELECT DISTINCT c, rid, v FROM unnest($1::text[], $2::text[], $3::int4[]) AS u(c, rid, v)) AS u
		JOIN records r ON r.citizen_id = u.c AND r.record_id = u.rid AND r.version = u.v`

	// The latest version of each record of the batch: a backward scan of
	// records_version_key within (citizen, record), LIMIT 1 each.
	sqlLatestVersions = `SELECT u.c, u.rid, l.version, l.record
		FROM (SELECT DISTINCT c, rid FROM unnest($1::text[], $2::text[]) AS u(c, rid)) AS u
		CROSS JOIN LATERAL (
			SELECT r.version, r.record FROM records r
			WHERE r.citizen_id = u.c AND r.record_id = u.rid
			ORDER BY r.version DESC LIMIT 1) AS l`

	sqlVersionExists = `SELECT EXISTS (SELECT 1 FROM records WHERE citizen_id = $1 AND record_id = $2 AND version = $3)`

	sqlBumpHeads = `UPDATE citizens AS c SET head = c.head + u.n
		FROM unnest($1::text[], $2::int8[]) AS u(id, n)
		WHERE c.id = u.id
		RETURNING c.id, c.head`

	sqlInsertRecords = `INSERT INTO records (citizen_id, seq, record_id, version, digest, record)
		SELECT u.c, u.s, u.rid, u.v, u.d, u.rec::jsonb
		FROM unnest($1::text[], $2::int8[], $3::text[], $4::int4[], $5::bytea[], $6::text[]) AS u(c, s, rid, v, d, rec)`
)

// decided is an item's result and, for a new entry, its record's JSON.
type decided struct {
	warehouse.ItemResult
	raw []byte
}

// decide applies the rules of warehouse.Store.Append to one write,
// updating what the batch knows (heads, existing, latest) for the
// items after it. An item's refusal is in the result; the error is a
// failure of the store.
func decide(ctx context.Context, tx pgx.Tx, w warehouse.Write, check warehouse.CheckFunc,
	heads map[string]int64, existing map[versionKey]storedVersion, latest map[recordKey]latestVersion) (decided, error) {
	c := w.CitizenID
	if _, ok := heads[c]; !ok {
		return decided{ItemResult: warehouse.ItemResult{Err: warehouse.ErrUnknownCitizen}}, nil
	}
	if !storable(w.Record.ID) {
		return refuse(fmt.Errorf("%w: the record id is not UTF-8 text without NUL", wallet.ErrInvalid)), nil
	}
	if !fitsInt32(w.Record.Version) {
		return refuse(fmt.Errorf("%w: record %s: version %d is out of range", wallet.ErrInvalid, w.Record.ID, w.Record.Version)), nil
	}
	if sv, ok := existing[versionKey{c, w.Record.ID, w.Record.Version}]; ok {
		if !bytes.Equal(sv.digest, w.Digest) {
			return refuse(fmt.Errorf("%w: record %s version %d is stored with other content", warehouse.ErrConflict, w.Record.ID, w.Record.Version)), nil
		}
		e := warehouse.Entry{Seq: sv.seq}
		if err := json.Unmarshal(sv.raw, &e.Record); err != nil {
			return decided{}, fmt.Errorf("damaged entry %d of %s: %w", sv.seq, c, err)
		}
		return decided{ItemResult: warehouse.ItemResult{Entry: e, Duplicate: true}}, nil
	}
	rk := recordKey{c, w.Record.ID}
	lv, hasLatest := latest[rk]
	var prev *wallet.Record
	if hasLatest {
		// A fresh copy for each call: check may not change what is stored.
		prev = new(wallet.Record)
		if err := json.Unmarshal(lv.raw, prev); err != nil {
			return decided{}, fmt.Errorf("damaged record %s of %s: %w", w.Record.ID, c, err)
		}
	}
	wc := w
	if check != nil {
		if err := check(prev, &wc); err != nil {
			return refuse(err), nil
		}
	}
	if wc.Record.ID != w.Record.ID {
		return refuse(fmt.Errorf("%w: the check changed record id %s", wallet.ErrInvalid, w.Record.ID)), nil
	}
	if !fitsInt32(wc.Record.Version) {
		return refuse(fmt.Errorf("%w: record %s: version %d is out of range", wallet.ErrInvalid, wc.Record.ID, wc.Record.Version)), nil
	}
	vk := versionKey{c, wc.Record.ID, wc.Record.Version}
	if wc.Record.Version != w.Record.Version {
		// check filled the version: that one must be new too. It is
		// when it is above the latest known; else ask.
		_, dup := existing[vk]
		if !dup && hasLatest && wc.Record.Version <= lv.version {
			if err := tx.QueryRow(ctx, sqlVersionExists, c, vk.record, int32(vk.version)).Scan(&dup); err != nil {
				return decided{}, err
			}
		}
		if dup {
			return refuse(fmt.Errorf("%w: record %s already has a version %d", warehouse.ErrConflict, wc.Record.ID, wc.Record.Version)), nil
		}
	}
	raw, err := jsonText(wc.Record)
	if err != nil {
		return refuse(fmt.Errorf("%w: record %s: %v", wallet.ErrInvalid, wc.Record.ID, err)), nil
	}
	heads[c]++
	seq := heads[c]
	existing[vk] = storedVersion{seq: seq, digest: nonNil(w.Digest), raw: raw}
	if !hasLatest || wc.Record.Version > lv.version {
		latest[rk] = latestVersion{version: wc.Record.Version, raw: raw}
	}
	return decided{ItemResult: warehouse.ItemResult{Entry: warehouse.Entry{Seq: seq, Record: wc.Record}}, raw: raw}, nil
}

// fitsInt32 reports whether a version fits the integer column.
func fitsInt32(v int) bool { return v >= math.MinInt32 && v <= math.MaxInt32 }

func refuse(err error) decided { return decided{ItemResult: warehouse.ItemResult{Err: err}} }

// replayBatch returns the stored results of the batch with b's key, or
// ErrConflict when that key was used for another batch.
func replayBatch(ctx context.Context, tx pgx.Tx, b warehouse.Batch) (warehouse.BatchResult, error) {
	var digest, results []byte
	err := tx.QueryRow(ctx, `SELECT digest, results FROM batches WHERE agency = $1 AND key = $2`, b.Agency, b.Key).Scan(&digest, &results)
	if err != nil {
		return warehouse.BatchResult{}, err
	}
	if !bytes.Equal(digest, b.BatchDigest) {
		return warehouse.BatchResult{}, fmt.Errorf("%w: idempotency key %q was used for another batch", warehouse.ErrConflict, b.Key)
	}
	var items []storedItem
	if err := json.Unmarshal(results, &items); err != nil {
		return warehouse.BatchResult{}, fmt.Errorf("damaged results of batch %q: %w", b.Key, err)
	}
	out := warehouse.BatchResult{Items: make([]warehouse.ItemResult, len(items)), Replayed: true}
	var cs []string
	var seqs []int64
	for i, it := range items {
		out.Items[i] = warehouse.ItemResult{Duplicate: it.Duplicate, Err: it.Err.Err()}
		if it.Seq > 0 {
			cs, seqs = append(cs, it.Citizen), append(seqs, it.Seq)
		}
	}
	if len(cs) == 0 {
		return out, nil
	}
	// Feed entries never change: read them back, by (citizen, seq).
	rows, err := tx.Query(ctx, sqlReplayEntries, cs, seqs)
	if err != nil {
		return warehouse.BatchResult{}, err
	}
	type at struct {
		c string
		s int64
	}
	recs := make(map[at]wallet.Record, len(cs))
	var k at
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&k.c, &k.s, &raw}, func() error {
		var r wallet.Record
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("damaged entry %d of %s: %w", k.s, k.c, err)
		}
		recs[k] = r
		return nil
	})
	if err != nil {
		return warehouse.BatchResult{}, err
	}
	for i, it := range items {
		if it.Seq > 0 {
			r, ok := recs[at{it.Citizen, it.Seq}]
			if !ok {
				return warehouse.BatchResult{}, fmt.Errorf("batch %q: feed entry %d of %s missing", b.Key, it.Seq, it.Citizen)
			}
			out.Items[i].Entry = warehouse.Entry{Seq: it.Seq, Record: r}
		}
	}
	return out, nil
}

const sqlReplayEntries = `SELECT u.c, u.s, r.record
	FROM unnest($1::text[], $2::int8[]) AS u(c, s)
	JOIN records r ON r.citizen_id = u.c AND r.seq = u.s`

// Load stores citizens whose feeds are empty, with their records, in one
// transaction: the profiles are copied (COPY) into a session-local
// temporary table, inserted into citizens (ON CONFLICT DO UPDATE ...
// WHERE head = 0, in id order: this locks every listed citizen and
// returns those with an empty feed), and the records of those are
// copied straight into records, seq 1..n; then their heads are set to n.
// A citizen listed twice is stored as Load would store it given the two
// one after the other: the second is skipped unless the first had no
// records.
func (s *Store) Load(ctx context.Context, cs []warehouse.CitizenRecords) (int, error) {
	const op = "load"
	type citizen struct {
		profile []byte
		writes  []warehouse.Write
		times   int // how many of its listings are stored (a re-listing of an empty one is stored again)
	}
	byID := make(map[string]*citizen, len(cs))
	for i, c := range cs {
		id := c.Profile.CitizenID
		if id == "" || !storable(id) {
			return 0, invalid(op, "citizen %d of %d: a profile without a valid citizen id", i+1, len(cs))
		}
		seen := make(map[versionKey]bool, len(c.Writes))
		for _, w := range c.Writes {
			if !storable(w.Record.ID) || !fitsInt32(w.Record.Version) {
				return 0, invalid(op, "citizen %d of %d: a record id is not UTF-8 text without NUL, or its version is out of range", i+1, len(cs))
			}
			k := versionKey{"", w.Record.ID, w.Record.Version}
			if seen[k] {
				return 0, invalid(op, "citizen %d of %d: record %s version %d listed twice", i+1, len(cs), w.Record.ID, w.Record.Version)
			}
			seen[k] = true
		}
		p, err := jsonText(c.Profile)
		if err != nil {
			return 0, wrap(op, err)
		}
		if old, ok := byID[id]; ok {
			if len(old.writes) == 0 {
				old.profile, old.writes = p, c.Writes
				old.times++
			}
			continue
		}
		byID[id] = &citizen{profile: p, writes: c.Writes, times: 1}
	}
	if len(byID) == 0 {
		return 0, nil
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	// The records' JSON, made once (a retry reuses it).
	raws := make(map[string][][]byte, len(byID))
	for _, id := range ids {
		c := byID[id]
		rs := make([][]byte, len(c.writes))
		for j, w := range c.writes {
			b, err := jsonText(w.Record)
			if err != nil {
				return 0, invalid(op, "citizen %s: record %s: %v", id, w.Record.ID, err)
			}
			rs[j] = b
		}
		raws[id] = rs
	}

	total := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		total = 0
		if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS load_citizens (
			id text COLLATE "C" NOT NULL, profile jsonb NOT NULL) ON COMMIT DELETE ROWS`); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"load_citizens"}, []string{"id", "profile"},
			pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) {
				return []any{ids[i], json.RawMessage(byID[ids[i]].profile)}, nil
			}))
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO citizens (id, profile)
			SELECT id, profile FROM load_citizens ORDER BY id
			ON CONFLICT (id) DO UPDATE SET profile = EXCLUDED.profile WHERE citizens.head = 0
			RETURNING id`)
		if err != nil {
			return err
		}
		empty, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		slices.Sort(empty)
		var hc []string
		var hn []int64
		n := 0
		for _, id := range empty {
			c := byID[id]
			total += c.times
			if len(c.writes) > 0 {
				hc, hn = append(hc, id), append(hn, int64(len(c.writes)))
				n += len(c.writes)
			}
		}
		if n == 0 {
			return nil
		}
		ci, wi := 0, 0
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"records"},
			[]string{"citizen_id", "seq", "record_id", "version", "digest", "record"},
			pgx.CopyFromFunc(func() ([]any, error) {
				for ci < len(hc) && wi == len(byID[hc[ci]].writes) {
					ci, wi = ci+1, 0
				}
				if ci == len(hc) {
					return nil, nil
				}
				id := hc[ci]
				w := byID[id].writes[wi]
				row := []any{id, int64(wi + 1), w.Record.ID, int32(w.Record.Version), nonNil(w.Digest), json.RawMessage(raws[id][wi])}
				wi++
				return row, nil
			}))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE citizens AS c SET head = u.n
			FROM unnest($1::text[], $2::int8[]) AS u(id, n) WHERE c.id = u.id`, hc, hn)
		return err
	})
	if err != nil {
		return 0, wrap(op, err)
	}
	return total, nil
}

// Feed returns at most limit entries after seq after, and the head, in
// one statement (one snapshot, so no entry is above the head returned):
// an index range scan of records_pkey from (citizen, after+1).
func (s *Store) Feed(ctx context.Context, citizenID string, after int64, limit int) ([]warehouse.Entry, int64, error) {
	const op = "feed"
	if !storable(citizenID) {
		return nil, 0, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	rows, err := s.pool.Query(ctx, sqlFeed, citizenID, after, max(limit, 0))
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	var out []warehouse.Entry
	var head int64
	found := false
	var seq *int64
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&head, &seq, &raw}, func() error {
		found = true
		if seq == nil {
			return nil
		}
		e := warehouse.Entry{Seq: *seq}
		if err := json.Unmarshal(raw, &e.Record); err != nil {
			return fmt.Errorf("damaged entry %d of %s: %w", *seq, citizenID, err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	if !found {
		return nil, 0, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	return out, head, nil
}

const sqlFeed = `SELECT c.head, r.seq, r.record
	FROM citizens c
	LEFT JOIN LATERAL (
		SELECT seq, record FROM records
		WHERE citizen_id = c.id AND seq > $2
		ORDER BY seq LIMIT $3) AS r ON true
	WHERE c.id = $1
	ORDER BY r.seq`

// Latest returns the latest version of each of a citizen's records, by
// the seq of each record's first version. It reads the citizen's rows
// only (the citizen's prefix of records_version_key).
func (s *Store) Latest(ctx context.Context, citizenID string) ([]wallet.Record, error) {
	const op = "latest"
	if !storable(citizenID) {
		return nil, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	rows, err := s.pool.Query(ctx, sqlLatest, citizenID)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.Record, error) {
		var raw []byte
		var rec wallet.Record
		if err := r.Scan(&raw); err != nil {
			return rec, err
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return rec, fmt.Errorf("damaged record of %s: %w", citizenID, err)
		}
		return rec, nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	if len(out) == 0 {
		if err := s.knownCitizen(ctx, citizenID); err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	return out, nil
}

const sqlLatest = `SELECT l.record FROM (
		SELECT DISTINCT ON (record_id) record, min(seq) OVER (PARTITION BY record_id) AS first
		FROM records WHERE citizen_id = $1
		ORDER BY record_id, version DESC) AS l
	ORDER BY l.first`

// knownCitizen is nil if the citizen exists, warehouse.ErrUnknownCitizen
// if not.
func (s *Store) knownCitizen(ctx context.Context, citizenID string) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM citizens WHERE id = $1)`, citizenID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return warehouse.ErrUnknownCitizen
	}
	return nil
}
