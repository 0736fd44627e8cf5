package embedded

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// storedCode is an enrolment code as the store keeps it (under its hash).
type storedCode struct {
	CitizenID string    `json:"citizen_id"`
	Expires   time.Time `json:"expires"`
	Used      bool      `json:"used,omitempty"`
	UsedAt    time.Time `json:"used_at,omitzero"`
	Device    string    `json:"device,omitempty"`
}

// PutCode stores a single-use enrolment code. Putting a code that is
// stored already is a no-op when it is the same (citizen and expiry) and
// warehouse.ErrConflict otherwise: a used code is never made usable again.
func (s *Store) PutCode(ctx context.Context, c warehouse.Code) error {
	if c.Hash == "" || hasNUL(c.Hash, c.CitizenID) {
		return fmt.Errorf("embedded: put code: %w: empty code hash or NUL in it", errInvalid)
	}
	k := key(pCode, c.Hash)
	defer s.lock(string(k))()
	err := s.update(ctx, func(txn *badger.Txn) error {
		var old storedCode
		switch err := getJSON(txn, k, &old); {
		case err == nil:
			if old.CitizenID == c.CitizenID && old.Expires.Equal(c.Expires) {
				return nil
			}
			return fmt.Errorf("%w: another code with this hash is stored", warehouse.ErrConflict)
		case !errors.Is(err, errNotFound):
			return err
		}
		if err := setJSON(txn, k, storedCode{CitizenID: c.CitizenID, Expires: c.Expires}); err != nil {
			return err
		}
		return txn.Set(expiryKey(c.Expires, k), nil)
	})
	if err != nil {
		return fmt.Errorf("embedded: put code: %w", err)
	}
	return nil
}

// expiryKey is exp NUL expires(8) followed by the key that expires.
func expiryKey(t time.Time, k []byte) []byte {
	return append(timeKey([]byte(pExpiry), t), k...)
}

// Enrol spends a code and stores the device in one transaction.
func (s *Store) Enrol(ctx context.Context, codeHash string, d warehouse.Device) error {
	if hasNUL(codeHash, d.CitizenID) {
		return fmt.Errorf("embedded: enrol: %w", warehouse.ErrBadCode)
	}
	if d.ID == "" || hasNUL(d.ID) {
		return fmt.Errorf("embedded: enrol: %w: empty device id or NUL in it", errInvalid)
	}
	ck, dk := key(pCode, codeHash), key(pDevice, d.ID)
	defer s.lock(string(ck), string(dk))()
	err := s.update(ctx, func(txn *badger.Txn) error {
		var c storedCode
		if err := getJSON(txn, ck, &c); errors.Is(err, errNotFound) {
			return warehouse.ErrBadCode
		} else if err != nil {
			return err
		}
		// One answer for an unknown, used, expired or another citizen's
		// code.
		if c.Used || c.CitizenID != d.CitizenID || !d.EnrolledAt.Before(c.Expires) {
			return warehouse.ErrBadCode
		}
		var old warehouse.Device
		if err := getJSON(txn, dk, &old); err == nil && old.CitizenID != d.CitizenID {
			return warehouse.ErrKeyInUse
		} else if err != nil && !errors.Is(err, errNotFound) {
			return err
		}
		c.Used, c.UsedAt, c.Device = true, d.EnrolledAt, d.ID
		if err := setJSON(txn, ck, c); err != nil {
			return err
		}
		if err := setJSON(txn, dk, d); err != nil {
			return err
		}
		return txn.Set(key(pDevByCit, d.CitizenID, d.ID), nil)
	})
	if err != nil {
		return fmt.Errorf("embedded: enrol: %w", err)
	}
	return nil
}

// Device returns an enrolled device.
func (s *Store) Device(ctx context.Context, id string) (warehouse.Device, error) {
	var d warehouse.Device
	err := s.view(ctx, func(txn *badger.Txn) error { return device(txn, id, &d) })
	if err != nil {
		return warehouse.Device{}, fmt.Errorf("embedded: device: %w", err)
	}
	return d, nil
}

func device(txn *badger.Txn, id string, d *warehouse.Device) error {
	if hasNUL(id) {
		return warehouse.ErrNotFound
	}
	err := getJSON(txn, key(pDevice, id), d)
	if errors.Is(err, errNotFound) {
		return warehouse.ErrNotFound
	}
	return err
}

