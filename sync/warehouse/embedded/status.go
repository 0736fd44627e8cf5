package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Status-list keys (beside the layout of doc.go):
//
//	sth NUL agency                                  -> current list(8) next index(8)
//	str NUL citizen NUL record NUL version(8) agency NUL list(8) idx(8) -> empty (a record's entries)
//	stv NUL agency NUL list(8) idx(8)               -> empty (the INVALID entries)
//	stc NUL agency NUL list(8)                      -> empty; its badger version is the list's Changed
//	stm NUL agency NUL list(8)                      -> built-from Changed(8) built-at nanos(8)
//	stt NUL agency NUL list(8)                      -> the stored token (JSON)
const (
	pStatHead    = "sth\x00"
	pStatRecord  = "str\x00"
	pStatInvalid = "stv\x00"
	pStatChanged = "stc\x00"
	pStatMeta    = "stm\x00"
	pStatToken   = "stt\x00"
)

func listKey(prefix, agency string, list int) []byte {
	return binary.BigEndian.AppendUint64(under(prefix, agency), uint64(list))
}

func entryKey(prefix, agency string, list, idx int) []byte {
	return binary.BigEndian.AppendUint64(listKey(prefix, agency, list), uint64(idx))
}

// statRecordKey links an entry to its record version.
func statRecordKey(cid, rid string, version int, e warehouse.StatusIndex) []byte {
	k := versionKey(pStatRecord, cid, rid, version)
	k = append(k, e.Agency...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(e.List))
	return binary.BigEndian.AppendUint64(k, uint64(e.Index))
}

// AllocateStatus implements warehouse.StatusStore: under the agency's
// stripe lock and the citizens' (which Append holds too, so the record's
// latest version cannot change meanwhile), one transaction reads and
// bumps the head.
func (s *Store) AllocateStatus(ctx context.Context, agency string, capacity int, slots []warehouse.StatusSlot, order func(list, n int) int) ([]warehouse.StatusIndex, error) {
	if agency == "" || hasNUL(agency) || capacity < 1 {
		return nil, fmt.Errorf("embedded: allocate status: %w: agency %q, capacity %d", errInvalid, agency, capacity)
	}
	names := []string{"\x00status\x00" + agency}
	for _, sl := range slots {
		if hasNUL(sl.CitizenID, sl.DeviceID, sl.RecordID) {
			return nil, fmt.Errorf("embedded: allocate status: %w: NUL in an id", errInvalid)
		}
		names = append(names, sl.CitizenID)
	}
	defer s.lock(names...)()
	var out []warehouse.StatusIndex
	err := s.update(ctx, func(txn *badger.Txn) error {
		out = make([]warehouse.StatusIndex, len(slots))
		hk := key(pStatHead, agency)
		// The head: the list being filled, its next entry, and the first
		// list in order (a 16-byte head, written before entries had an
		// order, has none: its list keeps filling at n, the next is the
		// first in order).
		list, next, orderedFrom := 0, 0, 0
		v, err := get(txn, hk)
		switch {
		case errors.Is(err, errNotFound):
		case err != nil:
			return err
		case len(v) == 16 || len(v) == 24:
			list, next = int(binary.BigEndian.Uint64(v[:8])), int(binary.BigEndian.Uint64(v[8:16]))
			if orderedFrom = list; len(v) == 24 {
				orderedFrom = int(binary.BigEndian.Uint64(v[16:]))
			} else if next > 0 {
				orderedFrom = list + 1
			}
		default:
			return fmt.Errorf("damaged status head of %s", agency)
		}
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
			e := warehouse.StatusIndex{Agency: agency, List: list, Index: idx}
			next++
			out[i] = e
			if err := txn.Set(statRecordKey(sl.CitizenID, sl.RecordID, sl.Version, e), nil); err != nil {
				return err
			}
			if err := txn.Set(listKey(pStatChanged, agency, list), nil); err != nil { // the list exists
				return err
			}
			rec, err := latest(txn, sl.CitizenID, sl.RecordID)
			if err != nil && !errors.Is(err, warehouse.ErrUnknownCitizen) {
				return err
			}
			if rec != nil && (rec.Version > sl.Version || rec.Status == wallet.StatusWithdrawn) {
				if err := txn.Set(entryKey(pStatInvalid, agency, e.List, e.Index), nil); err != nil {
					return err
				}
			}
		}
		return txn.Set(hk, binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(u64(int64(list)), uint64(next)), uint64(orderedFrom)))
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: allocate status: %w", s.tooBig(fmt.Sprintf("%d status entries", len(slots)), err))
	}
	return out, nil
}

// invalidateOlder makes INVALID every status entry of record rid of cid
// given for a version below version: Append calls it for every stored
// write, in its transaction.
func invalidateOlder(txn *badger.Txn, cid, rid string, version int) error {
	prefix := under(pStatRecord, cid, rid)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var marks [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()[len(prefix):]
		if len(k) < 8+1+16 {
			return fmt.Errorf("damaged status link under %q", prefix)
		}
		if unordered(k[:8]) >= int64(version) {
			break // versions sort in order
		}
		rest := k[8:]
		agency := string(rest[:len(rest)-17])
		if rest[len(rest)-17] != 0 {
			return fmt.Errorf("damaged status link under %q", prefix)
		}
		list := int(binary.BigEndian.Uint64(rest[len(rest)-16:]))
		idx := int(binary.BigEndian.Uint64(rest[len(rest)-8:]))
		marks = append(marks, entryKey(pStatInvalid, agency, list, idx), listKey(pStatChanged, agency, list))
	}
	it.Close()
	for _, m := range marks {
		if err := txn.Set(m, nil); err != nil {
			return err
		}
	}
	return nil
}

