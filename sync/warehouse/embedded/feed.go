package embedded

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// PutCitizens adds citizens or updates their profiles; their feeds and
// heads are untouched. Large lists are written in several transactions
// (each profile is written whole).
func (s *Store) PutCitizens(ctx context.Context, ps []wallet.Profile) error {
	type kv struct{ k, v []byte }
	var chunk []kv
	var size int64
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := s.update(ctx, func(txn *badger.Txn) error {
			for _, e := range chunk {
				if err := txn.Set(e.k, e.v); err != nil {
					return err
				}
			}
			return nil
		})
		chunk, size = chunk[:0], 0
		return err
	}
	for _, p := range ps {
		if err := checkParts(p.CitizenID); err != nil || p.CitizenID == "" {
			return fmt.Errorf("embedded: put citizens: %w: a profile without a valid citizen id", errInvalid)
		}
		v, err := jsonBytes(p)
		if err != nil {
			return fmt.Errorf("embedded: put citizens: %w", err)
		}
		k := key(pCitizen, p.CitizenID)
		if size+entrySize(k, v) > s.budget() || int64(len(chunk)+1) > s.countBudget() {
			if err := flush(); err != nil {
				return fmt.Errorf("embedded: put citizens: %w", err)
			}
		}
		chunk = append(chunk, kv{k, v})
		size += entrySize(k, v)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("embedded: put citizens: %w", err)
	}
	return nil
}

// Citizen returns a citizen's profile and feed head.
func (s *Store) Citizen(ctx context.Context, citizenID string) (wallet.Profile, int64, error) {
	var p wallet.Profile
	var h int64
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		if p, err = profile(txn, citizenID); err != nil {
			return err
		}
		h, err = head(txn, key(pHead, citizenID))
		return err
	})
	if err != nil {
		return wallet.Profile{}, 0, fmt.Errorf("embedded: citizen: %w", err)
	}
	return p, h, nil
}

// profile reads a citizen's profile; warehouse.ErrUnknownCitizen if absent.
func profile(txn *badger.Txn, citizenID string) (wallet.Profile, error) {
	var p wallet.Profile
	if hasNUL(citizenID) {
		return p, warehouse.ErrUnknownCitizen
	}
	err := getJSON(txn, key(pCitizen, citizenID), &p)
	if errors.Is(err, errNotFound) {
		return p, warehouse.ErrUnknownCitizen
	}
	return p, err
}

// knownCitizen fails with warehouse.ErrUnknownCitizen if the citizen is
// absent (read with txn.Get).
func knownCitizen(txn *badger.Txn, citizenID string) error {
	if hasNUL(citizenID) {
		return warehouse.ErrUnknownCitizen
	}
	ok, err := exists(txn, key(pCitizen, citizenID))
	if err == nil && !ok {
		err = warehouse.ErrUnknownCitizen
	}
	return err
}

// Citizens lists profiles in citizen-id order after the id after.
func (s *Store) Citizens(ctx context.Context, after string, limit int) ([]wallet.Profile, error) {
	var out []wallet.Profile
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		if limit <= 0 {
			return nil
		}
		prefix := []byte(pCitizen)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(limit, 100)})
		defer it.Close()
		start := prefix
		if after != "" {
			// The first key after cit NUL after: ids never hold NUL.
			start = under(pCitizen, after)
		}
		for it.Seek(start); it.Valid() && len(out) < limit; it.Next() {
			var p wallet.Profile
			item := it.Item()
			if err := item.Value(func(b []byte) error { return decode(item.Key(), b, &p) }); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: citizens: %w", err)
	}
	return out, nil
}

// storedBatch is what a batch with an idempotency key leaves behind: its
// digest and, per item, where its entry is (citizen and seq) or why it
// was refused. Entries are read back from the feed on a replay (a feed
// entry never changes), so the batch stays small.
type storedBatch struct {
	Digest []byte       `json:"digest"`
	Items  []storedItem `json:"items"`
}

type storedItem struct {
	Citizen   string               `json:"c,omitempty"`
	Seq       int64                `json:"s,omitempty"`
	Duplicate bool                 `json:"d,omitempty"`
	Err       *warehouse.ItemError `json:"e,omitempty"`
}