// Devices lists a citizen's devices, oldest enrolment first, from the
// devc NUL citizen index: it reads that citizen's devices only.
func (s *Store) Devices(ctx context.Context, citizenID string) ([]warehouse.Device, error) {
	var out []warehouse.Device
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		if err := knownCitizen(txn, citizenID); err != nil {
			return err
		}
		prefix := under(pDevByCit, citizenID)
		var ids []string
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		for it.Rewind(); it.Valid(); it.Next() {
			ids = append(ids, string(it.Item().Key()[len(prefix):]))
		}
		it.Close()
		for _, id := range ids {
			var d warehouse.Device
			if err := device(txn, id, &d); err != nil {
				if errors.Is(err, warehouse.ErrNotFound) {
					continue
				}
				return err
			}
			if d.CitizenID == citizenID {
				out = append(out, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: devices: %w", err)
	}
	slices.SortStableFunc(out, func(a, b warehouse.Device) int {
		return cmp.Or(a.EnrolledAt.Compare(b.EnrolledAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeDevice disables a citizen's device, keeping the first time.
func (s *Store) RevokeDevice(ctx context.Context, citizenID, deviceID string, at time.Time) (warehouse.Device, error) {
	dk := key(pDevice, deviceID)
	defer s.lock(string(dk))()
	var d warehouse.Device
	err := s.update(ctx, func(txn *badger.Txn) error {
		d = warehouse.Device{}
		if err := device(txn, deviceID, &d); err != nil {
			return err
		}
		if d.CitizenID != citizenID {
			return warehouse.ErrNotFound
		}
		if !d.RevokedAt.IsZero() {
			return nil
		}
		d.RevokedAt = at
		return setJSON(txn, dk, d)
	})
	if err != nil {
		return warehouse.Device{}, fmt.Errorf("embedded: revoke device: %w", err)
	}
	return d, nil
}

// UseNonce records a request id until expires. The entry carries a
// badger TTL of (expires - now) rounded up plus a second, so badger
// drops it on its own; the rule itself is the stored expiry compared
// with now, which never hides a live entry.
func (s *Store) UseNonce(ctx context.Context, client, id string, expires, now time.Time) error {
	if hasNUL(client, id) {
		return fmt.Errorf("embedded: use nonce: %w: NUL in the client or request id", errInvalid)
	}
	if !now.Before(expires) {
		// Expired already: there is nothing to remember.
		return nil
	}
	k := key(pNonce, client, id)
	defer s.lock(string(k))()
	ttl := expires.Sub(now).Truncate(time.Second) + 2*time.Second
	err := s.update(ctx, func(txn *badger.Txn) error {
		v, err := get(txn, k)
		switch {
		case err == nil && len(v) == 8 && nanos(now) < unordered(v):
			return warehouse.ErrReplay
		case err != nil && !errors.Is(err, errNotFound):
			return err
		}
		if err := txn.SetEntry(badger.NewEntry(k, timeKey(nil, expires)).WithTTL(ttl)); err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry(expiryKey(expires, k), nil).WithTTL(ttl))
	})
	if err != nil {
		return fmt.Errorf("embedded: use nonce: %w", err)
	}
	return nil
}

// purgeChunk is how many expired entries one PurgeExpired transaction
// deletes.
const purgeChunk = 1000

// purgeIndex deletes what an index by expiry (prefix, expiry time(8),
// then what expires) names as expired before now, walking the index
// from its start up to now (so it reads only what it deletes),
// purgeChunk per transaction. For each index key drop deletes its target
// if the target still expires at t (one recorded again has a newer
// expiry and index key) and says whether it did; the index key goes
// either way. lock, if set, is held around each transaction. It returns
// how many targets were dropped.
func (s *Store) purgeIndex(ctx context.Context, prefix string, now time.Time, lock func() func(),
	drop func(txn *badger.Txn, t int64, target []byte) (bool, error)) (int, error) {
	total, limit, tpos := 0, nanos(now), len(prefix)
	for {
		var keys [][]byte
		err := s.view(ctx, func(txn *badger.Txn) error {
			keys = keys[:0]
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(keys) < purgeChunk; it.Next() {
				k := it.Item().Key()
				if len(k) < tpos+8 || unordered(k[tpos:tpos+8]) >= limit {
					break
				}
				keys = append(keys, slices.Clone(k))
			}
			return nil
		})
		if err != nil || len(keys) == 0 {
			return total, err
		}
		n := 0
		unlock := func() {}
		if lock != nil {
			unlock = lock()
		}
		err = s.update(ctx, func(txn *badger.Txn) error {
			n = 0
			for _, ik := range keys {
				dropped, err := drop(txn, unordered(ik[tpos:tpos+8]), ik[tpos+8:])
				if err != nil {
					return err
				}
				if dropped {
					n++
				}
				if err := txn.Delete(ik); err != nil {
					return err
				}
			}
			return nil
		})
		unlock()
		if err != nil {
			return total, err
		}
		total += n
		if len(keys) < purgeChunk {
			return total, nil
		}
	}
}

// purgeNoncesAndCodes deletes the nonces and codes that expired before
// now (the exp NUL expires index).
func (s *Store) purgeNoncesAndCodes(ctx context.Context, now time.Time) (int, error) {
	n, err := s.purgeIndex(ctx, pExpiry, now, nil, func(txn *badger.Txn, t int64, target []byte) (bool, error) {
		exp, found, err := expiryOf(txn, target)
		if err != nil || !found || exp != t {
			return false, err
		}
		return true, txn.Delete(target)
	})
	if err != nil {
		return n, fmt.Errorf("embedded: purge expired: %w", err)
	}
	return n, nil
}

// expiryOf reads the expiry of a nonce or code key.
func expiryOf(txn *badger.Txn, k []byte) (int64, bool, error) {
	switch {
	case len(k) > len(pNonce) && string(k[:len(pNonce)]) == pNonce:
		v, err := get(txn, k)
		if errors.Is(err, errNotFound) || (err == nil && len(v) != 8) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		return unordered(v), true, nil
	case len(k) > len(pCode) && string(k[:len(pCode)]) == pCode:
		var c storedCode
		err := getJSON(txn, k, &c)
		if errors.Is(err, errNotFound) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		return nanos(c.Expires), true, nil
	}
	return 0, false, nil
}
