package embedded

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// ReplaceCredentials implements warehouse.Store: a compare-and-swap per
// ref, in one transaction, under the device's credential lock.
func (s *Store) ReplaceCredentials(ctx context.Context, deviceID string, refs []warehouse.RecordRef, old, creds []string) ([]string, error) {
	if len(refs) != len(creds) || len(refs) != len(old) {
		return nil, fmt.Errorf("embedded: replace credentials: %w: %d refs, %d old, %d new credentials", errInvalid, len(refs), len(old), len(creds))
	}
	if err := checkCredentialIDs("replace credentials", deviceID, refs); err != nil {
		return nil, err
	}
	defer s.lock(pCred + deviceID)()
	out := make([]string, len(refs))
	err := s.update(ctx, func(txn *badger.Txn) error {
		for i, r := range refs {
			k := versionKey(pCred, deviceID, r.RecordID, r.Version)
			v, err := get(txn, k)
			switch {
			case errors.Is(err, errNotFound):
				out[i] = ""
				continue
			case err != nil:
				return err
			}
			out[i] = string(v)
			if old[i] == "" || creds[i] == "" || string(v) != old[i] {
				continue
			}
			if err := txn.Set(k, []byte(creds[i])); err != nil {
				return err
			}
			out[i] = creds[i]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: replace credentials: %w", s.tooBig(fmt.Sprintf("%d credentials", len(refs)), err))
	}
	return out, nil
}