// citizenState is what one Append transaction knows of a citizen.
type citizenState struct {
	err   error // warehouse.ErrUnknownCitizen if absent
	head  int64
	dirty bool
}

// Append stores a batch of record versions in one transaction; see
// warehouse.Store. check may run more than once for one item (when the
// transaction is retried after a conflict, it starts again from the
// batch as given), so it must do nothing but validate and complete the
// write it is handed.
func (s *Store) Append(ctx context.Context, b warehouse.Batch, check warehouse.CheckFunc) (warehouse.BatchResult, error) {
	if b.Key != "" && hasNUL(b.Agency, b.Key) {
		return warehouse.BatchResult{}, fmt.Errorf("embedded: append: %w: NUL in the agency or idempotency key", errInvalid)
	}
	var audit warehouse.AuditEntry
	if b.Audit != nil {
		var err error
		if audit, err = warehouse.PrepareAudit(*b.Audit, time.Now()); err != nil {
			return warehouse.BatchResult{}, fmt.Errorf("embedded: append: %w", err)
		}
	}
	names := make([]string, 0, len(b.Writes))
	for _, w := range b.Writes {
		names = append(names, w.CitizenID)
	}
	unlock := s.lock(names...)
	defer unlock()
	if b.Audit != nil {
		unlockAudit := s.lockAudit() // after the stripes, as lockAudit requires
		defer unlockAudit()
	}

	var res warehouse.BatchResult
	err := s.update(ctx, func(txn *badger.Txn) error {
		res = warehouse.BatchResult{}
		var bkey []byte
		if b.Key != "" {
			bkey = key(pBatch, b.Agency, b.Key)
			var sb storedBatch
			switch err := getJSON(txn, bkey, &sb); {
			case err == nil:
				if !bytes.Equal(sb.Digest, b.BatchDigest) {
					return fmt.Errorf("%w: idempotency key %q was used for another batch", warehouse.ErrConflict, b.Key)
				}
				items, err := replay(txn, sb.Items)
				res = warehouse.BatchResult{Items: items, Replayed: true}
				return err
			case !errors.Is(err, errNotFound):
				return err
			}
		}
		cits := map[string]*citizenState{}
		res.Items = make([]warehouse.ItemResult, len(b.Writes))
		stored := make([]storedItem, len(b.Writes))
		for i, w := range b.Writes {
			if i%64 == 63 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, err := appendOne(txn, cits, w, check)
			if err != nil {
				return err
			}
			res.Items[i] = r
			stored[i] = storedItem{Seq: r.Entry.Seq, Duplicate: r.Duplicate, Err: warehouse.EncodeItemError(r.Err)}
			if r.Entry.Seq > 0 {
				stored[i].Citizen = w.CitizenID
			}
		}
		for id, c := range cits {
			if c.dirty {
				if err := txn.Set(key(pHead, id), u64(c.head)); err != nil {
					return err
				}
			}
		}
		if b.Audit != nil {
			e := audit
			var err error
			if e.Details, err = warehouse.AuditBatchDetails(audit.Details, b.Writes, res.Items); err != nil {
				return err
			}
			if _, err := appendAudit(txn, e); err != nil {
				return err
			}
		}
		if bkey != nil {
			return setJSON(txn, bkey, storedBatch{Digest: b.BatchDigest, Items: stored})
		}
		return nil
	})
	if err != nil {
		err = s.tooBig(fmt.Sprintf("a batch of %d writes", len(b.Writes)), err)
		return warehouse.BatchResult{}, fmt.Errorf("embedded: append: %w", err)
	}
	return res, nil
}

