package badgerstore

import (
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
)

// Options tune a Store. The zero value is the production setting.
type Options struct {
	// KDF is the Argon2id cost used when a header is written (Create,
	// ChangePIN). Zero means kdf.Default(); tests use kdf.Test(). Open
	// always uses the parameters stored in the header.
	KDF kdf.Params
	// Now is the clock of the PIN throttle; nil means time.Now. Tests use
	// it to step over the delays.
	Now func() time.Time
}

func (o Options) kdf() kdf.Params {
	if o.KDF == (kdf.Params{}) {
		return kdf.Default
	}
	return o.KDF
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Badger tuning for phones.
//
// A wallet holds a few thousand small records (1–4 KiB each with the signed
// credential) and writes a page at a time during sync, so badger's server
// defaults (64 MiB memtables × 5, 256 MiB block cache, 1 GiB value-log
// files, 4 compactors, 8 stream goroutines) would cost far more memory than
// the data is worth on a 2 GiB phone. Each choice:
//
//   - MemTableSize 8 MiB, NumMemtables 2: a memtable holds a few thousand
//     records, and at most one more is being flushed. 8 MiB (not less)
//     because badger caps one transaction at 15 % of it, 1.2 MiB, and a
//     sync page or a demo import (Batch) must fit in one transaction.
//   - ValueThreshold 64 KiB: every record lives in the LSM tree next to its
//     key, so a read is one lookup, and the value log only ever holds the
//     write-ahead copy. Value-log files 16 MiB (not 1 GiB) so a rarely
//     rewritten wallet does not keep a huge preallocated mmap.
//   - Compression off: every value is sealed (ciphertext does not
//     compress), and the keys are tiny.
//   - BlockCacheSize 4 MiB, IndexCacheSize 4 MiB: with encryption on,
//     badger must decrypt blocks and table indexes on every read unless they
//     are cached; 8 MiB keeps a whole 10 000-record wallet's working set hot
//     (measured in docs/benchmarks.md) while bounding memory, where the
//     default would let the index grow with the data.
//   - NumLevelZeroTables 2, stall at 8, BaseTableSize 2 MiB, BaseLevelSize
//     8 MiB, NumCompactors 2 (badger's minimum): little data, so small
//     tables and the least compaction concurrency; compaction never competes
//     with the UI for the phone's cores.
//   - NumGoroutines 2, MetricsEnabled false: no stream work and no expvar.
//   - SyncWrites on: a write that returned survives a process kill or a
//     power loss; wallet writes are few (a sync page at a time), so the
//     fsync per commit costs little (docs/benchmarks.md).
//   - Checksums (ChecksumVerificationMode OnBlockRead, and Open runs
//     DB.VerifyChecksum): every block's checksum is checked when it is read,
//     and every table is read once at unlock. The sealed values catch an
//     edited value, but not a damaged key or block header, and badger's
//     iterators end silently at a block that fails to read, so a query
//     would return fewer records with no error; verifying all tables at
//     open refuses such a database with wallet.ErrIntegrity before any
//     query runs. badger's OnTableRead modes are not used: at open they
//     skip a table that fails its checksum, silently losing its data.
//     badger v4.9 panics on some damaged blocks (it parses a block before
//     checking its checksum, and dereferences a nil block when reporting
//     a failed one); the store recovers those panics in its own calls and
//     reports wallet.ErrIntegrity. The check at open costs one read of the
//     tables (measured with 10 000 records in docs/benchmarks.md).
//   - Logger nil: badger's INFO logging would write to stderr on phones.
//   - EncryptionKey: a 32-byte subkey (AES-256); badger's data keys rotate
//     every 10 days (its default) under it.
func badgerOptions(dir string, key []byte) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(nil).
		WithSyncWrites(true).
		WithEncryptionKey(key).
		WithCompression(options.None).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(16 << 20).
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(4 << 20).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(8 << 20).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMetricsEnabled(false).
		WithChecksumVerificationMode(options.OnBlockRead)
}