// InvalidateStatus implements warehouse.StatusStore.
func (s *Store) InvalidateStatus(ctx context.Context, idx []warehouse.StatusIndex) error {
	for _, e := range idx {
		if hasNUL(e.Agency) || e.List < 0 || e.Index < 0 {
			return fmt.Errorf("embedded: invalidate status: %w", errInvalid)
		}
	}
	err := s.update(ctx, func(txn *badger.Txn) error {
		for _, e := range idx {
			if err := txn.Set(entryKey(pStatInvalid, e.Agency, e.List, e.Index), nil); err != nil {
				return err
			}
			if err := txn.Set(listKey(pStatChanged, e.Agency, e.List), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: invalidate status: %w", err)
	}
	return nil
}

// StatusLists implements warehouse.StatusStore.
func (s *Store) StatusLists(ctx context.Context) ([]warehouse.StatusListState, error) {
	var out []warehouse.StatusListState
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pStatChanged)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()[len(pStatChanged):]
			if len(k) < 9 || k[len(k)-9] != 0 {
				return fmt.Errorf("damaged status key %q", it.Item().Key())
			}
			st := warehouse.StatusListState{Agency: string(k[:len(k)-9]), List: int(binary.BigEndian.Uint64(k[len(k)-8:])),
				Changed: int64(it.Item().Version()), Built: -1}
			m, err := get(txn, listKey(pStatMeta, st.Agency, st.List))
			switch {
			case errors.Is(err, errNotFound):
			case err != nil:
				return err
			case len(m) != 16:
				return fmt.Errorf("damaged status meta of %s/%d", st.Agency, st.List)
			default:
				st.Built = int64(binary.BigEndian.Uint64(m[:8]))
				st.BuiltAt = time.Unix(0, int64(binary.BigEndian.Uint64(m[8:]))).UTC()
			}
			out = append(out, st)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: status lists: %w", err)
	}
	return out, nil
}

// StatusSnapshot implements warehouse.StatusStore: one read transaction.
func (s *Store) StatusSnapshot(ctx context.Context, agency string, list int) (warehouse.StatusSnapshot, error) {
	var snap warehouse.StatusSnapshot
	err := s.view(ctx, func(txn *badger.Txn) error {
		snap = warehouse.StatusSnapshot{}
		item, err := txn.Get(listKey(pStatChanged, agency, list))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return warehouse.ErrNotFound
		}
		if err != nil {
			return err
		}
		snap.Changed = int64(item.Version())
		prefix := listKey(pStatInvalid, agency, list)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+8 {
				return fmt.Errorf("damaged status key %q", k)
			}
			snap.Invalid = append(snap.Invalid, int(binary.BigEndian.Uint64(k[len(prefix):])))
		}
		return nil
	})
	if err != nil {
		return warehouse.StatusSnapshot{}, fmt.Errorf("embedded: status snapshot %s/%d: %w", agency, list, err)
	}
	return snap, nil
}

// storedToken is a StatusToken on disk.
type storedToken struct {
	Changed  int64     `json:"changed"`
	IssuedAt time.Time `json:"iat"`
	Token    string    `json:"token"`
	Gzip     []byte    `json:"gzip"`
}

// PutStatusToken implements warehouse.StatusStore.
func (s *Store) PutStatusToken(ctx context.Context, t warehouse.StatusToken) (bool, error) {
	if hasNUL(t.Agency) || t.Token == "" {
		return false, fmt.Errorf("embedded: put status token: %w", errInvalid)
	}
	defer s.lock("\x00status-token\x00" + t.Agency)()
	stored := false
	err := s.update(ctx, func(txn *badger.Txn) error {
		stored = false
		mk := listKey(pStatMeta, t.Agency, t.List)
		m, err := get(txn, mk)
		switch {
		case errors.Is(err, errNotFound):
		case err != nil:
			return err
		case len(m) == 16 && int64(binary.BigEndian.Uint64(m[:8])) > t.Changed:
			return nil // a newer token is stored
		}
		if err := setJSON(txn, listKey(pStatToken, t.Agency, t.List), storedToken{Changed: t.Changed, IssuedAt: t.IssuedAt, Token: t.Token, Gzip: t.Gzip}); err != nil {
			return err
		}
		stored = true
		return txn.Set(mk, binary.BigEndian.AppendUint64(u64(t.Changed), uint64(t.IssuedAt.UnixNano())))
	})
	if err != nil {
		return false, fmt.Errorf("embedded: put status token: %w", s.tooBig("a status list token", err))
	}
	return stored, nil
}

// StatusToken implements warehouse.StatusStore.
func (s *Store) StatusToken(ctx context.Context, agency string, list int) (warehouse.StatusToken, error) {
	var t storedToken
	err := s.view(ctx, func(txn *badger.Txn) error {
		err := getJSON(txn, listKey(pStatToken, agency, list), &t)
		if errors.Is(err, errNotFound) {
			return warehouse.ErrNotFound
		}
		return err
	})
	if err != nil {
		return warehouse.StatusToken{}, fmt.Errorf("embedded: status token %s/%d: %w", agency, list, err)
	}
	return warehouse.StatusToken{Agency: agency, List: list, Changed: t.Changed, IssuedAt: t.IssuedAt, Token: t.Token, Gzip: t.Gzip}, nil
}