// appendOne applies the rules of warehouse.Store.Append to one write. An
// item's refusal is in the result; the error is a failure of the store.
func appendOne(txn *badger.Txn, cits map[string]*citizenState, w warehouse.Write, check warehouse.CheckFunc) (warehouse.ItemResult, error) {
	cid := w.CitizenID
	c, ok := cits[cid]
	if !ok {
		// The head is read here, with txn.Get, for every citizen the
		// batch touches: a concurrent writer of that citizen writes it,
		// so badger's conflict check orders the two transactions.
		c = &citizenState{err: knownCitizen(txn, cid)}
		if c.err != nil && !errors.Is(c.err, warehouse.ErrUnknownCitizen) {
			return warehouse.ItemResult{}, c.err
		}
		if c.err == nil {
			h, err := head(txn, key(pHead, cid))
			if err != nil {
				return warehouse.ItemResult{}, err
			}
			c.head = h
		}
		cits[cid] = c
	}
	if c.err != nil {
		return warehouse.ItemResult{Err: warehouse.ErrUnknownCitizen}, nil
	}
	if err := checkParts(w.Record.ID); err != nil {
		return warehouse.ItemResult{Err: fmt.Errorf("%w: record id contains NUL", errInvalid)}, nil
	}
	ik := versionKey(pRecordID, cid, w.Record.ID, w.Record.Version)
	r, done, err := duplicate(txn, cid, ik, w)
	if done || err != nil {
		return r, err
	}
	prev, err := latest(txn, cid, w.Record.ID)
	if err != nil {
		return warehouse.ItemResult{}, err
	}
	wc := w
	if check != nil {
		if err := check(prev, &wc); err != nil {
			return warehouse.ItemResult{Err: err}, nil
		}
	}
	if wc.Record.ID != w.Record.ID {
		return warehouse.ItemResult{Err: fmt.Errorf("%w: the check changed record id %s", errInvalid, w.Record.ID)}, nil
	}
	if wc.Record.Version != w.Record.Version {
		// check filled the version: that one must be new too.
		ik = versionKey(pRecordID, cid, wc.Record.ID, wc.Record.Version)
		ok, err := exists(txn, ik)
		if err != nil {
			return warehouse.ItemResult{}, err
		}
		if ok {
			err := fmt.Errorf("%w: record %s already has a version %d", warehouse.ErrConflict, wc.Record.ID, wc.Record.Version)
			return warehouse.ItemResult{Err: err}, nil
		}
	}
	v, err := jsonBytes(wc.Record)
	if err != nil {
		return warehouse.ItemResult{}, err
	}
	seq := c.head + 1
	if err := txn.Set(seqKey(pRecord, cid, seq), v); err != nil {
		return warehouse.ItemResult{}, err
	}
	if err := txn.Set(ik, append(u64(seq), w.Digest...)); err != nil {
		return warehouse.ItemResult{}, err
	}
	// The older versions' credentials stop verifying as current.
	if err := invalidateOlder(txn, cid, wc.Record.ID, wc.Record.Version); err != nil {
		return warehouse.ItemResult{}, err
	}
	c.head, c.dirty = seq, true
	return warehouse.ItemResult{Entry: warehouse.Entry{Seq: seq, Record: wc.Record}}, nil
}

// duplicate looks the write's (record id, version) up in the index: a
// Duplicate (same digest) or an ErrConflict (another) is done.
func duplicate(txn *badger.Txn, cid string, ik []byte, w warehouse.Write) (warehouse.ItemResult, bool, error) {
	v, err := get(txn, ik)
	if errors.Is(err, errNotFound) {
		return warehouse.ItemResult{}, false, nil
	}
	if err != nil {
		return warehouse.ItemResult{}, false, err
	}
	seq, err := getU64(v[:min(8, len(v))])
	if err != nil {
		return warehouse.ItemResult{}, false, fmt.Errorf("damaged index under %q: %w", ik, err)
	}
	if !bytes.Equal(v[8:], w.Digest) {
		err := fmt.Errorf("%w: record %s version %d is stored with other content", warehouse.ErrConflict, w.Record.ID, w.Record.Version)
		return warehouse.ItemResult{Err: err}, true, nil
	}
	e, err := entry(txn, cid, seq)
	if err != nil {
		return warehouse.ItemResult{}, false, err
	}
	return warehouse.ItemResult{Entry: e, Duplicate: true}, true, nil
}

// replay rebuilds a stored batch's results.
func replay(txn *badger.Txn, items []storedItem) ([]warehouse.ItemResult, error) {
	out := make([]warehouse.ItemResult, len(items))
	for i, it := range items {
		out[i] = warehouse.ItemResult{Duplicate: it.Duplicate, Err: it.Err.Err()}
		if it.Seq > 0 {
			e, err := entry(txn, it.Citizen, it.Seq)
			if err != nil {
				return nil, err
			}
			out[i].Entry = e
		}
	}
	return out, nil
}

