package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// PutCode stores a single-use enrolment code. Putting a code stored
// already is a no-op when it is the same (citizen and expiry, to the
// microsecond) and warehouse.ErrConflict otherwise: a used code is never
// made usable again.
func (s *Store) PutCode(ctx context.Context, c warehouse.Code) error {
	const op = "put code"
	if c.Hash == "" || !storable(c.Hash, c.CitizenID) {
		return invalid(op, "a code needs a hash and a citizen id of UTF-8 text without NUL")
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO codes (hash, citizen_id, expires) VALUES ($1, $2, $3)
			ON CONFLICT (hash) DO NOTHING`, c.Hash, c.CitizenID, c.Expires)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var citizen string
		var expires time.Time
		if err := tx.QueryRow(ctx, `SELECT citizen_id, expires FROM codes WHERE hash = $1`, c.Hash).Scan(&citizen, &expires); err != nil {
			return err
		}
		if citizen != c.CitizenID || !expires.Equal(c.Expires.Truncate(time.Microsecond)) {
			return fmt.Errorf("%w: another code with this hash is stored", warehouse.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// Enrol spends the code and stores the device in one transaction. The
// UPDATE of the code takes its row lock: of concurrent Enrols with one
// code, the first spends it and the others, once it commits, find it
// used (ErrBadCode); if the first rolls back (ErrKeyInUse), the next one
// gets the code.
func (s *Store) Enrol(ctx context.Context, codeHash string, d warehouse.Device) error {
	const op = "enrol"
	if !storable(codeHash, d.CitizenID) {
		return fmt.Errorf("postgres: %s: %w", op, warehouse.ErrBadCode)
	}
	if d.ID == "" || !storable(d.ID, d.Label) {
		return invalid(op, "a device needs an id, and id and label must be UTF-8 text without NUL")
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE codes SET used_at = $3, device = $4
			WHERE hash = $1 AND citizen_id = $2 AND used_at IS NULL AND expires > $3`,
			codeHash, d.CitizenID, d.EnrolledAt, d.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return warehouse.ErrBadCode
		}
		// Insert, or replace the citizen's own device (re-enabling it);
		// no row when the key is another citizen's.
		tag, err = tx.Exec(ctx, `INSERT INTO devices (id, citizen_id, key, label, enrolled_at, revoked_at)
			VALUES ($1, $2, $3, $4, $5, NULL)
			ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, label = EXCLUDED.label,
				enrolled_at = EXCLUDED.enrolled_at, revoked_at = NULL
			WHERE devices.citizen_id = EXCLUDED.citizen_id`,
			d.ID, d.CitizenID, nonNil(d.Key), d.Label, d.EnrolledAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return warehouse.ErrKeyInUse // rolls back: the code is not spent
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

const deviceColumns = `id, citizen_id, key, label, enrolled_at, revoked_at`

const sqlDevices = `SELECT ` + deviceColumns + ` FROM devices WHERE citizen_id = $1 ORDER BY enrolled_at, id`

func scanDevice(row pgx.Row) (warehouse.Device, error) {
	var d warehouse.Device
	var key []byte
	var enrolled time.Time
	var revoked *time.Time
	if err := row.Scan(&d.ID, &d.CitizenID, &key, &d.Label, &enrolled, &revoked); err != nil {
		return warehouse.Device{}, err
	}
	if len(key) > 0 {
		d.Key = json.RawMessage(key)
	}
	d.EnrolledAt, d.RevokedAt = utc(enrolled), utcPtr(revoked)
	return d, nil
}

// Device returns an enrolled device.
func (s *Store) Device(ctx context.Context, id string) (warehouse.Device, error) {
	const op = "device"
	if !storable(id) {
		return warehouse.Device{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return warehouse.Device{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return warehouse.Device{}, wrap(op, err)
	}
	return d, nil
}

// Devices lists a citizen's devices, oldest enrolment first (then by id),
// from devices_citizen.
func (s *Store) Devices(ctx context.Context, citizenID string) ([]warehouse.Device, error) {
	const op = "devices"
	if !storable(citizenID) {
		return nil, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrUnknownCitizen)
	}
	rows, err := s.pool.Query(ctx, sqlDevices, citizenID)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (warehouse.Device, error) { return scanDevice(r) })
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

// RevokeDevice disables a citizen's device, keeping the first time.
func (s *Store) RevokeDevice(ctx context.Context, citizenID, deviceID string, at time.Time) (warehouse.Device, error) {
	const op = "revoke device"
	if !storable(citizenID, deviceID) {
		return warehouse.Device{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	d, err := scanDevice(s.pool.QueryRow(ctx, `UPDATE devices SET revoked_at = COALESCE(revoked_at, $3)
		WHERE id = $2 AND citizen_id = $1
		RETURNING `+deviceColumns, citizenID, deviceID, at))
	if errors.Is(err, pgx.ErrNoRows) {
		return warehouse.Device{}, fmt.Errorf("postgres: %s: %w", op, warehouse.ErrNotFound)
	}
	if err != nil {
		return warehouse.Device{}, wrap(op, err)
	}
	return d, nil
}

// UseNonce records a request id until expires: an INSERT that, on a
// stored (client, id), updates it only if it had expired at now; no row
// affected is a replay. The first of concurrent calls inserts, the
// others wait for its unique-index entry and then find it live. Both
// times count to the microsecond (PostgreSQL's precision), truncated.
func (s *Store) UseNonce(ctx context.Context, client, id string, expires, now time.Time) error {
	const op = "use nonce"
	if !storable(client, id) {
		return invalid(op, "the client and request id must be UTF-8 text without NUL")
	}
	expires, now = expires.Truncate(time.Microsecond), now.Truncate(time.Microsecond)
	if !now.Before(expires) {
		return nil // expired already: there is nothing to remember
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO nonces (client, id, expires) VALUES ($1, $2, $3)
		ON CONFLICT (client, id) DO UPDATE SET expires = EXCLUDED.expires WHERE nonces.expires <= $4`,
		client, id, expires, now)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", op, warehouse.ErrReplay)
	}
	return nil
}

// purgeChunk is how many rows one DELETE of PurgeExpired removes at
// most, so that no statement holds many row locks or runs long.
const purgeChunk = 5000

// PurgeExpired deletes the nonces, codes and consent revocations that
// expired before now, by range scans of nonces_expires, codes_expires and
// revocations_expires, purgeChunk rows per statement. A nonce recorded
// anew meanwhile is kept. The revocation head stays where it is (seqs are
// never given out again).
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	const op = "purge expired"
	total := 0
	for _, q := range []string{sqlPurgeNonces, sqlPurgeCodes, sqlPurgeRevocations} {
		for {
			tag, err := s.pool.Exec(ctx, q, now, purgeChunk)
			if err != nil {
				return total, wrap(op, err)
			}
			total += int(tag.RowsAffected())
			if tag.RowsAffected() < purgeChunk {
				break
			}
		}
	}
	return total, nil
}

// The purges find up to $2 expired rows by the expires index and delete
// them by their row address (a TID scan: no condition on expires in the
// outer query, or the planner would rescan every expired row for each
// chunk). A row updated meanwhile (a nonce recorded anew) has a new
// version at another address, which fails the TID condition when
// PostgreSQL re-checks it: it stays.
const (
	sqlPurgeNonces = `DELETE FROM nonces
		WHERE ctid = ANY (ARRAY(SELECT ctid FROM nonces WHERE expires < $1 LIMIT $2))`
	sqlPurgeCodes = `DELETE FROM codes
		WHERE ctid = ANY (ARRAY(SELECT ctid FROM codes WHERE expires < $1 LIMIT $2))`
	sqlPurgeRevocations = `DELETE FROM revocations
		WHERE ctid = ANY (ARRAY(SELECT ctid FROM revocations WHERE expires < $1 LIMIT $2))`
)
