package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// ReplaceCredentials implements warehouse.Store: one UPDATE whose WHERE
// compares the stored credential with the old one (a row a concurrent
// transaction replaced first no longer matches once that one commits:
// PostgreSQL re-checks the condition on the updated row), then reads
// back what is stored, in one transaction.
func (s *Store) ReplaceCredentials(ctx context.Context, deviceID string, refs []warehouse.RecordRef, old, creds []string) ([]string, error) {
	const op = "replace credentials"
	if len(refs) != len(creds) || len(refs) != len(old) {
		return nil, invalid(op, "%d refs, %d old, %d new credentials", len(refs), len(old), len(creds))
	}
	if deviceID == "" || !storable(deviceID) {
		return nil, invalid(op, "the device id must be UTF-8 text without NUL")
	}
	var ids, olds, news []string
	var vs []int32
	for i, r := range refs {
		if !storable(r.RecordID, old[i], creds[i]) || !fitsInt32(r.Version) {
			return nil, invalid(op, "record id and credentials must be UTF-8 text without NUL, and the version in range")
		}
		if old[i] != "" && creds[i] != "" {
			ids, vs, olds, news = append(ids, r.RecordID), append(vs, int32(r.Version)), append(olds, old[i]), append(news, creds[i])
		}
	}
	out := make([]string, len(refs))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		clear(out)
		if len(ids) > 0 {
			_, err := tx.Exec(ctx, `UPDATE credentials c SET credential = u.n
				FROM unnest($2::text[], $3::int4[], $4::text[], $5::text[]) AS u(rid, v, o, n)
				WHERE c.device_id = $1 AND c.record_id = u.rid AND c.version = u.v AND c.credential = u.o`,
				deviceID, ids, vs, olds, news)
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
