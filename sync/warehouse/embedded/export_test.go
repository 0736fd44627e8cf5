package embedded

// SetLocks turns the in-process stripe locks on or off, so a test can
// show that the rules hold on badger's conflict check alone. Call it
// before the store is used.
func SetLocks(s *Store, on bool) { s.useLocks = on }

// MaxTxnBytes is badger's limit on one transaction.
func MaxTxnBytes(s *Store) int64 { return s.db.MaxBatchSize() }

// Retries is how many transactions ran again after a conflict.
func Retries(s *Store) int64 { return s.retries.Load() }
