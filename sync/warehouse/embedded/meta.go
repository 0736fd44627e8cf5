package embedded

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// PutAgency adds or replaces an agency.
func (s *Store) PutAgency(ctx context.Context, a warehouse.AgencyInfo) error {
	if a.ID == "" || hasNUL(a.ID) {
		return fmt.Errorf("embedded: put agency: %w: empty agency id or NUL in it", errInvalid)
	}
	err := s.update(ctx, func(txn *badger.Txn) error { return setJSON(txn, key(pAgency, a.ID), a) })
	if err != nil {
		return fmt.Errorf("embedded: put agency: %w", err)
	}
	return nil
}

// Agencies lists every agency by id.
func (s *Store) Agencies(ctx context.Context) ([]warehouse.AgencyInfo, error) {
	var out []warehouse.AgencyInfo
	err := s.view(ctx, func(txn *badger.Txn) error {
		out = nil
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pAgency), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			var a warehouse.AgencyInfo
			if err := item.Value(func(b []byte) error { return decode(item.Key(), b, &a) }); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: agencies: %w", err)
	}
	return out, nil
}

// Meta returns a named value of the province.
func (s *Store) Meta(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.view(ctx, func(txn *badger.Txn) error {
		if hasNUL(name) {
			return warehouse.ErrNotFound
		}
		var err error
		v, err = get(txn, key(pMeta, name))
		if errors.Is(err, errNotFound) {
			return warehouse.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: meta: %w", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// PutMeta stores a named value of the province.
func (s *Store) PutMeta(ctx context.Context, name string, value []byte) error {
	if name == "" || hasNUL(name) {
		return fmt.Errorf("embedded: put meta: %w: empty name or NUL in it", errInvalid)
	}
	v := append([]byte(nil), value...)
	err := s.update(ctx, func(txn *badger.Txn) error { return txn.Set(key(pMeta, name), v) })
	if err != nil {
		return fmt.Errorf("embedded: put meta: %w", err)
	}
	return nil
}

// CreateMeta stores value under name unless name has one, and returns
// the value name has.
func (s *Store) CreateMeta(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" || hasNUL(name) {
		return nil, fmt.Errorf("embedded: create meta: %w: empty name or NUL in it", errInvalid)
	}
	var out []byte
	err := s.update(ctx, func(txn *badger.Txn) error {
		v, err := get(txn, key(pMeta, name))
		switch {
		case err == nil:
			out = v
			return nil
		case !errors.Is(err, errNotFound):
			return err
		}
		out = append([]byte{}, value...)
		return txn.Set(key(pMeta, name), out)
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: create meta: %w", err)
	}
	return out, nil
}