// entry reads one feed entry.
func entry(txn *badger.Txn, cid string, seq int64) (warehouse.Entry, error) {
	e := warehouse.Entry{Seq: seq}
	if err := getJSON(txn, seqKey(pRecord, cid, seq), &e.Record); err != nil {
		if errors.Is(err, errNotFound) {
			err = fmt.Errorf("feed entry %d missing", seq)
		}
		return e, err
	}
	return e, nil
}

// latest returns the highest stored version of a record (nil if none),
// by a reverse seek within rid NUL citizen NUL record id: the versions
// sort in order, so it is the first key found. In an update transaction
// it sees the transaction's own writes.
func latest(txn *badger.Txn, cid, rid string) (*wallet.Record, error) {
	prefix := under(pRecordID, cid, rid)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
	seek := append(slices.Clip(prefix), bytes.Repeat([]byte{0xff}, 9)...)
	it.Seek(seek)
	if !it.Valid() {
		it.Close()
		return nil, nil
	}
	item := it.Item()
	v, err := item.ValueCopy(nil)
	k := item.KeyCopy(nil)
	it.Close()
	if err != nil {
		return nil, err
	}
	seq, err := getU64(v[:min(8, len(v))])
	if err != nil {
		return nil, fmt.Errorf("damaged index under %q: %w", k, err)
	}
	e, err := entry(txn, cid, seq)
	if err != nil {
		return nil, err
	}
	return &e.Record, nil
}

// Load stores citizens with empty feeds and their records. Citizens are
// written in transactions of up to half badger's transaction limit, each
// citizen whole within one, and each transaction checks (with txn.Get)
// the head of every citizen it writes: a citizen whose feed gained an
// entry meanwhile, from Append or another Load, is skipped.
func (s *Store) Load(ctx context.Context, cs []warehouse.CitizenRecords) (int, error) {
	type kv struct{ k, v []byte }
	type prepared struct {
		id  string
		kvs []kv // profile, then per record the entry and its index key
		n   int64
	}
	prepare := func(c warehouse.CitizenRecords) (prepared, int64, error) {
		id := c.Profile.CitizenID
		if id == "" || hasNUL(id) {
			return prepared{}, 0, fmt.Errorf("%w: a profile without a valid citizen id", errInvalid)
		}
		p := prepared{id: id, n: int64(len(c.Writes))}
		v, err := jsonBytes(c.Profile)
		if err != nil {
			return p, 0, err
		}
		p.kvs = append(p.kvs, kv{key(pCitizen, id), v})
		for i, w := range c.Writes {
			if hasNUL(w.Record.ID) {
				return p, 0, fmt.Errorf("%w: record id contains NUL", errInvalid)
			}
			v, err := jsonBytes(w.Record)
			if err != nil {
				return p, 0, err
			}
			seq := int64(i + 1)
			p.kvs = append(p.kvs,
				kv{seqKey(pRecord, id, seq), v},
				kv{versionKey(pRecordID, id, w.Record.ID, w.Record.Version), append(u64(seq), w.Digest...)})
		}
		if p.n > 0 {
			p.kvs = append(p.kvs, kv{key(pHead, id), u64(p.n)})
		}
		size := entrySize(key(pHead, id), nil)
		for _, e := range p.kvs {
			size += entrySize(e.k, e.v)
		}
		return p, size, nil
	}
	total := 0
	var chunk []prepared
	var size, count int64
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		ids := make([]string, len(chunk))
		for i, p := range chunk {
			ids[i] = p.id
		}
		unlock := s.lock(ids...)
		defer unlock()
		n := 0
		err := s.update(ctx, func(txn *badger.Txn) error {
			n = 0
			for _, p := range chunk {
				h, err := head(txn, key(pHead, p.id))
				if err != nil {
					return err
				}
				if h > 0 {
					continue
				}
				for _, e := range p.kvs {
					if err := txn.Set(e.k, e.v); err != nil {
						return err
					}
				}
				n++
			}
			return nil
		})
		if err != nil {
			return s.tooBig("a load chunk", err)
		}
		total += n
		chunk, size, count = chunk[:0], 0, 0
		return nil
	}
	for i, c := range cs {
		p, sz, err := prepare(c)
		if err != nil {
			return total, fmt.Errorf("embedded: load: citizen %d of %d: %w", i+1, len(cs), err)
		}
		if sz > s.budget() || int64(len(p.kvs)) > s.countBudget() {
			return total, fmt.Errorf("embedded: load: citizen %d of %d: %w: %d records (%d bytes) do not fit one transaction (%d bytes)",
				i+1, len(cs), errInvalid, len(c.Writes), sz, s.budget())
		}
		if size+sz > s.budget() || count+int64(len(p.kvs)) > s.countBudget() {
			if err := flush(); err != nil {
				return total, fmt.Errorf("embedded: load: %w", err)
			}
		}
		chunk = append(chunk, p)
		size += sz
		count += int64(len(p.kvs))
	}
	if err := flush(); err != nil {
		return total, fmt.Errorf("embedded: load: %w", err)
	}
	return total, nil
}

// budget is how many bytes (as badger counts them) a transaction built
// in pieces takes at most: half badger's limit, a wide margin.
func (s *Store) budget() int64      { return s.db.MaxBatchSize() / 2 }
func (s *Store) countBudget() int64 { return s.db.MaxBatchCount() / 2 }

// entrySize is what badger counts for a key and an inline value in a
// transaction (Txn.checkSize).
func entrySize(k, v []byte) int64 { return int64(len(k)+len(v)) + 2 + 10 }

// Feed returns at most limit entries after seq after: it seeks to
// rec NUL citizen NUL (after+1) and reads no further.
func (s *Store) Feed(ctx context.Context, citizenID string, after int64, limit int) ([]warehouse.Entry, int64, error) {
	var out []warehouse.Entry
	var h int64
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		if err := knownCitizen(txn, citizenID); err != nil {
			return err
		}
		var err error
		if h, err = head(txn, key(pHead, citizenID)); err != nil {
			return err
		}
		after = max(after, 0)
		if limit <= 0 || after >= h {
			return nil
		}
		n := int(min(int64(limit), h-after))
		out = make([]warehouse.Entry, 0, n)
		prefix := under(pRecord, citizenID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(n, 100)})
		defer it.Close()
		for it.Seek(seqKey(pRecord, citizenID, after+1)); it.Valid() && len(out) < n; it.Next() {
			item := it.Item()
			k := item.Key()
			e := warehouse.Entry{Seq: int64(binary.BigEndian.Uint64(k[len(prefix):]))}
			if err := item.Value(func(b []byte) error { return decode(k, b, &e.Record) }); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("embedded: feed: %w", err)
	}
	return out, h, nil
}

// Latest returns the latest version of each of a citizen's records, in
// the order of each record's first version. It scans the citizen's
// record-id index (small values) and reads one entry per record.
func (s *Store) Latest(ctx context.Context, citizenID string) ([]wallet.Record, error) {
	var out []wallet.Record
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		if err := knownCitizen(txn, citizenID); err != nil {
			return err
		}
		type rec struct{ first, last int64 }
		var recs []rec
		prefix := under(pRecordID, citizenID)
		var cur []byte // the record id of the last key
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			if len(k) < len(prefix)+9 {
				it.Close()
				return fmt.Errorf("damaged index key %q", k)
			}
			id := k[len(prefix) : len(k)-9]
			var seq int64
			err := item.Value(func(b []byte) (err error) { seq, err = getU64(b[:min(8, len(b))]); return err })
			if err != nil {
				it.Close()
				return fmt.Errorf("damaged index under %q: %w", k, err)
			}
			if len(recs) == 0 || !bytes.Equal(id, cur) {
				cur = append(cur[:0], id...)
				recs = append(recs, rec{seq, seq})
				continue
			}
			r := &recs[len(recs)-1]
			r.first, r.last = min(r.first, seq), seq // versions ascend: the last is the latest
		}
		it.Close()
		slices.SortFunc(recs, func(a, b rec) int { return cmp.Compare(a.first, b.first) })
		out = make([]wallet.Record, 0, len(recs))
		for _, r := range recs {
			e, err := entry(txn, citizenID, r.last)
			if err != nil {
				return err
			}
			out = append(out, e.Record)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: latest: %w", err)
	}
	return out, nil
}
